"""Hot-spot alerts (热点异动, seed 003): a day whose volume is a spike against the item's own baseline.

Each signal is checked for the province as a whole and for every city on its own (issue 17): a
surge in one city raises that city's alert even when the province's total hardly moves.  `region` is
the province for a province-wide alert, a city for a city's.  A city member reads only their city's
and the province's alerts (`cxops.selectors.reports.alerts_visible_to`).

One alert per (signal, subject, region, day): the periodic detection may run many times a day and only
updates the figures of an existing alert (never notifies twice).  Who is notified is decided in
`cxops.services.hotspots`: followers of the issue and of its product, plus users who opted in to
every alert (`AlertOptIn`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models import Q
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import AlertSignal
from .choices import AlertStatus
from .choices import choices_check
from .fields import optional_user_reference
from .fields import reference_to
from .reference import Product
from .reference import Region
from .reference import province_region_id
from .reports import ExperienceIssue


class HotSpotAlert(models.Model):
    signal = models.CharField(_("signal"), max_length=30, choices=AlertSignal.choices)
    issue = models.ForeignKey(
        ExperienceIssue,
        verbose_name=_("experience issue"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="hot_spot_alerts",
    )
    product = reference_to(
        Product, on_delete=models.CASCADE, null=True, blank=True, related_name="hot_spot_alerts"
    )
    region = reference_to(
        Region,
        default=province_region_id,
        related_name="+",
        help_text=_("The province for a province-wide alert, a city for a city's."),
    )
    day = models.DateField(_("day"))
    observed = models.FloatField(_("observed"))
    expected = models.FloatField(_("expected"))
    threshold = models.FloatField(_("threshold"))
    score = models.FloatField(_("robust z"))
    status = models.CharField(
        _("status"), max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    acknowledged_by = optional_user_reference(_("acknowledged by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("hot-spot alert")
        verbose_name_plural = _("hot-spot alerts")
        ordering = ["-day", "-score", "-id"]
        constraints = [
            choices_check("signal", AlertSignal, "alert_signal_valid"),
            choices_check("status", AlertStatus, "alert_status_valid"),
            models.CheckConstraint(
                condition=(Q(signal=AlertSignal.ISSUE_REPORTS) & Q(issue__isnull=False))
                | (~Q(signal=AlertSignal.ISSUE_REPORTS) & Q(issue__isnull=True) & Q(product__isnull=False)),
                name="alert_subject_matches_signal",
            ),
            models.CheckConstraint(
                condition=Q(status=AlertStatus.OPEN) | Q(acknowledged_at__isnull=False),
                name="alert_acknowledged_has_time",
            ),
            models.UniqueConstraint(
                F("signal"),
                Coalesce(F("issue"), Value(0)),
                Coalesce(F("product"), Value(0)),
                F("region"),
                F("day"),
                name="alert_unique_per_subject_region_day",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "day"], name="alert_status_day"),
            models.Index(fields=["region", "status", "day"], name="alert_region_status_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_signal_display()} {self.subject} {self.region} {self.day}"

    @property
    def subject(self) -> ExperienceIssue | Product | None:
        return self.issue if self.issue_id else self.product

    @property
    def ratio(self) -> float | None:
        return self.observed / self.expected if self.expected else None

    def can_acknowledge(self) -> bool:
        return self.status == AlertStatus.OPEN


class AlertOptIn(models.Model):
    """A user who wants every hot-spot alert, not only those on what they follow."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_opt_in"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("alert opt-in")
        verbose_name_plural = _("alert opt-ins")

    def __str__(self) -> str:
        return str(self.user)
