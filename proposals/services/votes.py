"""Votes: product owners support or oppose while voting is open; tallies are always exact.

The strategy row is locked for every vote, so the tally recomputed from the rows inside the lock
is exact; the unique (strategy, voter) constraint makes "one vote per person" a database fact.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxops.errors import ApplicationError
from cxops.personal_numbers import mask_personal_numbers
from cxops.services.notifications import follow_create

from ..models import Strategy
from ..models import Vote
from ..models import VoteChoice
from ..policies import can_vote
from ..policies import require
from .transitions import recount_votes


def _lock_open(strategy: Strategy) -> Strategy:
    locked = Strategy.objects.select_for_update().get(pk=strategy.pk)
    if not locked.is_voting_open():
        raise ApplicationError(
            _("Voting is not open on this strategy (it is %(status)s); votes are frozen.")
            % {"status": locked.get_status_display()},
            code="voting_closed",
        )
    return locked


@transaction.atomic
def vote_cast(*, strategy: Strategy, actor: Any, choice: str, reason: str = "") -> Vote:
    """Cast or change the actor's vote."""
    require(can_vote(actor), _("Only product owners vote on strategies."))
    if choice not in VoteChoice.values:
        raise ValidationError({"choice": _("Choose support or oppose.")})
    locked = _lock_open(strategy)
    now = timezone.now()
    vote, created = Vote.objects.get_or_create(
        strategy=locked,
        voter=actor,
        defaults={
            "choice": choice,
            "reason": mask_personal_numbers(reason.strip())[:500],
            "created_at": now,
            "updated_at": now,
        },
    )
    if not created:
        vote.choice, vote.reason, vote.updated_at, vote.carried_from = (
            choice,
            mask_personal_numbers(reason.strip())[:500],
            now,
            None,
        )
        vote.save(update_fields=["choice", "reason", "updated_at", "carried_from"])
    recount_votes(locked)
    Strategy.objects.filter(pk=locked.pk).update(last_activity_at=now)
    follow_create(user=actor, target=locked)
    return vote


@transaction.atomic
def vote_retract(*, strategy: Strategy, actor: Any) -> None:
    require(can_vote(actor), _("Only product owners vote on strategies."))
    locked = _lock_open(strategy)
    deleted, _details = Vote.objects.filter(strategy=locked, voter=actor).delete()
    if not deleted:
        raise ApplicationError(_("You have not voted on this strategy."), code="not_found")
    recount_votes(locked)
