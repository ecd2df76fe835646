"""Every enumeration of the cxops app (its `TextChoices` and `IntegerChoices`), read in one place.

First the vocabulary of PRODUCT.md: exact codes, Chinese and English labels (labels are translated).
Then the statuses, kinds and formats of the app's own tables, one section per model module that
uses them (reports, reference, alerts, imports, exports, notifications, rollups, webhooks, identity).
The models import them from here and `cxops.models` re-exports them; `choices_check` makes any of
them a database check constraint.  Roles are not here: `cxops.roles.Role`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExperienceLayer(models.TextChoices):
    """In priority order: functional problems first, then convenience, then emotional."""

    FUNCTIONAL = "functional", _("Functional experience")
    CONVENIENCE = "convenience", _("Convenience experience")
    EMOTIONAL = "emotional", _("Emotional experience")


LAYER_PRIORITY = [ExperienceLayer.FUNCTIONAL, ExperienceLayer.CONVENIENCE, ExperienceLayer.EMOTIONAL]

LAYER_HELP = {
    ExperienceLayer.FUNCTIONAL: _(
        "The product does not do what it must (fails, errors, wrong charges). Loses customers."
    ),
    ExperienceLayer.CONVENIENCE: _(
        "It works but is hard or slow to use (hard to find, too many steps). Annoys customers."
    ),
    ExperienceLayer.EMOTIONAL: _(
        "It works and is easy, but could delight or build loyalty (care, recognition)."
    ),
}


class LifecycleStage(models.TextChoices):
    AWARENESS = "awareness", _("Awareness")
    KNOWLEDGE = "knowledge", _("Knowledge")
    INCLINATION = "inclination", _("Inclination")
    USE = "use", _("Use")
    REPEAT_USE = "repeat_use", _("Repeat use")


STAGE_HELP = {
    LifecycleStage.AWARENESS: _("The customer has not heard of it or does not know it exists."),
    LifecycleStage.KNOWLEDGE: _(
        "The customer has heard of it but does not understand what it is or how it works."
    ),
    LifecycleStage.INCLINATION: _("The customer understands it but is not yet willing to try or buy it."),
    LifecycleStage.USE: _("The customer is trying or using it (ordering, first use, day-to-day use)."),
    LifecycleStage.REPEAT_USE: _("The customer has used it and decides whether to keep using or renew."),
}


class SourceType(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    CONSULTATION = "consultation", _("Consultation")
    SUGGESTION = "suggestion", _("Suggestion")
    OBSERVATION = "observation", _("Frontline observation")
    SURVEY = "survey", _("Survey")


class ProductPhase(models.TextChoices):
    INTRODUCTION = "introduction", _("Introduction")
    GROWTH = "growth", _("Growth")
    MATURITY = "maturity", _("Maturity")
    DECLINE = "decline", _("Decline")


class Severity(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


# --- Reports and issues (reports.py) --------------------------------------------------------------


class IssueStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class ReportStatus(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    LINKED = "linked", _("Linked to an issue")
    DISMISSED = "dismissed", _("Dismissed")


# --- Regions (reference.py) -----------------------------------------------------------------------


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")


# --- Hot-spot alerts (alerts.py) ------------------------------------------------------------------


class AlertSignal(models.TextChoices):
    ISSUE_REPORTS = "issue_reports", _("Reports on an issue")
    PRODUCT_REPORTS = "product_reports", _("Reports on a product")
    PRODUCT_COMPLAINTS = "product_complaints", _("Complaints (touchpoint data)")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


# --- Bulk imports (imports.py) --------------------------------------------------------------------


class ImportKind(models.TextChoices):
    """What a file holds; each kind has one handler in `cxops.services.imports`."""

    REPORTS = "reports", _("Experience reports")
    METRICS = "metrics", _("Metric data")


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("Waiting for the column mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


# --- Background exports (exports.py) --------------------------------------------------------------


class ExportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


# --- Notifications (notifications.py) -------------------------------------------------------------


class NotificationKind(models.TextChoices):
    EDIT = "edit", _("Page edited")
    COMMENT = "comment", _("New comment")
    MENTION = "mention", _("Mentioned")
    STATUS = "status", _("Status changed")
    VOTE = "vote", _("Vote")  # a kind of news, not the strategy's state ("投票中" read as a status)
    ALERT = "alert", _("Hot-spot alert")
    RULE = "rule", _("Rule")
    EVALUATION = "evaluation", _("Evaluation")
    EXPORT = "export", _("Export ready")
    OTHER = "other", _("Other")


# --- Daily rollups (rollups.py) -------------------------------------------------------------------


class RollupDimension(models.TextChoices):
    SOURCE_TYPE = "source_type", _("Source type")
    LAYER = "layer", _("Experience layer")
    STAGE = "stage", _("Lifecycle stage")
    CHANNEL = "channel", _("Channel")


# --- Outbound webhooks (webhooks.py) --------------------------------------------------------------


class WebhookEvent(models.TextChoices):
    RULE_TRANSITIONED = "rule.transitioned", _("A rule moved (e.g. went live)")
    STRATEGY_ANSWERED = "strategy.answered", _("A strategy got its official answer")
    HOT_SPOT_RAISED = "hot_spot.raised", _("A hot spot was raised")
    ISSUE_SLA_BREACHED = "issue.sla_breached", _("An issue passed its due time")
    REPORT_CREATED = "report.created", _("A report was filed (high volume)")


class WebhookFormat(models.TextChoices):
    GENERIC = "generic", _("Signed JSON (other systems)")
    WECOM = "wecom", _("WeCom group robot (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk group robot (钉钉)")
    FEISHU = "feishu", _("Feishu group robot (飞书)")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Waiting to retry")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


# --- The audit log (identity.py) ------------------------------------------------------------------


class AuditAction(models.TextChoices):
    SIGN_IN = "auth.sign_in", _("Signed in")
    SIGN_OUT = "auth.sign_out", _("Signed out")
    SIGN_IN_FAILED = "auth.sign_in_failed", _("Sign-in failed")
    ACCESS_CHANGED = "access.changed", _("Roles or access changed")
    SERVICE_ACCOUNT_CREATED = "service_account.created", _("Service account created")
    TOKEN_CREATED = "service_token.created", _("Service token created")
    TOKEN_REVOKED = "service_token.revoked", _("Service token revoked")
    EXPORTED = "data.exported", _("Data exported")
    IMPORT_STARTED = "import.started", _("Import started")
    TRIAGED = "triage.decided", _("Triage decision")
    OFFICIAL_ANSWER = "strategy.official_answer", _("Official answer given")
    RULE_TRANSITION = "rule.transition", _("Rule moved")
    EVALUATION_DECISION = "evaluation.decision", _("Evaluation decision")
    ADMIN_CHANGE = "admin.change", _("Changed in the admin")
    CUSTOMER_DATA_FOUND = "customer_data.found", _("Customer data looked up")
    CUSTOMER_DATA_EXPORTED = "customer_data.exported", _("Customer data exported")
    CUSTOMER_DATA_ERASED = "customer_data.erased", _("Customer data erased")
    RETENTION_PURGED = "retention.purged", _("Retention purge")


def choices_check(
    field: str, choices: type[models.Choices], name: str, *, blank: bool = False
) -> models.CheckConstraint:
    """A database check constraint that the column holds one of the enumeration's codes (or, with
    `blank`, the empty string: a choice not made)."""
    condition = models.Q(**{f"{field}__in": choices.values})
    if blank:
        condition = models.Q(**{field: ""}) | condition
    return models.CheckConstraint(condition=condition, name=name)
