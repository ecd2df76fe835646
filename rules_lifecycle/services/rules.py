"""Writes on experience rules other than moves: creating one from a strategy, editing it.

Moves (status changes) live in `rules_lifecycle.transitions.rule_transition`, nowhere else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from cxops.errors import ApplicationError
from cxops.models import Channel, ExperienceLayer, NotificationKind, Product, Segment
from cxops.roles import Role, has_role, require_role
from cxops.services.notifications import follow_create, notify
from proposals.models import Strategy, StrategyStatus
from rules_lifecycle.models import SYSTEMS_FOR_TIMING, ExperienceRule, ImplementingSystem, Timing
from rules_lifecycle.models.rules import (
    DEFAULT_BURN_IN_DAYS,
    DEFAULT_GUARDRAIL_MARGIN,
    DEFAULT_MINIMUM_WORTHWHILE_EFFECT,
    DEFAULT_POST_WINDOW_DAYS,
    DEFAULT_PRE_WINDOW_DAYS,
    DEFAULT_REVIEW_AFTER_DAYS,
    MAX_BURN_IN_DAYS,
    MIN_POST_WINDOW_DAYS,
)

SCOPE_FIELDS = (
    "products",
    "channels",
    "segments",
    "control_products",
    "control_channels",
    "control_segments",
)
# Editable while the rule is not running (the evaluation design is fixed at go-live).
DESIGN_FIELDS = frozenset(
    {
        "trigger_event",
        "trigger_condition",
        "trigger_action",
        "implementing_system",
        "timing",
        "layer",
        "pre_window_days",
        "burn_in_days",
        "post_window_days",
        "minimum_worthwhile_effect",
        "guardrail_margin",
        *SCOPE_FIELDS,
    }
)
# Editable until the rule is retired or rejected.
DESCRIPTIVE_FIELDS = frozenset({"name", "trigger_notes", "review_after_days"})
# Only a manager reassigns a rule.
MANAGER_FIELDS = frozenset({"owner"})
EDITABLE_FIELDS = DESIGN_FIELDS | DESCRIPTIVE_FIELDS | MANAGER_FIELDS


def validate_rule_design(values: dict[str, Any]) -> None:
    """Raise ValidationError (per field) unless the rule's design is consistent.

    `values` holds every design field; scope fields as collections of model instances.
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not (values.get("name") or "").strip():
        add("name", gettext("Give the rule a name."))
    if not (values.get("trigger_event") or "").strip():
        add("trigger_event", gettext("Say which event triggers the rule."))
    if not (values.get("trigger_action") or "").strip():
        add("trigger_action", gettext("Say what the system does."))
    system, timing = values.get("implementing_system"), values.get("timing")
    if system not in ImplementingSystem.values:
        add("implementing_system", gettext("Choose the implementing system."))
    if timing not in Timing.values:
        add("timing", gettext("Choose instant or non-instant."))
    if (
        system in ImplementingSystem.values
        and timing in Timing.values
        and system not in SYSTEMS_FOR_TIMING[timing]
    ):
        if timing == Timing.INSTANT:
            message = gettext(
                "%(system)s runs non-instant rules only: an instant rule runs in BOSS, the end-to-end "
                "system, a product platform or web/app."
            )
        else:
            message = gettext(
                "%(system)s runs instant rules only: a non-instant rule runs in CMP, a product platform or web/app."
            )
        add("timing", message % {"system": ImplementingSystem(system).label})
    if values.get("layer") not in ExperienceLayer.values:
        add("layer", gettext("Choose the target experience layer."))

    products = set(values.get("products") or ())
    channels = set(values.get("channels") or ())
    segments = set(values.get("segments") or ())
    if not products:
        add("products", gettext("Choose at least one product the rule applies to."))
    control_products = set(values.get("control_products") or ())
    control_channels = set(values.get("control_channels") or ())
    control_segments = set(values.get("control_segments") or ())
    if control_products or control_channels or control_segments:
        # The control scope must be customers the rule does not reach: it differs from the treated
        # scope in at least one dimension where the two do not overlap.  An empty dimension on the
        # treated side means "all", which every control value overlaps.
        disjoint = (
            (control_products and not (control_products & products))
            or (control_channels and channels and not (control_channels & channels))
            or (control_segments and segments and not (control_segments & segments))
        )
        if not disjoint:
            add(
                "control_products",
                gettext(
                    "The control scope overlaps what the rule touches: choose products, or channels or "
                    "segments the rule does not reach."
                ),
            )

    def whole_weeks(field: str, minimum: int) -> None:
        value = values.get(field)
        if not isinstance(value, int) or value < minimum or value % 7:
            add(
                field,
                gettext("Whole weeks of at least %(minimum)d days (7, 14, 21, 28 …).") % {"minimum": minimum},
            )

    whole_weeks("pre_window_days", 7)
    whole_weeks("post_window_days", MIN_POST_WINDOW_DAYS)
    burn_in = values.get("burn_in_days")
    if not isinstance(burn_in, int) or not 0 <= burn_in <= MAX_BURN_IN_DAYS:
        add("burn_in_days", gettext("Between 0 and %(max)d days.") % {"max": MAX_BURN_IN_DAYS})
    for field in ("minimum_worthwhile_effect", "guardrail_margin"):
        value = values.get(field)
        if not isinstance(value, int | float) or not 0 < value < 1:
            add(field, gettext("A share between 0 and 1, e.g. 0.05 for 5%."))
    review = values.get("review_after_days")
    if isinstance(burn_in, int) and isinstance(values.get("post_window_days"), int):
        needed = burn_in + values["post_window_days"]
        if not isinstance(review, int) or review < needed:
            add(
                "review_after_days",
                gettext("At least %(days)d days: the burn-in and the window after it must be over.")
                % {"days": needed},
            )
    if errors:
        raise ValidationError(errors)


def _check_owner(owner: Any) -> None:
    if owner is None or not owner.is_active or not has_role(owner, Role.PRODUCT_OWNER):
        raise ValidationError({"owner": [gettext("The owner must be a product owner.")]})


@transaction.atomic
def rule_create_from_strategy(
    *,
    strategy: Strategy,
    actor: Any,
    name: str,
    trigger_event: str,
    trigger_action: str,
    implementing_system: str,
    timing: str,
    owner: Any | None = None,
    trigger_condition: str = "",
    trigger_notes: str = "",
    layer: str | None = None,
    products: Iterable[Product] | None = None,
    channels: Iterable[Channel] = (),
    segments: Iterable[Segment] = (),
    control_products: Iterable[Product] = (),
    control_channels: Iterable[Channel] = (),
    control_segments: Iterable[Segment] = (),
    pre_window_days: int = DEFAULT_PRE_WINDOW_DAYS,
    burn_in_days: int = DEFAULT_BURN_IN_DAYS,
    post_window_days: int = DEFAULT_POST_WINDOW_DAYS,
    minimum_worthwhile_effect: float = DEFAULT_MINIMUM_WORTHWHILE_EFFECT,
    guardrail_margin: float = DEFAULT_GUARDRAIL_MARGIN,
    review_after_days: int = DEFAULT_REVIEW_AFTER_DAYS,
    created_at: dt.datetime | None = None,
) -> ExperienceRule:
    """Propose a rule that puts an accepted strategy into a system.

    Product owners propose rules they will own; managers propose rules for any product owner.
    The rule starts `proposed` (a manager approves it), is linked to the strategy and its issues,
    defaults to the strategy's product and layer, and is followed by its owner and its author.
    `created_at` backdates it, for loading history only (and then notifies nobody).
    """
    require_role(
        actor,
        Role.PRODUCT_OWNER,
        Role.MANAGER,
        message=gettext("Only product owners and managers create rules."),
    )
    strategy = Strategy.objects.select_for_update().get(pk=strategy.pk)
    if strategy.status != StrategyStatus.ACCEPTED:
        raise ApplicationError(
            gettext("Rules are made from accepted strategies; “%(title)s” is %(status)s.")
            % {"title": strategy.title, "status": StrategyStatus(strategy.status).label},
            code="strategy_not_accepted",
        )
    owner = owner or actor
    if owner.pk != actor.pk and not has_role(actor, Role.MANAGER):
        raise ApplicationError(
            gettext("A product owner creates rules they own; a manager can assign them to someone else."),
            code="forbidden",
        )
    _check_owner(owner)
    values: dict[str, Any] = {
        "name": name.strip(),
        "trigger_event": trigger_event.strip(),
        "trigger_condition": trigger_condition.strip(),
        "trigger_action": trigger_action.strip(),
        "trigger_notes": trigger_notes.strip(),
        "implementing_system": implementing_system,
        "timing": timing,
        "layer": layer or strategy.layer,
        "pre_window_days": pre_window_days,
        "burn_in_days": burn_in_days,
        "post_window_days": post_window_days,
        "minimum_worthwhile_effect": minimum_worthwhile_effect,
        "guardrail_margin": guardrail_margin,
        "review_after_days": review_after_days,
    }
    scope = {
        "products": list(products) if products is not None else [strategy.product],
        "channels": list(channels),
        "segments": list(segments),
        "control_products": list(control_products),
        "control_channels": list(control_channels),
        "control_segments": list(control_segments),
    }
    validate_rule_design({**values, **scope})
    at = created_at or timezone.now()
    rule = ExperienceRule(
        strategy=strategy, owner=owner, created_by=actor, created_at=at, updated_at=at, **values
    )
    rule._history_user = actor
    rule._history_date = at
    # simple-history's reason column holds 100 characters; a long strategy title overflowed it (a 500
    # on PostgreSQL).
    rule._change_reason = (gettext("Created from strategy “%(title)s”") % {"title": strategy.title})[:100]
    rule.save()
    for field, items in scope.items():
        getattr(rule, field).set(items)
    rule.issues.set(strategy.issues.all())
    follow_create(user=owner, target=rule)
    follow_create(user=actor, target=rule)
    if created_at is None:
        notify(
            recipient_ids=[owner.pk],
            kind=NotificationKind.RULE,
            title=gettext("You own the new rule “%(name)s”") % {"name": rule.name},
            url=rule.get_absolute_url(),
            actor=actor,
            target=rule,
        )
    return rule


def _current_values(rule: ExperienceRule) -> dict[str, Any]:
    values = {field: getattr(rule, field) for field in EDITABLE_FIELDS - set(SCOPE_FIELDS)}
    values.update({field: list(getattr(rule, field).all()) for field in SCOPE_FIELDS})
    return values


@transaction.atomic
def rule_update(
    *, rule: ExperienceRule, actor: Any, expected_version: int, changes: dict[str, Any]
) -> ExperienceRule:
    """Edit a rule's non-state fields; refused if someone saved (or moved it) since `expected_version`.

    The owner and managers edit; only managers reassign the owner.  The trigger, system, timing,
    scope and evaluation design are fixed while the rule runs; nothing changes once it is retired
    or rejected.  Status is not a field here: see `rule_transition`.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ApplicationError(
            gettext("These fields cannot be edited here: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))},
            code="invalid",
        )
    locked = ExperienceRule.objects.select_for_update().get(pk=rule.pk)
    is_manager = has_role(actor, Role.MANAGER)
    is_owner = actor.pk == locked.owner_id and has_role(actor, Role.PRODUCT_OWNER)
    if not (is_manager or is_owner):
        raise ApplicationError(gettext("Only the rule's owner or a manager can edit it."), code="forbidden")
    if locked.version != expected_version:
        raise ApplicationError(
            gettext(
                "Someone changed this rule while you were editing it (your version %(yours)d, now %(now)d). "
                "Your changes were not saved: reload the rule and apply them again."
            )
            % {"yours": expected_version, "now": locked.version},
            code="conflict",
            extra={"current_version": locked.version},
        )
    if locked.is_final:
        raise ApplicationError(
            gettext("The rule is %(status)s: it can no longer be edited.") % {"status": locked.status_label},
            code="invalid",
        )
    current = _current_values(locked)
    changed = {
        field: value
        for field, value in changes.items()
        if (set(value) != set(current[field]) if field in SCOPE_FIELDS else value != current[field])
    }
    if "owner" in changed and not is_manager:
        raise ApplicationError(
            gettext("Only a manager can give the rule to another owner."), code="forbidden"
        )
    locked_design = set(changed) & DESIGN_FIELDS
    if locked_design and not locked.can_edit_design():
        raise ApplicationError(
            gettext(
                "The rule is %(status)s: its trigger, system, scope and evaluation design are fixed while it "
                "runs. Send it back to implementing to change them."
            )
            % {"status": locked.status_label},
            code="invalid",
            extra={
                "fields": {field: [gettext("Fixed while the rule runs.")] for field in sorted(locked_design)}
            },
        )
    if not changed:
        return locked
    if "owner" in changed:
        _check_owner(changed["owner"])
    merged = {**current, **changed}
    for text_field in ("name", "trigger_event", "trigger_condition", "trigger_action", "trigger_notes"):
        merged[text_field] = (merged[text_field] or "").strip()
    validate_rule_design(merged)

    fields = []
    for field in changed:
        if field in SCOPE_FIELDS:
            getattr(locked, field).set(changed[field])
        else:
            setattr(locked, field, merged[field])
            fields.append(field)
    if "review_after_days" in changed and locked.go_live_on is not None:
        locked.review_due_on = locked.go_live_on + dt.timedelta(days=locked.review_after_days)
        fields.append("review_due_on")
    locked.version += 1
    locked.updated_at = timezone.now()
    locked._history_user = actor
    locked._change_reason = (gettext("Edited: %(fields)s") % {"fields": ", ".join(sorted(changed))})[:100]
    locked.save(update_fields=[*fields, "version", "updated_at"])
    if "owner" in changed:
        follow_create(user=locked.owner, target=locked)
        notify(
            recipient_ids=[locked.owner_id],
            kind=NotificationKind.RULE,
            title=gettext("You now own the rule “%(name)s”") % {"name": locked.name},
            url=locked.get_absolute_url(),
            actor=actor,
            target=locked,
        )
    return locked
