"""Outbound webhooks: other systems and IM groups told what happened (rules, strategies, alerts).

A `WebhookSubscription` names a target URL, the events it wants, a secret and a delivery format:
the generic signed JSON body, or the group-robot message of WeCom (企业微信), DingTalk (钉钉) or
Feishu (飞书).  Routing narrows it to some products, cities and report severities (a city's
group gets that city's events and the province-wide ones).  Every event that
matches writes one `WebhookDelivery` per subscription in the transaction of the change (the
payload, not the formatted body); the outbox sends it after commit (`cxops.services.webhooks`).
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import DeliveryStatus
from .choices import WebhookEvent
from .choices import WebhookFormat
from .choices import choices_check
from .fields import optional_user_reference
from .reference import Product
from .reference import Region


def new_secret() -> str:
    return secrets.token_hex(24)


class WebhookSubscription(models.Model):
    name = models.CharField(_("name"), max_length=100)
    target_url = models.URLField(_("target URL"), max_length=1000)
    format = models.CharField(
        _("format"), max_length=20, choices=WebhookFormat.choices, default=WebhookFormat.GENERIC
    )
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(
        _("secret"),
        max_length=200,
        blank=True,
        default=new_secret,
        help_text=_(
            "Signs every delivery.  DingTalk and Feishu: the robot's signing secret (加签); "
            "WeCom robots are not signed (the key is in the URL)."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    # Routing: empty means every product / every severity.  An event without a severity (a rule, a
    # strategy, a product's hot spot) passes a severity filter.
    products = models.ManyToManyField(Product, verbose_name=_("products"), blank=True, related_name="+")
    severities = models.JSONField(_("severities"), default=list, blank=True)
    # Empty: every region.  Otherwise the events of these cities and the province-wide ones (an
    # event with no region, or the province's: a province hot spot, a rule for the whole province).
    regions = models.ManyToManyField(
        Region,
        verbose_name=_("cities"),
        blank=True,
        related_name="+",
        limit_choices_to={"parent__isnull": False},
        help_text=_("Only events of these cities, and the province-wide ones; none ticked: every region."),
    )
    created_by = optional_user_reference()
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name", "pk"]
        constraints = [choices_check("format", WebhookFormat, "webhook_format_valid")]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event for one subscription: sent until a 2xx (then never again) or out of attempts.

    `event_id` is the event's id in the body (the same for every subscription and for a
    redelivery, so a receiver can de-duplicate); `uuid` names this delivery (`X-Cxops-Delivery`)."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_id = models.UUIDField(_("event id"))
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    response_code = models.PositiveIntegerField(_("response code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When a retry (or a delivery held back by the platform's rate limit) is due.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # Set while one worker sends: another one leaves the delivery alone until it is stale.
    sending_since = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            choices_check("status", DeliveryStatus, "webhook_delivery_status_valid"),
            # One original delivery per event and subscription: an event emitted twice (a task run
            # again) is not sent twice.  Redeliveries are separate rows.
            models.UniqueConstraint(
                fields=["subscription", "event_id"],
                condition=models.Q(redelivery_of__isnull=True),
                name="webhook_delivery_once_per_event",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="retrying"),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.status})"
