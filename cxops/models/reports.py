"""Experience reports (what frontline staff and touchpoint systems sense) and the issues they merge into."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxops.db import MomentField
from cxops.history import TrackedHistory
from cxops.issue_clock import sla_state

from .choices import ExperienceLayer
from .choices import IssueStatus
from .choices import LifecycleStage
from .choices import ReportStatus
from .choices import Severity
from .choices import SourceType
from .choices import choices_check
from .fields import optional_user_reference
from .fields import reference_to
from .fields import user_reference
from .reference import Channel
from .reference import Product
from .reference import Region
from .reference import Segment
from .reference import default_region_id


class ExperienceIssue(models.Model):
    """A problem customers run into, merged from one or more reports."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    product = reference_to(Product, null=True, blank=True, related_name="issues")
    layer = models.CharField(
        _("experience layer"), max_length=20, choices=ExperienceLayer.choices, blank=True
    )
    stage = models.CharField(_("lifecycle stage"), max_length=20, choices=LifecycleStage.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=IssueStatus.choices, default=IssueStatus.OPEN
    )
    created_by = user_reference(_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Denormalised, maintained with F() by the merge services; `issue_recount` repairs it.
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    first_reported_at = MomentField(_("first reported"), null=True, blank=True)
    last_reported_at = MomentField(_("last reported"), null=True, blank=True)
    # Owner and clock (issue 19): `due_at` follows from the severity (settings.CXOPS_ISSUE_SLA_HOURS,
    # counted from the issue's creation); `escalated_at` is set once, when a breach is escalated.
    # Written by `cxops.services.issue_clock`.
    owner = optional_user_reference(_("owner"), related_name="owned_issues")
    severity = models.PositiveSmallIntegerField(
        _("severity"), choices=Severity.choices, default=Severity.MEDIUM
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    history = TrackedHistory()

    class Meta:
        verbose_name = _("experience issue")
        verbose_name_plural = _("experience issues")
        ordering = ["-last_reported_at", "-id"]
        constraints = [
            choices_check("status", IssueStatus, "issue_status_valid"),
            choices_check("severity", Severity, "issue_severity_valid"),
            choices_check("layer", ExperienceLayer, "issue_layer_valid", blank=True),
            choices_check("stage", LifecycleStage, "issue_stage_valid", blank=True),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def sla_state(self) -> str:
        """ "", "due_soon" or "breached" (open or in progress, past its due time)."""
        return sla_state(
            due_at=self.due_at,
            severity=self.severity,
            open=self.status in (IssueStatus.OPEN, IssueStatus.IN_PROGRESS),
            now=timezone.now(),
        )


MANUAL_SOURCE_SYSTEM = "manual"


class ExperienceReport(models.Model):
    """One sensed experience.  Customer numbers are kept only masked and as a keyed hash."""

    source_type = models.CharField(_("source type"), max_length=20, choices=SourceType.choices)
    # References: on PostgreSQL checked once per statement by triggers, not per row by foreign keys
    # (migration 0024, issue 22); single-column indexes only where no composite index leads with
    # the column (product, issue and reporter lead `report_product_occurred`, ... below).
    product = reference_to(Product, related_name="reports", db_index=False)
    channel = reference_to(Channel, related_name="reports")
    segments = models.ManyToManyField(
        Segment, verbose_name=_("customer segments"), blank=True, related_name="reports"
    )
    # The city (or, for records from before regions, the province) the report belongs to.
    region = reference_to(Region, related_name="reports", default=default_region_id)
    layer = models.CharField(_("experience layer"), max_length=20, choices=ExperienceLayer.choices)
    stage = models.CharField(_("lifecycle stage"), max_length=20, choices=LifecycleStage.choices)
    summary = models.CharField(_("summary"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    occurred_at = MomentField(_("occurred at"))
    severity = models.PositiveSmallIntegerField(
        _("severity"), choices=Severity.choices, default=Severity.MEDIUM
    )
    reporter = optional_user_reference(
        _("reporter"), on_delete=models.PROTECT, related_name="experience_reports", db_index=False
    )
    customer_masked = models.CharField(_("customer"), max_length=32, blank=True)
    # indexed below as a plain btree (`db_index=True` adds a useless varchar_pattern_ops copy)
    customer_hash = models.CharField(max_length=64, blank=True, editable=False)
    source_system = models.CharField(_("source system"), max_length=50, default=MANUAL_SOURCE_SYSTEM)
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.NEW
    )
    issue = models.ForeignKey(
        ExperienceIssue,
        verbose_name=_("experience issue"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        db_index=False,
    )
    dismiss_reason = models.CharField(_("reason for dismissal"), max_length=300, blank=True)
    triaged_by = optional_user_reference()
    triaged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("filed at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = TrackedHistory(excluded_fields=["customer_hash"])

    class Meta:
        verbose_name = _("experience report")
        verbose_name_plural = _("experience reports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "external_id"],
                condition=Q(external_id__isnull=False),
                name="report_unique_external_id",
            ),
            choices_check("source_type", SourceType, "report_source_type_valid"),
            choices_check("layer", ExperienceLayer, "report_layer_valid"),
            choices_check("stage", LifecycleStage, "report_stage_valid"),
            choices_check("status", ReportStatus, "report_status_valid"),
            choices_check("severity", Severity, "report_severity_valid"),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.LINKED) | Q(issue__isnull=False),
                name="report_linked_has_issue",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="report_status_created"),
            models.Index(fields=["reporter", "created_at"], name="report_reporter_created"),
            models.Index(fields=["product", "occurred_at"], name="report_product_occurred"),
            models.Index(fields=["issue", "occurred_at"], name="report_issue_occurred"),
            models.Index(fields=["customer_hash"], name="report_customer_hash"),
        ]

    def __str__(self) -> str:
        return self.summary
