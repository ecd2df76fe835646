"""Daily rollups of experience reports.  Dashboards read these, never the raw report table.

Maintained inside the same transaction as every write that changes what they count (filing,
import, triage, merge, dismiss) through `cxops.services.rollups`; `rollups_rebuild` recomputes
them from scratch and `rollups_verify` proves they match.  Dismissed reports are not counted.
Days are local (Asia/Shanghai) calendar days of `occurred_at`.

`ReportDailyDimensionRollup` holds counts per day × product × one dimension (source type, layer,
stage or channel): at most a few dozen rows per product and day, for a product's
page.  `ReportDailyDimensionTotal` sums those over all products (at most ~30 rows a day), for the
overview: a year of it is ten thousand rows, however many reports there are.  All are written by
the same `rollups_apply_delta` call and verified together.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .reference import Product, Region
from .reports import ExperienceIssue


class IssueDailyRollup(models.Model):
    day = models.DateField(_("day"))
    issue = models.ForeignKey(ExperienceIssue, on_delete=models.CASCADE, related_name="daily_counts")
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily issue rollup")
        verbose_name_plural = _("daily issue rollups")
        constraints = [models.UniqueConstraint(fields=["day", "issue"], name="issue_rollup_cell")]
        indexes = [
            models.Index(fields=["day", "issue"], name="issue_rollup_day_issue"),
            # Top and rising issues sum counts over a period: all columns in the index (index-only scans).
            models.Index(fields=["day", "issue", "count"], name="issue_rollup_day_cover"),
        ]

    def __str__(self) -> str:
        return f"{self.day} issue {self.issue_id}: {self.count}"


class RollupDimension(models.TextChoices):
    SOURCE_TYPE = "source_type", _("Source type")
    LAYER = "layer", _("Experience layer")
    STAGE = "stage", _("Lifecycle stage")
    CHANNEL = "channel", _("Channel")


class ReportDailyDimensionRollup(models.Model):
    """Reports per day × product × one dimension's value (a code, or the channel id as text)."""

    day = models.DateField(_("day"))
    # not indexed alone: `report_dim_rollup_product` leads with it (issue 22)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_index=False)
    dimension = models.CharField(max_length=20, choices=RollupDimension.choices)
    value = models.CharField(max_length=20)
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily report rollup by dimension")
        verbose_name_plural = _("daily report rollups by dimension")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "product", "dimension", "value"], name="report_dimension_rollup_cell"
            ),
            models.CheckConstraint(
                condition=models.Q(dimension__in=RollupDimension.values), name="report_dimension_rollup_valid"
            ),
        ]
        indexes = [
            # Hot spots: one dimension over some days, all products.  `count` is left out of every
            # index so that the imports' increments are HOT updates (no index entries to add).
            models.Index(fields=["dimension", "day", "product"], name="report_dim_rollup_dim_day"),
            # Product page: one product's dimension over a period.
            models.Index(fields=["product", "dimension", "day"], name="report_dim_rollup_product"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.product_id}/{self.dimension}={self.value}: {self.count}"


class ReportDailyDimensionTotal(models.Model):
    """Reports per day × one dimension's value, all products together (the overview's figures)."""

    day = models.DateField(_("day"))
    dimension = models.CharField(max_length=20, choices=RollupDimension.choices)
    value = models.CharField(max_length=20)
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily report total by dimension")
        verbose_name_plural = _("daily report totals by dimension")
        constraints = [
            models.UniqueConstraint(fields=["day", "dimension", "value"], name="report_dimension_total_cell"),
            models.CheckConstraint(
                condition=models.Q(dimension__in=RollupDimension.values), name="report_dimension_total_valid"
            ),
        ]
        indexes = [
            # the overview: one dimension over a period (count not indexed: see above)
            models.Index(fields=["dimension", "day"], name="report_dim_total_dim_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}={self.value}: {self.count}"


class ReportDailyRegionRollup(models.Model):
    """Reports per day × region × product × one dimension's value: a city's dashboard and the city
    breakdown (issue 17).  Written by the same `rollups_apply_delta` call as the province-wide
    tables above, which hold the same counts summed over regions (`rollups_verify` proves both
    against the raw reports): the province's figures are the sum of its cities'."""

    day = models.DateField(_("day"))
    # not indexed alone: `report_region_rollup_city` leads with it (issue 22)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=20, choices=RollupDimension.choices)
    value = models.CharField(max_length=20)
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily report rollup by region")
        verbose_name_plural = _("daily report rollups by region")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "region", "product", "dimension", "value"], name="report_region_rollup_cell"
            ),
            models.CheckConstraint(
                condition=models.Q(dimension__in=RollupDimension.values), name="report_region_rollup_valid"
            ),
        ]
        indexes = [
            # a city's overview and the city breakdown: one dimension over a period
            models.Index(fields=["region", "dimension", "day"], name="report_region_rollup_city"),
            models.Index(fields=["dimension", "day", "region"], name="report_region_rollup_dim_day"),
            # a city's product page
            models.Index(fields=["region", "product", "dimension", "day"], name="report_region_rollup_prod"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.region_id}/{self.product_id}/{self.dimension}={self.value}: {self.count}"


class ReportDailyRegionTotal(models.Model):
    """Reports per day × region × one dimension's value, all products together: a city's overview
    and the city breakdown read a few dozen rows per city and day (the region rollup summed over
    products, written by the same call)."""

    day = models.DateField(_("day"))
    # not indexed alone: `report_region_total_city` leads with it (issue 22)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", db_index=False)
    dimension = models.CharField(max_length=20, choices=RollupDimension.choices)
    value = models.CharField(max_length=20)
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily report total by region")
        verbose_name_plural = _("daily report totals by region")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "region", "dimension", "value"], name="report_region_total_cell"
            ),
            models.CheckConstraint(
                condition=models.Q(dimension__in=RollupDimension.values), name="report_region_total_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["region", "dimension", "day"], name="report_region_total_city"),
            models.Index(fields=["dimension", "day", "region"], name="report_region_total_dim_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.region_id}/{self.dimension}={self.value}: {self.count}"


class IssueDailyRegionRollup(models.Model):
    """An issue's reports per day and region: a city's top and rising issues."""

    day = models.DateField(_("day"))
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    issue = models.ForeignKey(ExperienceIssue, on_delete=models.CASCADE, related_name="+")
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily issue rollup by region")
        verbose_name_plural = _("daily issue rollups by region")
        constraints = [
            models.UniqueConstraint(fields=["day", "region", "issue"], name="issue_region_rollup_cell")
        ]
        indexes = [models.Index(fields=["region", "day", "issue"], name="issue_region_rollup_city")]

    def __str__(self) -> str:
        return f"{self.day} {self.region_id} issue {self.issue_id}: {self.count}"
