"""Follows and in-app notifications: one mechanism for alerts, the strategy pool and rules.

Targets are generic (content type + id) so the ground floor never imports the apps above it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import NotificationKind
from .choices import choices_check
from .fields import optional_user_reference
from .fields import user_reference


class Follow(models.Model):
    user = user_reference(on_delete=models.CASCADE, related_name="follows")
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


class Notification(models.Model):
    recipient = user_reference(on_delete=models.CASCADE, related_name="notifications")
    actor = optional_user_reference()
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    # A fixed sentence or a choice label (an English msgid) shown in place of `body` in the reader's
    # language; empty when the body is the actor's own words (a comment, a reason).
    body_message = models.CharField(_("body message"), max_length=300, blank=True)
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
    # E-mail of this notification (issue 19's channel): `email_wanted` when it was created for a
    # reader who chose e-mail for its kind (cleared when it can never go: the reader turned e-mail off
    # or has no address, the server refused the address); `email_claimed_at` while a worker sends it,
    # `emailed_at` once the mail server took it.  A claim left by a worker that died mid-send goes
    # stale, and the mail sweep sends what is wanted and not sent (`notification_emails_recover`).
    email_wanted = models.BooleanField(default=False)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # The recipient's channels when it was created (their preferences): shown in the bell, and/or
    # waiting for their daily digest (`digested_at` set when the digest that carried it was sent).
    in_app = models.BooleanField(_("in the bell"), default=True)
    in_digest = models.BooleanField(_("in the daily digest"), default=False)
    digested_at = models.DateTimeField(_("sent in a digest at"), null=True, blank=True)
    # The event it tells of ("rule-transition:12"): one event reaches a reader once however many
    # paths tell of it (they follow the rule and reported its issue).  Empty: not de-duplicated.
    event_key = models.CharField(_("event"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "created_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(in_digest=True, digested_at__isnull=True),
                name="notification_digest_due",
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(email_wanted=True, emailed_at__isnull=True),
                name="notification_email_due",
            ),
        ]
        constraints = [
            choices_check("kind", NotificationKind, "notification_kind_valid"),
            models.UniqueConstraint(
                fields=["recipient", "event_key"],
                condition=~models.Q(event_key=""),
                name="notification_one_per_event",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def rendered_title(self) -> str:
        """The title in the active language (the reader's); the stored one when there is no message."""
        if not self.message:
            return self.title
        try:
            return render_message(self.message, self.params)
        except (KeyError, TypeError, ValueError):  # a message and params that no longer fit
            return self.title

    @property
    def rendered_body(self) -> str:
        if not self.body_message:
            return self.body

        return gettext(self.body_message)


def render_message(message: str, params: dict[str, Any] | None) -> str:
    """`message` (an English msgid) with its stored parameters, in the active language."""
    values = {key: param_value(value) for key, value in (params or {}).items()}
    return (gettext(message) % values)[:300]


def param_value(value: Any) -> Any:
    """A stored parameter in the active language: {"msgid": ...} is a catalogue label, {"zh-hans": ...,
    "en": ...} a name the data holds in both languages (a product's); anything else is as written."""
    if not isinstance(value, dict):
        return value

    if "msgid" in value:
        return gettext(value["msgid"])
    english = (get_language() or "").startswith("en")
    return (value.get("en") if english else None) or value.get("zh-hans") or value.get("en") or ""


class NotificationPreference(models.Model):
    """One user's channels for one kind of notification; no row: the kind's defaults
    (`cxops.services.notifications.DEFAULT_CHANNELS`).  Written by `notification_preferences_set`
    and `notification_unsubscribe`."""

    user = user_reference(on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    in_app = models.BooleanField(_("in the bell"), default=True)
    email = models.BooleanField(_("e-mail"), default=True)
    digest = models.BooleanField(_("daily digest"), default=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique"),
            choices_check("kind", NotificationKind, "notification_preference_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"


class NotificationSettings(models.Model):
    """What holds for all of a user's notifications: the language their e-mails are written in
    (e-mails leave without a request to read it from)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    language = models.CharField(
        _("language of e-mails"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"


class NotificationDigest(models.Model):
    """A daily digest for a user: at most one per user and day (the claim that keeps a second run on
    the same day from sending again).  `claimed_at` also marks the items it carries (their
    `digested_at`); `sent_at` is set once the mail server took it.  A claim without `sent_at` long
    after it was made is a worker that died mid-send: the mail sweep gives its items back and sends
    the digest again."""

    user = user_reference(on_delete=models.CASCADE)
    day = models.DateField(_("day"))
    item_count = models.PositiveIntegerField(_("items"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification digest")
        verbose_name_plural = _("notification digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="notification_digest_once_a_day")]
        indexes = [
            models.Index(
                fields=["claimed_at"],
                condition=models.Q(sent_at__isnull=True),
                name="notification_digest_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.day}"
