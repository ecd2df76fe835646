"""Threaded comments on a strategy, with their edit history and moderation."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxops.models.fields import optional_user_reference
from cxops.models.fields import user_reference

from .strategy import Strategy


class Comment(models.Model):
    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="comments"
    )
    # Same strategy as the parent: checked by proposals.services.discussion.comment_create.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("reply to"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
    )
    author = user_reference(_("author"))
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    hidden_by = optional_user_reference(_("hidden by"), on_delete=models.PROTECT)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_hidden=False) | ~Q(hidden_reason=""), name="comment_hidden_has_reason"
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="comment_not_own_parent"),
        ]
        indexes = [models.Index(fields=["strategy", "created_at"], name="comment_strategy_created")]

    def __str__(self) -> str:
        return self.body[:60]

    def can_be_edited_by(self, user) -> bool:
        return user.pk == self.author_id and not self.is_hidden


class CommentEdit(models.Model):
    """The text a comment had before one edit: edits are kept, never overwritten."""

    comment = models.ForeignKey(
        Comment, verbose_name=_("comment"), on_delete=models.CASCADE, related_name="edits"
    )
    previous_body = models.TextField(_("previous text"))
    edited_by = user_reference(_("edited by"))
    edited_at = models.DateTimeField(_("edited at"), default=timezone.now)

    class Meta:
        verbose_name = _("comment edit")
        verbose_name_plural = _("comment edits")
        ordering = ["comment", "edited_at", "id"]

    def __str__(self) -> str:
        return f"{self.comment_id} @ {self.edited_at:%Y-%m-%d %H:%M}"
