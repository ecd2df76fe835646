from .choices import ExperienceLayer, LifecycleStage, ProductPhase, Severity, SourceType
from .imports import ImportJob, ImportKind, ImportMapping, ImportRejectedRow, ImportStatus
from .metrics import MetricDaily, MetricScope
from .notifications import Follow, Notification, NotificationKind
from .ops import OutboxMessage, PeriodicRun, WorkerHeartbeat
from .reference import Channel, Product, Segment
from .reports import (
    MANUAL_SOURCE_SYSTEM,
    ExperienceIssue,
    ExperienceReport,
    IssueStatus,
    ReportStatus,
)
from .rollups import IssueDailyRollup, ReportDailyRollup

__all__ = [
    "MANUAL_SOURCE_SYSTEM",
    "Channel",
    "ExperienceIssue",
    "ExperienceLayer",
    "ExperienceReport",
    "Follow",
    "ImportJob",
    "ImportKind",
    "ImportMapping",
    "ImportRejectedRow",
    "ImportStatus",
    "IssueDailyRollup",
    "IssueStatus",
    "LifecycleStage",
    "MetricDaily",
    "MetricScope",
    "Notification",
    "OutboxMessage",
    "PeriodicRun",
    "NotificationKind",
    "Product",
    "ProductPhase",
    "ReportDailyRollup",
    "ReportStatus",
    "Segment",
    "Severity",
    "SourceType",
    "WorkerHeartbeat",
]
