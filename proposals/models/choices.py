"""Every enumeration of the strategy pool (its `TextChoices`), read in one place.

The models import them from here and `proposals.models` re-exports them.  Which statuses close a
page to edits and votes is the strategy's rule, not vocabulary: `proposals.models.strategy`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# --- Strategy pages (strategy.py) -----------------------------------------------------------------


class StrategyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    DISCUSSION = "discussion", _("In discussion")
    VOTING = "voting", _("Voting")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    MERGED = "merged", _("Merged as duplicate")


# --- Votes (votes.py) -----------------------------------------------------------------------------


class VoteChoice(models.TextChoices):
    SUPPORT = "support", _("Support")
    OPPOSE = "oppose", _("Oppose")
