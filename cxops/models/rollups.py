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

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import RollupDimension
from .choices import choices_check
from .reference import Product
from .reference import Region
from .reports import ExperienceIssue


def _cell_key(to: type[models.Model], **options: Any) -> models.ForeignKey[Any, Any]:
    """A column of a rollup's cell key: the cell goes with the row it counts, and the row gets no
    reverse accessor."""
    return models.ForeignKey(to, on_delete=models.CASCADE, related_name="+", **options)


class DailyCount(models.Model):
    """A count per local day and cell; the cell is what a subclass adds (`cell` names it)."""

    day = models.DateField(_("day"))
    count = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.cell}: {self.count}"

    @property
    def cell(self) -> str:
        raise NotImplementedError


class IssueDailyRollup(DailyCount):
    issue = models.ForeignKey(ExperienceIssue, on_delete=models.CASCADE, related_name="daily_counts")

    class Meta:
        verbose_name = _("daily issue rollup")
        verbose_name_plural = _("daily issue rollups")
        constraints = [models.UniqueConstraint(fields=["day", "issue"], name="issue_rollup_cell")]
        indexes = [
            # Top and rising issues sum counts over a period: all columns in the index (index-only scans).
            models.Index(fields=["day", "issue", "count"], name="issue_rollup_day_cover"),
        ]

    @property
    def cell(self) -> str:
        return f"issue {self.issue_id}"


def _dimension_cell(name: str, *scope: str) -> list[models.BaseConstraint]:
    """A dimension table's constraints, named after the table: one row per cell (the day, the
    scope columns, the dimension and its value) and a dimension that is one of `RollupDimension`."""
    return [
        models.UniqueConstraint(fields=["day", *scope, "dimension", "value"], name=f"{name}_cell"),
        choices_check("dimension", RollupDimension, f"{name}_valid"),
    ]


class DimensionDailyCount(DailyCount):
    """Reports per day × one dimension's value (a code, or the channel id as text) × the scope
    a subclass adds: its foreign keys (product, region), most general first."""

    dimension = models.CharField(max_length=20, choices=RollupDimension.choices)
    value = models.CharField(max_length=20)

    class Meta:
        abstract = True

    @property
    def cell(self) -> str:
        scope = "".join(
            f"{getattr(self, field.attname)}/" for field in self._meta.concrete_fields if field.is_relation
        )
        return f"{scope}{self.dimension}={self.value}"


class ReportDailyDimensionRollup(DimensionDailyCount):
    """Reports per day × product × one dimension's value."""

    # not indexed alone: `report_dim_rollup_product` leads with it (issue 22)
    product = _cell_key(Product, db_index=False)

    class Meta:
        verbose_name = _("daily report rollup by dimension")
        verbose_name_plural = _("daily report rollups by dimension")
        constraints = _dimension_cell("report_dimension_rollup", "product")
        # `count` is left out of every index so that the imports' increments are HOT updates (no
        # index entries to add).  Hot spots (one dimension on a few days, all products) read the
        # cell key, which leads with the day (issue 22: a (dimension, day, product) index went).
        indexes = [
            # Product page: one product's dimension over a period.
            models.Index(fields=["product", "dimension", "day"], name="report_dim_rollup_product"),
        ]


class ReportDailyDimensionTotal(DimensionDailyCount):
    """Reports per day × one dimension's value, all products together (the overview's figures)."""

    class Meta:
        verbose_name = _("daily report total by dimension")
        verbose_name_plural = _("daily report totals by dimension")
        # The overview reads a period (every dimension, or one) through the cell key, which leads
        # with the day: no other index (issue 22: a (dimension, day) index went).
        constraints = _dimension_cell("report_dimension_total")


class ReportDailyRegionRollup(DimensionDailyCount):
    """Reports per day × region × product × one dimension's value: a city's dashboard and the city
    breakdown (issue 17).  Written by the same `rollups_apply_delta` call as the province-wide
    tables above, which hold the same counts summed over regions (`rollups_verify` proves both
    against the raw reports): the province's figures are the sum of its cities'."""

    # not indexed alone: `report_region_rollup_prod` leads with it (issue 22)
    region = _cell_key(Region, db_index=False)
    product = _cell_key(Product)

    class Meta:
        verbose_name = _("daily report rollup by region")
        verbose_name_plural = _("daily report rollups by region")
        constraints = _dimension_cell("report_region_rollup", "region", "product")
        # A city's overview reads the region total, not this table (issue 22: a (region, dimension,
        # day) index went); a region's rows (its deletion) are found through `_prod`.
        indexes = [
            # the city breakdown of one product and the hot spots: one dimension over some days
            models.Index(fields=["dimension", "day", "region"], name="report_region_rollup_dim_day"),
            # a city's product page
            models.Index(fields=["region", "product", "dimension", "day"], name="report_region_rollup_prod"),
        ]


class ReportDailyRegionTotal(DimensionDailyCount):
    """Reports per day × region × one dimension's value, all products together: a city's overview
    and the city breakdown read a few dozen rows per city and day (the region rollup summed over
    products, written by the same call)."""

    # not indexed alone: `report_region_total_city` leads with it (issue 22)
    region = _cell_key(Region, db_index=False)

    class Meta:
        verbose_name = _("daily report total by region")
        verbose_name_plural = _("daily report totals by region")
        constraints = _dimension_cell("report_region_total", "region")
        indexes = [
            models.Index(fields=["region", "dimension", "day"], name="report_region_total_city"),
            models.Index(fields=["dimension", "day", "region"], name="report_region_total_dim_day"),
        ]


class IssueDailyRegionRollup(DailyCount):
    """An issue's reports per day and region: a city's top and rising issues."""

    region = _cell_key(Region)
    issue = _cell_key(ExperienceIssue)

    class Meta:
        verbose_name = _("daily issue rollup by region")
        verbose_name_plural = _("daily issue rollups by region")
        constraints = [
            models.UniqueConstraint(fields=["day", "region", "issue"], name="issue_region_rollup_cell")
        ]
        indexes = [
            # A city's top and rising issues sum counts over a period: all columns in the index
            # (index-only scans), as the province's `issue_rollup_day_cover`.
            models.Index(fields=["region", "day", "issue", "count"], name="issue_region_rollup_cover"),
        ]

    @property
    def cell(self) -> str:
        return f"{self.region_id} issue {self.issue_id}"
