"""Product owners' votes on strategies: one per voter and strategy, a database fact."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxops.models.choices import choices_check
from cxops.models.fields import user_reference

from .choices import VoteChoice
from .strategy import Strategy


class Vote(models.Model):
    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="votes"
    )
    voter = user_reference(_("voter"))
    choice = models.CharField(_("vote"), max_length=10, choices=VoteChoice.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # Set when the vote was carried over from a strategy merged into this one as a duplicate.
    carried_from = models.ForeignKey(
        Strategy,
        verbose_name=_("carried over from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("cast at"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["strategy", "-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "voter"], name="vote_unique_per_voter"),
            choices_check("choice", VoteChoice, "vote_choice_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} {self.choice} {self.strategy_id}"
