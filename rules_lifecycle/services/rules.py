"""Writes on experience rules other than moves: creating one from a strategy, editing it,
recording the real go-live date of a rule that ran before cxops was adopted.

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
from django.utils.translation import gettext_noop

from cxops.errors import ApplicationError
from cxops.models import Channel
from cxops.models import ExperienceLayer
from cxops.models import NotificationKind
from cxops.models import Product
from cxops.models import Segment
from cxops.personal_numbers import mask_personal_numbers
from cxops.roles import Role
from cxops.roles import has_role
from cxops.roles import require_role
from cxops.services.notifications import follow_create
from cxops.services.notifications import notify
from proposals.models import Strategy
from proposals.models import StrategyStatus
from rules_lifecycle.models import SYSTEMS_FOR_TIMING
from rules_lifecycle.models import EvaluationRun
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import ImplementingSystem
from rules_lifecycle.models import RuleGoLiveBackfill
from rules_lifecycle.models import RuleTransition
from rules_lifecycle.models import Timing
from rules_lifecycle.models.rules import DEFAULT_BURN_IN_DAYS
from rules_lifecycle.models.rules import DEFAULT_GUARDRAIL_MARGIN
from rules_lifecycle.models.rules import DEFAULT_MINIMUM_WORTHWHILE_EFFECT
from rules_lifecycle.models.rules import DEFAULT_POST_WINDOW_DAYS
from rules_lifecycle.models.rules import DEFAULT_PRE_WINDOW_DAYS
from rules_lifecycle.models.rules import DEFAULT_REVIEW_AFTER_DAYS
from rules_lifecycle.models.rules import EARLIEST_GO_LIVE
from rules_lifecycle.models.rules import MAX_BURN_IN_DAYS
from rules_lifecycle.models.rules import MEASUREMENT_FIELDS
from rules_lifecycle.models.rules import MIN_POST_WINDOW_DAYS
from rules_lifecycle.models.rules import SCOPE_FIELDS
from rules_lifecycle.services.evaluation import evaluation_run_dispatch
from rules_lifecycle.services.evaluation import rule_evaluate_on_demand
from rules_lifecycle.transitions import REASON_MAX_LENGTH
from rules_lifecycle.transitions import RUNNING_STATUSES
from rules_lifecycle.transitions import RuleStatus
from rules_lifecycle.transitions import movers_for

# Editable while the rule is not running (the evaluation design is fixed at go-live).
DESIGN_FIELDS = frozenset(
    {
        "trigger_event",
        "trigger_condition",
        "trigger_action",
        "implementing_system",
        "timing",
        "layer",
        *MEASUREMENT_FIELDS,
        *SCOPE_FIELDS,
    }
)
# Editable until the rule is retired or rejected.
DESCRIPTIVE_FIELDS = frozenset({"name", "trigger_notes", "review_after_days"})
# Only a manager reassigns a rule.
MANAGER_FIELDS = frozenset({"owner"})
EDITABLE_FIELDS = DESIGN_FIELDS | DESCRIPTIVE_FIELDS | MANAGER_FIELDS
# The same fields in the order the rule form and the API present them.
RULE_FIELDS = (
    "name",
    "owner",
    "trigger_event",
    "trigger_condition",
    "trigger_action",
    "trigger_notes",
    "implementing_system",
    "timing",
    "layer",
    *SCOPE_FIELDS,
    *MEASUREMENT_FIELDS,
    "review_after_days",
)


# Sane bounds for the free text of a rule (the columns' own, and a few pages for the texts).
TEXT_LIMITS = {
    "name": 200,
    "trigger_event": 300,
    "trigger_condition": 5_000,
    "trigger_action": 5_000,
    "trigger_notes": 5_000,
}


# The longest a design may ask for, as the API's serializer allows (a larger number is a typing slip,
# and one beyond the column or the calendar a server error or a rule that can never go live).
MAX_WINDOW_DAYS = 365
MAX_REVIEW_AFTER_DAYS = 3650


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
    for name, limit in TEXT_LIMITS.items():
        length = len(values.get(name) or "")
        if length > limit:
            add(
                name,
                gettext("At most %(limit)d characters (this has %(length)d).")
                % {"limit": limit, "length": length},
            )
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
    regions = set(values.get("regions") or ())
    control_regions = set(values.get("control_regions") or ())
    if control_regions and (control_regions & regions or not regions):
        add(
            "control_regions",
            gettext("Control cities are cities the pilot does not run in: choose the pilot's cities first."),
        )
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
        elif value > MAX_WINDOW_DAYS:
            add(field, gettext("At most %(max)d days.") % {"max": MAX_WINDOW_DAYS})

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
    if isinstance(review, int) and review > MAX_REVIEW_AFTER_DAYS:
        add("review_after_days", gettext("At most %(max)d days.") % {"max": MAX_REVIEW_AFTER_DAYS})
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
    regions: Iterable[Any] = (),
    control_regions: Iterable[Any] = (),
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
        "name": mask_personal_numbers(name.strip()),
        "trigger_event": mask_personal_numbers(trigger_event.strip()),
        "trigger_condition": mask_personal_numbers(trigger_condition.strip()),
        "trigger_action": mask_personal_numbers(trigger_action.strip()),
        "trigger_notes": mask_personal_numbers(trigger_notes.strip()),
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
        "regions": list(regions),
        "control_regions": list(control_regions),
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
        _tell_owner(rule, actor=actor, message=gettext_noop("You own the new rule “%(name)s”"))
    return rule


def _tell_owner(rule: ExperienceRule, *, actor: Any, message: str) -> None:
    """Notify the rule's owner (`message` has the rule's name as %(name)s)."""
    notify(
        recipient_ids=[rule.owner_id],
        kind=NotificationKind.RULE,
        message=message,
        params={"name": rule.name},
        url=rule.get_absolute_url(),
        actor=actor,
        target=rule,
    )


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
        # Personal numbers are masked before anything is stored (page, API and admin alike).
        merged[text_field] = mask_personal_numbers((merged[text_field] or "").strip())
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
        _tell_owner(locked, actor=actor, message=gettext_noop("You now own the rule “%(name)s”"))
    return locked


def _day(value: dt.date) -> str:
    return value.isoformat()


@transaction.atomic
def rule_backfill_go_live(
    *, rule: ExperienceRule, actor: Any, go_live_on: dt.date, reason: str
) -> RuleGoLiveBackfill:
    """Record the day a running rule really went live, for a rule that ran before cxops was adopted
    (or was moved to live here after the fact), so it is evaluated on its real windows against the
    metric history imported for it.

    Who: the rule's owner (holding the product-owner role) or a manager, as for the owner's moves.
    When: the rule is running (live, under review or kept: the rules the daily evaluation scores).
    Which day: from 2000-01-01 (no metric history is older) up to the day cxops recorded the rule's
    latest move to live — never later, since the rule demonstrably ran from then; a day between a
    mistaken backfill and that day corrects the mistake.  A rule sent back to improve and live again
    started a new evaluation period when it was sent back, so its go-live is not before that day.
    Why: a reason is required; it is kept in full on the backfill record (the rule's timeline) and,
    cut to 100 characters, on the rule's simple-history record with the actor.

    Sets `go_live_on`, and `review_due_on` from it (which may now be past: the rule is then due for
    review); bumps `version`.  Notifies nobody (it is a correction of the record, like an edit).
    After commit the rule is evaluated again today, in today's on-demand run and in any run today
    that scored it already, so every page reading today's result shows the real windows.
    """
    reason = mask_personal_numbers((reason or "").strip())
    if isinstance(go_live_on, dt.datetime) or not isinstance(go_live_on, dt.date):
        raise TypeError("go_live_on must be a date")
    locked = ExperienceRule.objects.select_for_update().get(pk=rule.pk)
    if not movers_for(rule=locked, actor=actor):
        raise ApplicationError(
            gettext("Only the rule's owner or a manager can record its real go-live date."), code="forbidden"
        )
    if locked.status not in RUNNING_STATUSES:
        raise ApplicationError(
            gettext(
                "The rule is %(status)s: only a live, under-review or kept rule has a go-live date to correct."
            )
            % {"status": locked.status_label},
            code="invalid",
        )

    previous = locked.go_live_on
    if previous is None:  # a running rule went live, so it has one; a row edited by hand may not
        raise ApplicationError(gettext("The rule has no go-live date to correct."), code="invalid")
    errors: dict[str, list[str]] = {}
    live_moves = list(
        RuleTransition.objects.filter(rule=locked, to_status=RuleStatus.LIVE)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
    )
    # The day cxops itself saw the rule go live (the row's own date if no move is recorded).
    recorded_on = timezone.localdate(live_moves[0]) if live_moves else previous
    sent_back = None
    if len(live_moves) > 1:
        sent_back_at = (
            RuleTransition.objects.filter(
                rule=locked, from_status=RuleStatus.UNDER_REVIEW, to_status=RuleStatus.IMPLEMENTING
            )
            .order_by("-created_at", "-id")
            .values_list("created_at", flat=True)
            .first()
        )
        sent_back = timezone.localdate(sent_back_at) if sent_back_at else None
    today = timezone.localdate()
    if go_live_on > today:
        errors["go_live_on"] = [gettext("The go-live date cannot be in the future.")]
    elif go_live_on < EARLIEST_GO_LIVE:
        errors["go_live_on"] = [
            gettext("The go-live date cannot be before %(day)s: cxops holds no history that old.")
            % {"day": _day(EARLIEST_GO_LIVE)}
        ]
    elif go_live_on > recorded_on:
        errors["go_live_on"] = [
            gettext(
                "The rule was recorded live in cxops on %(day)s: its real go-live date is that day or earlier."
            )
            % {"day": _day(recorded_on)}
        ]
    elif sent_back is not None and go_live_on < sent_back:
        errors["go_live_on"] = [
            gettext(
                "The rule was sent back to improve on %(day)s and went live again after that: its current "
                "version cannot have gone live earlier."
            )
            % {"day": _day(sent_back)}
        ]
    elif go_live_on == previous:
        errors["go_live_on"] = [gettext("The go-live date is already %(day)s.") % {"day": _day(previous)}]
    if not reason:
        errors["reason"] = [
            gettext("Say why: where the real go-live date comes from (a release note, a change ticket …).")
        ]
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = [
            gettext("The reason is too long (at most %(max)d characters).") % {"max": REASON_MAX_LENGTH}
        ]
    if errors:
        raise ApplicationError(
            " ".join(message for messages in errors.values() for message in messages),
            code="invalid",
            extra={"fields": errors},
        )

    now = timezone.now()
    locked.go_live_on = go_live_on
    locked.review_due_on = go_live_on + dt.timedelta(days=locked.review_after_days)
    locked.version += 1
    locked.updated_at = now
    locked._history_user = actor
    locked._history_date = now
    # simple-history's reason column holds 100 characters (the full reason is on the backfill).
    locked._change_reason = (
        gettext("Go-live backfilled %(previous)s → %(day)s: %(reason)s")
        % {"previous": _day(previous), "day": _day(go_live_on), "reason": reason}
    )[:100]
    locked.save(update_fields=["go_live_on", "review_due_on", "version", "updated_at"])
    record = RuleGoLiveBackfill.objects.create(
        rule=locked,
        previous_go_live_on=previous,
        go_live_on=go_live_on,
        actor=actor,
        reason=reason,
        created_at=now,
    )
    _evaluate_again(rule=locked, actor=actor)
    rule.refresh_from_db()
    return record


def _evaluate_again(*, rule: ExperienceRule, actor: Any) -> None:
    """Queue today's evaluation of the rule on its new windows (sent after commit, through the
    outbox).  The stored inputs' fingerprint includes the design, so each run re-scores the rule
    in place of its earlier row for the day.  Caller holds the rule's row lock."""
    run = rule_evaluate_on_demand(rule=rule, actor=actor)
    earlier_today = (
        EvaluationRun.objects.filter(run_on=run.run_on, evaluations__rule=rule).exclude(pk=run.pk).distinct()
    )
    for other in earlier_today:
        evaluation_run_dispatch(run=other, rule_ids=[rule.pk])
