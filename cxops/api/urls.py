"""Ground-floor API routes.  Each domain module registers its own viewsets here."""

from django.urls import path
from django.urls import re_path
from rest_framework.routers import DefaultRouter

from cxops.views.exports import ExportJobDownloadView
from cxops.views.exports import ExportJobView
from cxops.views.exports import ExportView

from . import dashboard
from . import matching
from . import metrics
from . import notifications
from . import reference
from . import reports
from . import search
from . import webhooks

# No format-suffix twins (`/api/reports.json`): content negotiation (Accept, ?format=) does it.
router = DefaultRouter()
router.include_format_suffixes = False
router.register("products", reference.ProductViewSet, basename="product")
router.register("channels", reference.ChannelViewSet, basename="channel")
router.register("segments", reference.SegmentViewSet, basename="segment")
router.register("regions", reference.RegionViewSet, basename="region")
router.register("notifications", notifications.NotificationViewSet, basename="notification")
router.register("reports", reports.ReportViewSet, basename="report")
router.register("issues", reports.IssueViewSet, basename="issue")
router.register("import-jobs", reports.ImportJobViewSet, basename="import-job")
router.register("dashboard/alerts", dashboard.AlertViewSet, basename="hot-spot-alert")
router.register("webhooks", webhooks.WebhookViewSet, basename="webhook")

urlpatterns = [
    path("dashboard/overview/", dashboard.OverviewView.as_view(), name="dashboard-overview"),
    path(
        "dashboard/products/<slug:code>/", dashboard.ProductDashboardView.as_view(), name="dashboard-product"
    ),
    # Before the router: its issues/{pk}/ route would take "similar" for an id.
    path("issues/similar/", matching.IssueSimilarView.as_view(), name="issue-similar"),
    path("metrics/batch/", metrics.MetricBatchView.as_view(), name="metrics-batch"),
    # Before the router too: its notifications/{pk}/ route would take "preferences" for an id.
    path(
        "notifications/preferences/",
        notifications.NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
    re_path(r"^exports/(?P<dataset>[a-z_]+)\.(?P<ext>csv|xlsx)$", ExportView.as_view(), name="export"),
    path("exports/jobs/<int:pk>/", ExportJobView.as_view(), name="api-export-job"),
    path("exports/jobs/<int:pk>/download/", ExportJobDownloadView.as_view(), name="api-export-job-download"),
    path("search/", search.SearchView.as_view(), name="api-search"),
    path("metrics/series/", metrics.MetricSeriesView.as_view(), name="metrics-series"),
    *router.urls,
]
