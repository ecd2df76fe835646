"""A rule's statuses and the moves between them, as data (rules_lifecycle/transitions.py applies
them; its docstring says why the moves are these)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    IMPLEMENTING = "implementing", _("Implementing")
    LIVE = "live", _("Live")
    UNDER_REVIEW = "under_review", _("Under review")
    KEPT = "kept", _("Kept")
    RETIRED = "retired", _("Retired")
    REJECTED = "rejected", _("Rejected")


# Board order: the way a rule travels.
STATUS_ORDER: tuple[RuleStatus, ...] = (
    RuleStatus.PROPOSED,
    RuleStatus.APPROVED,
    RuleStatus.IMPLEMENTING,
    RuleStatus.LIVE,
    RuleStatus.UNDER_REVIEW,
    RuleStatus.KEPT,
    RuleStatus.RETIRED,
    RuleStatus.REJECTED,
)
# The rule runs in its system in these states (it has a go-live date).
RUNNING_STATUSES = frozenset({RuleStatus.LIVE, RuleStatus.UNDER_REVIEW, RuleStatus.KEPT})
# Nothing more happens to a rule in these states: no moves, no edits.
FINAL_STATUSES = frozenset({RuleStatus.RETIRED, RuleStatus.REJECTED})
# The evaluation design is fixed when a rule goes live (../shared/EVALUATION.md); it can be changed
# only while the rule is not running.
DESIGN_EDITABLE_STATUSES = frozenset({RuleStatus.PROPOSED, RuleStatus.APPROVED, RuleStatus.IMPLEMENTING})


class Mover(models.TextChoices):
    """Who may make a move: the rule's own owner, or any manager."""

    OWNER = "owner", _("Rule owner")
    MANAGER = "manager", _("Manager")


@dataclass(frozen=True)
class Move:
    source: RuleStatus
    target: RuleStatus
    movers: frozenset[Mover]
    reason_required: bool
    label: Any  # lazy translation: the button text
    danger: bool = False  # shown as a red button (ends or undoes work)


_BOTH = frozenset({Mover.OWNER, Mover.MANAGER})
_MANAGER = frozenset({Mover.MANAGER})

MOVES: tuple[Move, ...] = (
    Move(RuleStatus.PROPOSED, RuleStatus.APPROVED, _MANAGER, False, _("Approve")),
    Move(RuleStatus.PROPOSED, RuleStatus.REJECTED, _MANAGER, True, _("Reject"), danger=True),
    Move(RuleStatus.APPROVED, RuleStatus.IMPLEMENTING, _BOTH, False, _("Start implementing")),
    Move(RuleStatus.IMPLEMENTING, RuleStatus.LIVE, _BOTH, False, _("Go live")),
    Move(RuleStatus.LIVE, RuleStatus.UNDER_REVIEW, _BOTH, False, _("Submit for review")),
    Move(RuleStatus.LIVE, RuleStatus.RETIRED, _MANAGER, True, _("Retire now"), danger=True),
    Move(RuleStatus.UNDER_REVIEW, RuleStatus.KEPT, _MANAGER, True, _("Keep")),
    Move(RuleStatus.UNDER_REVIEW, RuleStatus.IMPLEMENTING, _MANAGER, True, _("Send back to improve")),
    Move(RuleStatus.UNDER_REVIEW, RuleStatus.RETIRED, _MANAGER, True, _("Retire"), danger=True),
    Move(RuleStatus.KEPT, RuleStatus.UNDER_REVIEW, _BOTH, False, _("Review again")),
    Move(RuleStatus.KEPT, RuleStatus.RETIRED, _MANAGER, True, _("Retire"), danger=True),
)
MOVES_BY_PAIR: dict[tuple[str, str], Move] = {(m.source, m.target): m for m in MOVES}
