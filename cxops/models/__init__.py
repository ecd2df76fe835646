from .access import AccessChange, HomeRegion
from .alerts import AlertOptIn, AlertSignal, AlertStatus, HotSpotAlert
from .choices import ExperienceLayer, LifecycleStage, ProductPhase, Severity, SourceType
from .exports import ExportFormat, ExportJob, ExportJobStatus
from .identity import AuditEvent, ServiceAccount, ServiceToken
from .imports import ImportJob, ImportKind, ImportMapping, ImportRejectedRow, ImportStatus
from .matching import IssueMatchProfile, IssueMatchTerm, MatchConcept, MatchRejection
from .metrics import MetricDaily, MetricScope
from .notifications import (
    Follow,
    Notification,
    NotificationDigest,
    NotificationKind,
    NotificationPreference,
    NotificationSettings,
)
from .ops import OutboxMessage, PeriodicRun, WorkerHeartbeat
from .reference import Channel, Product, Region, RegionLevel, Segment, default_region_id
from .reports import (
    MANUAL_SOURCE_SYSTEM,
    ExperienceIssue,
    ExperienceReport,
    IssueStatus,
    ReportStatus,
)
from .rollups import (
    IssueDailyRegionRollup,
    IssueDailyRollup,
    ReportDailyDimensionRollup,
    ReportDailyDimensionTotal,
    ReportDailyRegionRollup,
    ReportDailyRegionTotal,
    RollupDimension,
)
from .webhooks import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookFormat, WebhookSubscription

__all__ = [
    "ExportFormat",
    "ExportJob",
    "ExportJobStatus",
    "AuditEvent",
    "ServiceAccount",
    "ServiceToken",
    "AccessChange",
    "HomeRegion",
    "Region",
    "RegionLevel",
    "default_region_id",
    "AlertOptIn",
    "AlertSignal",
    "AlertStatus",
    "MANUAL_SOURCE_SYSTEM",
    "Channel",
    "ExperienceIssue",
    "ExperienceLayer",
    "ExperienceReport",
    "Follow",
    "HotSpotAlert",
    "ImportJob",
    "ImportKind",
    "ImportMapping",
    "ImportRejectedRow",
    "ImportStatus",
    "IssueDailyRegionRollup",
    "IssueDailyRollup",
    "IssueMatchProfile",
    "IssueMatchTerm",
    "IssueStatus",
    "LifecycleStage",
    "MatchConcept",
    "MatchRejection",
    "MetricDaily",
    "MetricScope",
    "Notification",
    "NotificationDigest",
    "NotificationPreference",
    "NotificationSettings",
    "OutboxMessage",
    "PeriodicRun",
    "NotificationKind",
    "Product",
    "ProductPhase",
    "ReportDailyDimensionRollup",
    "ReportDailyDimensionTotal",
    "ReportDailyRegionRollup",
    "ReportDailyRegionTotal",
    "ReportStatus",
    "RollupDimension",
    "Segment",
    "Severity",
    "SourceType",
    "WorkerHeartbeat",
    "DeliveryStatus",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookFormat",
    "WebhookSubscription",
]
