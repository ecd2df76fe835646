"""Daily rollups of experience reports.  Dashboards read these, never the raw report table.

Maintained inside the same transaction as every write that changes what they count (filing,
import, triage, merge, dismiss) through `cxops.services.rollups`; `rollups_rebuild` recomputes
them from scratch and `rollups_verify` proves they match.  Dismissed reports are not counted.
Days are local (Asia/Shanghai) calendar days of `occurred_at`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .reference import Channel, Product
from .reports import ExperienceIssue


class ReportDailyRollup(models.Model):
    day = models.DateField(_("day"))
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    source_type = models.CharField(max_length=20)
    layer = models.CharField(max_length=20)
    stage = models.CharField(max_length=20)
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily report rollup")
        verbose_name_plural = _("daily report rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "product", "channel", "source_type", "layer", "stage"],
                name="report_rollup_cell",
            ),
        ]
        indexes = [models.Index(fields=["product", "day"], name="report_rollup_product_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.product_id}/{self.channel_id}/{self.source_type}/{self.layer}/{self.stage}: {self.count}"


class IssueDailyRollup(models.Model):
    day = models.DateField(_("day"))
    issue = models.ForeignKey(ExperienceIssue, on_delete=models.CASCADE, related_name="daily_counts")
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily issue rollup")
        verbose_name_plural = _("daily issue rollups")
        constraints = [models.UniqueConstraint(fields=["day", "issue"], name="issue_rollup_cell")]
        indexes = [models.Index(fields=["day", "issue"], name="issue_rollup_day_issue")]

    def __str__(self) -> str:
        return f"{self.day} issue {self.issue_id}: {self.count}"
