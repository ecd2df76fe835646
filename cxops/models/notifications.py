"""Follows and in-app notifications: one mechanism for alerts, the strategy pool and rules.

Targets are generic (content type + id) so the ground floor never imports the apps above it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Follow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "target_type", "target_id"], name="follow_unique_per_user"
            ),
        ]
        indexes = [models.Index(fields=["target_type", "target_id"], name="follow_target")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.target_type_id}:{self.target_id}"


class NotificationKind(models.TextChoices):
    EDIT = "edit", _("Page edited")
    COMMENT = "comment", _("New comment")
    MENTION = "mention", _("Mentioned")
    STATUS = "status", _("Status changed")
    VOTE = "vote", _("Vote")  # a kind of news, not the strategy's state ("投票中" read as a status)
    ALERT = "alert", _("Hot-spot alert")
    RULE = "rule", _("Rule")
    EVALUATION = "evaluation", _("Evaluation")
    OTHER = "other", _("Other")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # The event, not the sentence (issue 19): `message` is the English msgid with %(name)s
    # placeholders and `params` its values (a {"msgid": ...} value is a label translated too), so a
    # notification reads in the reader's language.  `title` is the sentence as it was written (the
    # actor's language): shown for rows without a message, and as the e-mail subject.
    message = models.CharField(_("message"), max_length=300, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"], name="notification_inbox")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def rendered_title(self) -> str:
        """The title in the active language (the reader's); the stored one when there is no message."""
        if not self.message:
            return self.title
        from django.utils.translation import gettext

        values = {
            key: gettext(value["msgid"]) if isinstance(value, dict) and "msgid" in value else value
            for key, value in (self.params or {}).items()
        }
        try:
            return (gettext(self.message) % values)[:300]
        except (KeyError, TypeError, ValueError):  # a message and params that no longer fit
            return self.title
