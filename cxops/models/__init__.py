from .access import AccessChange
from .access import HomeRegion
from .alerts import AlertOptIn
from .alerts import HotSpotAlert
from .choices import AlertSignal
from .choices import AlertStatus
from .choices import DeliveryStatus
from .choices import ExperienceLayer
from .choices import ExportFormat
from .choices import ExportJobStatus
from .choices import ImportKind
from .choices import ImportStatus
from .choices import IssueStatus
from .choices import LifecycleStage
from .choices import NotificationKind
from .choices import ProductPhase
from .choices import RegionLevel
from .choices import ReportStatus
from .choices import RollupDimension
from .choices import Severity
from .choices import SourceType
from .choices import WebhookEvent
from .choices import WebhookFormat
from .exports import ExportJob
from .identity import AuditEvent
from .identity import ServiceAccount
from .identity import ServiceToken
from .imports import ImportJob
from .imports import ImportMapping
from .imports import ImportRejectedRow
from .matching import IssueMatchProfile
from .matching import IssueMatchTerm
from .matching import MatchConcept
from .matching import MatchRejection
from .metrics import MetricDaily
from .metrics import MetricScope
from .notifications import Follow
from .notifications import Notification
from .notifications import NotificationDigest
from .notifications import NotificationPreference
from .notifications import NotificationSettings
from .ops import OutboxMessage
from .ops import PeriodicRun
from .ops import WorkerHeartbeat
from .reference import Channel
from .reference import Product
from .reference import Region
from .reference import Segment
from .reference import default_region_id
from .reports import MANUAL_SOURCE_SYSTEM
from .reports import ExperienceIssue
from .reports import ExperienceReport
from .rollups import IssueDailyRegionRollup
from .rollups import IssueDailyRollup
from .rollups import ReportDailyDimensionRollup
from .rollups import ReportDailyDimensionTotal
from .rollups import ReportDailyRegionRollup
from .rollups import ReportDailyRegionTotal
from .webhooks import WebhookDelivery
from .webhooks import WebhookSubscription

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
