from .access import AccessChange
from .access import HomeRegion
from .alerts import AlertOptIn
from .alerts import AlertSignal
from .alerts import AlertStatus
from .alerts import HotSpotAlert
from .choices import ExperienceLayer
from .choices import LifecycleStage
from .choices import ProductPhase
from .choices import Severity
from .choices import SourceType
from .exports import ExportFormat
from .exports import ExportJob
from .exports import ExportJobStatus
from .identity import AuditEvent
from .identity import ServiceAccount
from .identity import ServiceToken
from .imports import ImportJob
from .imports import ImportKind
from .imports import ImportMapping
from .imports import ImportRejectedRow
from .imports import ImportStatus
from .matching import IssueMatchProfile
from .matching import IssueMatchTerm
from .matching import MatchConcept
from .matching import MatchRejection
from .metrics import MetricDaily
from .metrics import MetricScope
from .notifications import Follow
from .notifications import Notification
from .notifications import NotificationDigest
from .notifications import NotificationKind
from .notifications import NotificationPreference
from .notifications import NotificationSettings
from .ops import OutboxMessage
from .ops import PeriodicRun
from .ops import WorkerHeartbeat
from .reference import Channel
from .reference import Product
from .reference import Region
from .reference import RegionLevel
from .reference import Segment
from .reference import default_region_id
from .reports import MANUAL_SOURCE_SYSTEM
from .reports import ExperienceIssue
from .reports import ExperienceReport
from .reports import IssueStatus
from .reports import ReportStatus
from .rollups import IssueDailyRegionRollup
from .rollups import IssueDailyRollup
from .rollups import ReportDailyDimensionRollup
from .rollups import ReportDailyDimensionTotal
from .rollups import ReportDailyRegionRollup
from .rollups import ReportDailyRegionTotal
from .rollups import RollupDimension
from .webhooks import DeliveryStatus
from .webhooks import WebhookDelivery
from .webhooks import WebhookEvent
from .webhooks import WebhookFormat
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
