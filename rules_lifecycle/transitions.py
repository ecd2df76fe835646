"""The experience rule's state machine: the one place where a rule's status changes.

States (PRODUCT.md, "Execute")::

    proposed → approved → implementing → live → under_review → kept
        │                     ▲                     │    │
        ▼                     └───── send back ─────┘    ▼
    rejected                                           retired   (also from live and kept)

Choices beyond the letter of PRODUCT.md, and why:

- **kept → under_review.**  "用进废退" is not a one-off verdict: a kept rule is reviewed again
  (yearly, or when its product's situation changes), and the review can then keep, improve or
  retire it.  The owner may ask for that review too, since they watch the rule day to day.
- **kept → retired** (manager).  A product is withdrawn or the rule is superseded: no review can
  change that, so the manager retires it directly, with a reason.
- **live → retired** (manager).  A rule that visibly harms customers must be switched off now,
  not after a review cycle; the reason is mandatory and is on the record.
- **No exit from approved / implementing but forward**, as PRODUCT.md draws it: a rule is retired
  only after it has run (retiring is a decision about measured effect), and `rejected` is only for
  proposals.  `rejected` and `retired` are final.

Who moves what: product owners own rules and move them through implementation; managers approve,
keep, send back and retire (PRODUCT.md, "People").  "Owner" means *this rule's* owner, who must
also still hold the product-owner role; a manager may also make every owner move (managers can do
everything the roles below them can).  Analysts, frontline staff, administrators and product owners
of other rules make no moves.

Moves that undo or end someone's work (reject, send back, retire) need a reason; so does keeping a
rule, because a keep decision is what the next review starts from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_noop

from cxops.errors import ApplicationError
from cxops.models import NotificationKind
from cxops.personal_numbers import mask_personal_numbers
from cxops.roles import Role
from cxops.roles import has_role
from cxops.services.audit import AuditAction
from cxops.services.audit import audit_record
from cxops.services.issue_clock import issues_rule_live_tell_reporters
from cxops.services.notifications import label_param
from cxops.services.notifications import notify_followers
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleTransition
from rules_lifecycle.models.statuses import DESIGN_EDITABLE_STATUSES
from rules_lifecycle.models.statuses import FINAL_STATUSES
from rules_lifecycle.models.statuses import MOVES
from rules_lifecycle.models.statuses import MOVES_BY_PAIR
from rules_lifecycle.models.statuses import RUNNING_STATUSES
from rules_lifecycle.models.statuses import STATUS_ORDER
from rules_lifecycle.models.statuses import Move
from rules_lifecycle.models.statuses import Mover
from rules_lifecycle.models.statuses import RuleStatus
from rules_lifecycle.webhooks import rule_transitioned_emit

# The statuses and the move table live beside the models (rules_lifecycle/models/statuses.py);
# they are re-exported here, with the functions that apply them.
__all__ = [
    "DESIGN_EDITABLE_STATUSES",
    "FINAL_STATUSES",
    "MOVES",
    "MOVES_BY_PAIR",
    "REASON_MAX_LENGTH",
    "RUNNING_STATUSES",
    "STATUS_ORDER",
    "Move",
    "Mover",
    "RuleStatus",
    "available_moves",
    "check_move",
    "movers_for",
    "moves_from",
    "rule_transition",
]


REASON_MAX_LENGTH = 2000


def movers_for(*, rule: ExperienceRule, actor: Any) -> frozenset[Mover]:
    """The capacities in which `actor` acts on `rule` (possibly none)."""
    capacities = set()
    if has_role(actor, Role.MANAGER):
        capacities.add(Mover.MANAGER)
    if (
        getattr(actor, "pk", None) is not None
        and actor.pk == rule.owner_id
        and has_role(actor, Role.PRODUCT_OWNER)
    ):
        capacities.add(Mover.OWNER)
    return frozenset(capacities)


def moves_from(status: str) -> list[Move]:
    return [move for move in MOVES if move.source == status]


def available_moves(*, rule: ExperienceRule, actor: Any) -> list[Move]:
    """The moves `actor` may make on `rule` now: what the rule page shows as buttons."""
    capacities = movers_for(rule=rule, actor=actor)
    return [move for move in moves_from(rule.status) if move.movers & capacities]


def check_move(*, rule: ExperienceRule, to_status: str, actor: Any, reason: str) -> Move:
    """Raise ApplicationError unless `actor` may move `rule` to `to_status` with this reason."""
    if to_status not in RuleStatus.values:
        raise ApplicationError(
            gettext("“%(status)s” is not a rule status.") % {"status": to_status}, code="invalid"
        )
    current = RuleStatus(rule.status)
    target = RuleStatus(to_status)
    move = MOVES_BY_PAIR.get((current, target))
    if move is None:
        allowed = [m.target.label for m in moves_from(current)]
        if allowed:
            message = gettext(
                "A rule cannot go from “%(current)s” to “%(target)s”. From “%(current)s” it can go to: %(allowed)s."
            ) % {
                "current": current.label,
                "target": target.label,
                "allowed": gettext(", ").join(str(a) for a in allowed),
            }
        else:
            message = gettext("The rule is “%(current)s”: that is final, it cannot move any more.") % {
                "current": current.label
            }
        raise ApplicationError(
            message,
            code="illegal_transition",
            extra={"from_status": current.value, "allowed": [m.target.value for m in moves_from(current)]},
        )
    if not (move.movers & movers_for(rule=rule, actor=actor)):
        who = gettext(" or ").join(str(m.label) for m in sorted(move.movers))
        raise ApplicationError(
            gettext("Only %(who)s may move a rule from “%(current)s” to “%(target)s”.")
            % {"who": who, "current": current.label, "target": target.label},
            code="forbidden",
        )
    if move.reason_required and not reason.strip():
        raise ApplicationError(
            gettext("Moving a rule to “%(target)s” needs a reason.") % {"target": target.label},
            code="invalid",
            extra={"fields": {"reason": [gettext("Give a reason.")]}},
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ApplicationError(
            gettext("The reason is too long (at most %(max)d characters).") % {"max": REASON_MAX_LENGTH},
            code="invalid",
            extra={"fields": {"reason": [gettext("Shorten the reason.")]}},
        )
    return move


def rule_transition(
    *,
    rule: ExperienceRule,
    to_status: str,
    actor: Any,
    reason: str = "",
    occurred_at: dt.datetime | None = None,
    evaluation_decision: bool = False,
) -> RuleTransition:
    """Move `rule` to `to_status`: the only code that assigns a rule's status.

    Locks the rule's row, re-reads it and checks the move against the row as it is *now*, so of
    two people moving the same rule at once the second sees the first's result and is refused.
    Sets the go-live date when the rule goes live (and its review date), the retirement date when
    it is retired, writes the transition record and, after commit, notifies the rule's followers
    and owner.  `rule` is refreshed in place.

    `occurred_at` backdates the move; only for loading history (demo data, a migration from an
    older system).  Pages and the API never pass it.  A backdated move notifies nobody: it is a
    record of the past, and the people involved were told at the time.

    Every move made now is one line of the audit log; `evaluation_decision` marks a move decided
    on the evaluation page (keep, improve, retire after a verdict).
    """
    reason = mask_personal_numbers((reason or "").strip())
    at = occurred_at or timezone.now()
    if timezone.is_naive(at):
        raise ValueError("occurred_at must be aware")
    with transaction.atomic():
        locked_rule = ExperienceRule.objects.select_for_update().get(pk=rule.pk)
        check_move(rule=locked_rule, to_status=to_status, actor=actor, reason=reason)
        from_status = locked_rule.status
        locked_rule.status = to_status
        locked_rule.version += 1
        locked_rule.updated_at = at
        fields = ["status", "version", "updated_at"]
        day = timezone.localdate(at)
        if to_status == RuleStatus.LIVE:
            # Going live again after an improvement starts a new evaluation period.
            locked_rule.go_live_on = day
            locked_rule.review_due_on = day + dt.timedelta(days=locked_rule.review_after_days)
            fields += ["go_live_on", "review_due_on"]
        elif to_status == RuleStatus.RETIRED:
            locked_rule.retired_on = day
            fields.append("retired_on")
        # simple-history's reason column holds 100 characters (the full reason is on the transition).
        locked_rule._change_reason = (reason or f"{from_status} → {to_status}")[:100]
        locked_rule._history_user = actor
        locked_rule._history_date = at
        locked_rule.save(update_fields=fields)
        record = RuleTransition.objects.create(
            rule=locked_rule,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            reason=reason,
            created_at=at,
        )
        if occurred_at is None:
            audit_record(
                actor=actor,
                action=(
                    AuditAction.EVALUATION_DECISION if evaluation_decision else AuditAction.RULE_TRANSITION
                ),
                target=locked_rule,
                summary=f"{from_status} → {to_status}" + (f": {reason}" if reason else ""),
            )
            # One move, one bell item per reader: the reporters (told first, in their own words)
            # and the rule's followers share the move's event key.
            if to_status == RuleStatus.LIVE:
                issues_rule_live_tell_reporters(
                    issue_ids=locked_rule.issues.values_list("pk", flat=True),
                    rule_name=locked_rule.name,
                    rule_url=locked_rule.get_absolute_url(),
                    actor=actor,
                    event_key=_event_key(record),
                )
            _notify(rule=locked_rule, record=record, actor=actor)
            rule_transitioned_emit(rule=locked_rule, record=record)
    rule.refresh_from_db()
    return record


def _event_key(record: RuleTransition) -> str:
    return f"rule-transition:{record.pk}"


def _notify(*, rule: ExperienceRule, record: RuleTransition, actor: Any) -> None:
    message = gettext_noop("Rule “%(name)s”: %(from)s → %(to)s")
    title = gettext(message) % {
        "name": rule.name,
        "from": RuleStatus(record.from_status).label,
        "to": RuleStatus(record.to_status).label,
    }
    notify_followers(
        target=rule,
        kind=NotificationKind.RULE,
        title=title,
        message=message,
        params={
            "name": rule.name,
            "from": label_param(RuleStatus(record.from_status).label),
            "to": label_param(RuleStatus(record.to_status).label),
        },
        body=record.reason,
        url=rule.get_absolute_url(),
        actor=actor,
        extra_recipient_ids=[rule.owner_id],
        event_key=_event_key(record),
    )
