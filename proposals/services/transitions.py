"""The strategy status machine, in one place.

The allowed moves and who may make them are data (`MOVES`); `strategy_transition` is the only
code that assigns `Strategy.status` (tests/proposals/test_transitions.py greps for it).  It locks
the row, checks, saves with `update_fields`, records a `StatusChange` and notifies after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop

from cxops.errors import ApplicationError
from cxops.personal_numbers import mask_personal_numbers
from cxops.roles import Role
from cxops.roles import has_role
from cxops.roles import users_holding
from cxops.services.audit import AuditAction
from cxops.services.audit import audit_record
from cxops.services.notifications import follow_create
from cxops.services.notifications import follower_ids
from cxops.services.notifications import label_param
from cxops.services.notifications import notify
from cxops.services.notifications import notify_followers
from proposals.webhooks import strategy_answered_emit

from ..models import StatusChange
from ..models import Strategy
from ..models import StrategyStatus
from ..models import Vote
from ..models.strategy import CLOSED_STATUSES

S = StrategyStatus
ANSWER_STATUSES = frozenset({S.ACCEPTED, S.REJECTED})


@dataclass(frozen=True)
class Move:
    label: Promise
    roles: frozenset[str]  # any of these roles may make the move
    creator_may: bool = False  # the strategy's creator may make it too, whatever their role
    reason_required: bool = False


_analysts = frozenset({Role.ANALYST})  # managers hold the analyst role too
_managers = frozenset({Role.MANAGER})

MOVES: dict[tuple[str, str], Move] = {
    (S.DRAFT, S.DISCUSSION): Move(gettext_lazy("Open for discussion"), _analysts, creator_may=True),
    (S.DISCUSSION, S.VOTING): Move(gettext_lazy("Open voting"), _analysts),
    (S.VOTING, S.DISCUSSION): Move(gettext_lazy("Pause voting, back to discussion"), _managers, reason_required=True),
    (S.VOTING, S.ACCEPTED): Move(gettext_lazy("Accept (official answer)"), _managers, reason_required=True),
    (S.VOTING, S.REJECTED): Move(gettext_lazy("Reject (official answer)"), _managers, reason_required=True),
    (S.WITHDRAWN, S.DISCUSSION): Move(gettext_lazy("Reopen for discussion"), _managers, creator_may=True),
    **{
        (source, S.WITHDRAWN): Move(gettext_lazy("Withdraw"), _managers, creator_may=True, reason_required=True)
        for source in (S.DRAFT, S.DISCUSSION, S.VOTING)
    },
    **{
        (source, S.MERGED): Move(gettext_lazy("Merge into another strategy as a duplicate"), _analysts)
        for source in (S.DRAFT, S.DISCUSSION, S.VOTING)
    },
}  # fmt: skip


def may_move(user: Any, strategy: Strategy, to_status: str) -> bool:
    move = MOVES.get((strategy.status, to_status))
    if move is None:
        return False
    return has_role(user, *move.roles) or (move.creator_may and user.pk == strategy.created_by_id)


def available_moves(user: Any, strategy: Strategy) -> list[tuple[str, Move]]:
    return [
        (to_status, move)
        for (from_status, to_status), move in MOVES.items()
        if from_status == strategy.status and may_move(user, strategy, to_status)
    ]


def recount_votes(strategy: Strategy) -> None:
    """Recompute the tallies from the vote rows.  Caller holds the strategy row lock."""
    counts = Vote.objects.filter(strategy=strategy).aggregate(
        support=Count("pk", filter=Q(choice="support")), oppose=Count("pk", filter=Q(choice="oppose"))
    )
    strategy.support_count = counts["support"]
    strategy.oppose_count = counts["oppose"]
    strategy.save(update_fields=["support_count", "oppose_count"])


def _carry_over(*, source: Strategy, target: Strategy, actor: Any) -> int:
    """Copy the source's votes and followers to the target once.  Caller locks both rows.

    A voter who already voted on the target keeps that vote (never counted twice); votes are
    carried only while the target's tally is still open (draft, discussion, voting).
    """
    carried = 0
    if target.status not in CLOSED_STATUSES:
        already = set(Vote.objects.filter(strategy=target).values_list("voter_id", flat=True))
        now = timezone.now()
        new_votes = [
            Vote(
                strategy=target,
                voter_id=vote.voter_id,
                choice=vote.choice,
                reason=vote.reason,
                carried_from=source,
                created_at=vote.created_at,
                updated_at=now,
            )
            for vote in Vote.objects.filter(strategy=source).exclude(voter_id__in=already)
        ]
        Vote.objects.bulk_create(new_votes)
        carried = len(new_votes)
        recount_votes(target)
    User = get_user_model()
    for user in User.objects.filter(pk__in=follower_ids(target=source)):
        follow_create(user=user, target=target)
    return carried


@transaction.atomic
def strategy_transition(
    *,
    strategy: Strategy,
    to_status: str,
    actor: Any,
    reason: str = "",
    merged_into: Strategy | None = None,
) -> Strategy:
    """Move a strategy to `to_status`.  Accept/reject: `reason` is the manager's official answer."""
    if merged_into is not None and merged_into.pk != strategy.pk:
        # Lock in id order so two merges in opposite directions cannot deadlock.
        ids = sorted([strategy.pk, merged_into.pk])
        rows = {row.pk: row for row in Strategy.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
        locked, target = rows[strategy.pk], rows[merged_into.pk]
    else:
        locked, target = Strategy.objects.select_for_update().get(pk=strategy.pk), None
    from_status = locked.status
    move = MOVES.get((from_status, to_status))
    if move is None:
        raise ApplicationError(
            _("A strategy that is %(from)s cannot become %(to)s.")
            % {
                "from": locked.get_status_display(),
                "to": S(to_status).label if to_status in S.values else to_status,
            },
            code="illegal_transition",
            extra={"allowed": [t for (f, t) in MOVES if f == from_status]},
        )
    if not may_move(actor, locked, to_status):
        if to_status in ANSWER_STATUSES:
            message = _("Only managers give the official answer.")
        else:
            message = _("Your role does not allow this move.")
        raise ApplicationError(message, code="forbidden")
    reason = mask_personal_numbers(reason.strip())
    if move.reason_required and not reason:
        field_message = (
            _("Write the official answer with the reasons.")
            if to_status in ANSWER_STATUSES
            else _("Give a reason.")
        )
        raise ValidationError({"reason": field_message})
    if to_status == S.MERGED:
        if target is None:
            raise ValidationError({"merged_into": _("Choose the strategy this one duplicates.")})
        if target.status == S.MERGED:
            raise ApplicationError(
                _("“%(title)s” is itself merged; merge into the strategy it was merged into.")
                % {"title": target.title},
                code="invalid",
            )

    now = timezone.now()
    locked.status = to_status
    locked.last_activity_at = now
    fields = ["status", "last_activity_at"]
    if to_status in ANSWER_STATUSES:
        locked.official_answer, locked.official_answer_by, locked.official_answer_at = reason, actor, now
        fields += ["official_answer", "official_answer_by", "official_answer_at"]
    if to_status == S.MERGED:
        locked.merged_into = target
        fields.append("merged_into")
    locked.save(update_fields=fields)
    if to_status in ANSWER_STATUSES:
        audit_record(
            actor=actor,
            action=AuditAction.OFFICIAL_ANSWER,
            target=locked,
            summary=f"{from_status} → {to_status}: {reason}",
        )
    change = StatusChange.objects.create(
        strategy=locked,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        reason=reason,
        created_at=now,
    )
    _notify(
        locked, from_status=from_status, actor=actor, reason=reason, event_key=f"strategy-move:{change.pk}"
    )
    if to_status in ANSWER_STATUSES:
        strategy_answered_emit(strategy=locked, from_status=from_status)
    if target is not None:
        carried = _carry_over(source=locked, target=target, actor=actor)
        Strategy.objects.filter(pk=target.pk).update(last_activity_at=now)
        notify_followers(
            target=target,
            kind="status",
            message=gettext_noop(
                "“%(source)s” was merged into “%(title)s” as a duplicate (%(count)s votes carried over)"
            ),
            params={"source": locked.title, "title": target.title, "count": carried},
            url=target.get_absolute_url(),
            actor=actor,
        )
    follow_create(user=actor, target=locked)
    return locked


def _notify(strategy: Strategy, *, from_status: str, actor: Any, reason: str, event_key: str) -> None:
    """The strategy's followers, the voters concerned and the followers of its issues hear of the
    move once each (`event_key`: one bell item for someone who follows both)."""
    message = gettext_noop("“%(title)s”: %(from)s → %(to)s")
    params: dict[str, Any] = {
        "title": strategy.title,
        "from": label_param(S(from_status).label),
        "to": label_param(S(strategy.status).label),
    }
    extra: list[int] = []
    if strategy.status == S.VOTING:
        # Voting opens: every product owner is a voter, so tell them even if they do not follow.
        extra = list(users_holding(Role.PRODUCT_OWNER).values_list("pk", flat=True))
        message, params = gettext_noop("Voting is open on “%(title)s”"), {"title": strategy.title}
    elif from_status == S.VOTING:
        # Voting closes: voters hear how it ended.
        extra = list(Vote.objects.filter(strategy=strategy).values_list("voter_id", flat=True))
        message = gettext_noop("Voting closed on “%(title)s”: %(to)s")
        params = {"title": strategy.title, "to": label_param(S(strategy.status).label)}
    # The same news for the strategy's audience and for each issue's followers.
    news: dict[str, Any] = {
        "message": message,
        "params": params,
        "url": strategy.get_absolute_url(),
        "body": reason,
        "actor": actor,
        "event_key": event_key,
    }
    notify_followers(
        target=strategy,
        kind="vote" if S.VOTING in (strategy.status, from_status) else "status",
        extra_recipient_ids=extra,
        **news,
    )
    for issue in strategy.issues.all():
        notify(recipient_ids=follower_ids(target=issue), kind="status", target=issue, **news)
