"""Touchpoint metric data: daily aggregates per scope.  The dashboard charts them; rules are scored on them.

Shape
-----
`MetricScope` names *what* is measured: a product, optionally narrowed to one channel and/or one
customer segment.  `channel=None` means "all channels", `segment=None` "all segments", so the scope
(product, None, None) is the product's total.  It is a figure of its own, as delivered by the source
system, **not** the sum of its narrower scopes (segments overlap; a subscriber belongs to several).
Uniqueness treats the NULLs as values (expression-based constraint on ``Coalesce(channel, 0)``,
``Coalesce(segment, 0)``), which behaves the same on SQLite and PostgreSQL.

`MetricDaily` holds one row per (scope, day).  The day is the operator's local calendar day
(Asia/Shanghai).  Each column group is one *metric*; a NULL means "not reported", never zero:

==================  ====================================================================
metric              columns
==================  ====================================================================
users               ``users`` — subscribers in scope that day
active_users        ``active_users`` (≤ users)
complaints          ``complaints``
consultations       ``consultations``
suggestions         ``suggestions``
satisfaction        ``surveys_sent``, ``satisfaction_scale`` (5 or 10) and
                    ``satisfaction_1`` … ``satisfaction_10``: respondents per score level
                    (levels above the scale are NULL).  Means, variances and top-box
                    shares are exact from the histogram.
funnel              for each of awareness / cognition / identification / approval:
                    ``<stage>_respondents`` and ``<stage>_positive``.  A funnel survey is
                    stored on the day its fieldwork closed; a period's funnel is the sum
                    over the days of that period.
==================  ====================================================================

Imports are idempotent per (scope, day, metric): a write sets only the metrics it carries, so a
file with only complaints never wipes users, and re-sending the same values changes nothing
(`cxops.services.metrics.metric_values_upsert`).  Reads for charts and scoring go through
`cxops.selectors.metrics.metric_daily_series`, which returns aligned numpy arrays in one query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from django.db import models
from django.db.models import F
from django.db.models import Q
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

from .fields import reference_to
from .reference import Channel
from .reference import Product
from .reference import ReferenceItem
from .reference import Region
from .reference import Segment

SIMPLE_METRICS = ("users", "active_users", "complaints", "consultations", "suggestions")
SATISFACTION_LEVELS = tuple(range(1, 11))
SATISFACTION_SCALES = (5, 10)
SATISFACTION_LEVEL_COLUMNS = tuple(f"satisfaction_{level}" for level in SATISFACTION_LEVELS)
SATISFACTION_COLUMNS = ("surveys_sent", "satisfaction_scale", *SATISFACTION_LEVEL_COLUMNS)
FUNNEL_STAGES = ("awareness", "cognition", "identification", "approval")
FUNNEL_COLUMNS = tuple(
    column for stage in FUNNEL_STAGES for column in (f"{stage}_respondents", f"{stage}_positive")
)

# metric name → the columns it owns; an import writes whole metrics, never parts of one.
METRIC_COLUMNS: dict[str, tuple[str, ...]] = {
    **{name: (name,) for name in SIMPLE_METRICS},
    "satisfaction": SATISFACTION_COLUMNS,
    "funnel": FUNNEL_COLUMNS,
}
ALL_METRIC_COLUMNS: tuple[str, ...] = tuple(c for columns in METRIC_COLUMNS.values() for c in columns)


def _narrowing(to: type[ReferenceItem], help_text: _StrPromise) -> models.ForeignKey[Any, Any]:
    """A column that narrows a scope to one of its values; empty: not narrowed (`help_text` says
    what empty means)."""
    return reference_to(to, related_name="metric_scopes", null=True, blank=True, help_text=help_text)


class MetricScope(models.Model):
    """A product, optionally narrowed to a channel and/or a customer segment."""

    product = reference_to(Product, related_name="metric_scopes")
    channel = _narrowing(Channel, _("Empty: all channels."))
    segment = _narrowing(Segment, _("Empty: all segments."))
    # A city's figures (issue 17), or empty: the whole province as its source reports it.  A
    # (product, channel, segment) is stored either for the province or by city, never both
    # (`cxops.services.metrics` refuses the second), so the province's figure is the sum of its cities'.
    region = _narrowing(Region, _("Empty: the whole province."))

    class Meta:
        verbose_name = _("metric scope")
        verbose_name_plural = _("metric scopes")
        ordering = ["product_id", "channel_id", "segment_id", "region_id"]
        constraints = [
            # NULLs are distinct in a plain unique constraint; coalesce them so "all channels" is one value.
            models.UniqueConstraint(
                F("product"),
                Coalesce(F("channel"), Value(0)),
                Coalesce(F("segment"), Value(0)),
                Coalesce(F("region"), Value(0)),
                name="metric_scope_unique_region",
            ),
        ]

    def __str__(self) -> str:
        parts = [str(self.product)]
        if self.channel_id:
            parts.append(str(self.channel))
        if self.segment_id:
            parts.append(str(self.segment))
        if self.region_id:
            parts.append(str(self.region))
        return " · ".join(parts)

    @property
    def is_product_total(self) -> bool:
        return self.channel_id is None and self.segment_id is None


def _satisfaction_checks() -> list[models.CheckConstraint]:
    no_histogram = Q(satisfaction_scale__isnull=True) & Q(
        **{f"{column}__isnull": True for column in SATISFACTION_LEVEL_COLUMNS}
    )
    five = (
        Q(satisfaction_scale=5)
        & Q(**{f"satisfaction_{level}__isnull": False for level in range(1, 6)})
        & Q(**{f"satisfaction_{level}__isnull": True for level in range(6, 11)})
    )
    ten = Q(satisfaction_scale=10) & Q(
        **{f"{column}__isnull": False for column in SATISFACTION_LEVEL_COLUMNS}
    )
    return [
        models.CheckConstraint(
            condition=no_histogram | five | ten, name="metric_satisfaction_histogram_shape"
        ),
        models.CheckConstraint(
            condition=Q(surveys_sent__isnull=True) | Q(satisfaction_scale__isnull=False),
            name="metric_surveys_sent_with_histogram",
        ),
    ]


def _funnel_checks() -> list[models.CheckConstraint]:
    checks = []
    for stage in FUNNEL_STAGES:
        respondents, positive = f"{stage}_respondents", f"{stage}_positive"
        checks.append(
            models.CheckConstraint(
                condition=(Q(**{f"{respondents}__isnull": True}) & Q(**{f"{positive}__isnull": True}))
                | Q(**{f"{positive}__lte": F(respondents)}),
                name=f"metric_{stage}_positive_le_respondents",
            )
        )
    return checks


def _count_field(verbose_name: str | _StrPromise) -> models.PositiveBigIntegerField:
    return models.PositiveBigIntegerField(verbose_name, null=True, blank=True)


class MetricDaily(models.Model):
    """One scope's metrics on one local day; NULL = not reported.  See the module docstring."""

    scope = models.ForeignKey(MetricScope, on_delete=models.CASCADE, related_name="daily")
    day = models.DateField(_("day"))
    users = _count_field(_("users"))
    active_users = _count_field(_("active users"))
    complaints = _count_field(_("complaints"))
    consultations = _count_field(_("consultations"))
    suggestions = _count_field(_("suggestions"))
    surveys_sent = _count_field(_("surveys sent"))
    satisfaction_scale = models.PositiveSmallIntegerField(_("satisfaction scale"), null=True, blank=True)
    satisfaction_1 = _count_field("1")
    satisfaction_2 = _count_field("2")
    satisfaction_3 = _count_field("3")
    satisfaction_4 = _count_field("4")
    satisfaction_5 = _count_field("5")
    satisfaction_6 = _count_field("6")
    satisfaction_7 = _count_field("7")
    satisfaction_8 = _count_field("8")
    satisfaction_9 = _count_field("9")
    satisfaction_10 = _count_field("10")
    awareness_respondents = _count_field(_("awareness respondents"))
    awareness_positive = _count_field(_("aware"))
    cognition_respondents = _count_field(_("cognition respondents"))
    cognition_positive = _count_field(_("know what it is"))
    identification_respondents = _count_field(_("identification respondents"))
    identification_positive = _count_field(_("use it"))
    approval_respondents = _count_field(_("approval respondents"))
    approval_positive = _count_field(_("will keep using"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("daily metrics")
        verbose_name_plural = _("daily metrics")
        ordering = ["scope_id", "day"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "day"], name="metric_daily_scope_day"),
            models.CheckConstraint(
                condition=Q(active_users__isnull=True)
                | Q(users__isnull=True)
                | Q(active_users__lte=F("users")),
                name="metric_active_le_users",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction_scale__isnull=True) | Q(satisfaction_scale__in=SATISFACTION_SCALES),
                name="metric_satisfaction_scale_valid",
            ),
            *_satisfaction_checks(),
            *_funnel_checks(),
        ]
        indexes = [models.Index(fields=["day", "scope"], name="metric_daily_day_scope")]

    def __str__(self) -> str:
        return f"{self.scope_id} {self.day}"

    @property
    def satisfaction_counts(self) -> list[int] | None:
        """Respondents per score level 1..scale, or None when no survey was reported."""
        if self.satisfaction_scale is None:
            return None
        return [getattr(self, f"satisfaction_{level}") for level in range(1, self.satisfaction_scale + 1)]
