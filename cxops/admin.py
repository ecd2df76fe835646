from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cxops.models import (
    Channel,
    ExperienceIssue,
    ExperienceReport,
    HotSpotAlert,
    ImportJob,
    ImportMapping,
    MetricDaily,
    MetricScope,
    Notification,
    Product,
    Segment,
    WorkerHeartbeat,
)


class ReferenceAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_zh", "name_en", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Product)
class ProductAdmin(ReferenceAdmin):
    list_display = ["code", "name_zh", "name_en", "lifecycle_phase", "launched_on", "is_active", "sort_order"]
    list_filter = ["lifecycle_phase", "is_active"]


@admin.register(Channel)
class ChannelAdmin(ReferenceAdmin):
    pass


@admin.register(Segment)
class SegmentAdmin(ReferenceAdmin):
    pass


@admin.register(ExperienceIssue)
class ExperienceIssueAdmin(SimpleHistoryAdmin):
    list_display = ["id", "title", "product", "layer", "stage", "status", "report_count", "last_reported_at"]
    list_filter = ["status", "layer", "stage", "product"]
    search_fields = ["title", "description"]
    # Counts and dates are maintained by the merge services; editing them here would desynchronise.
    readonly_fields = ["report_count", "first_reported_at", "last_reported_at", "created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ExperienceReport)
class ExperienceReportAdmin(SimpleHistoryAdmin):
    list_display = ["id", "summary", "source_type", "product", "channel", "status", "occurred_at"]
    list_filter = ["status", "source_type", "layer", "stage", "product", "channel"]
    search_fields = ["summary", "external_id"]
    raw_id_fields = ["issue", "reporter", "triaged_by"]
    show_full_result_count = False  # no COUNT(*) over millions of rows
    # Triage goes through the triage queue, which keeps issue counts and rollups exact.
    readonly_fields = [
        "customer_masked",
        "status",
        "issue",
        "triaged_by",
        "triaged_at",
        "reporter",
        "source_system",
        "external_id",
        # Counted in the daily rollups: changed only through the triage queue (sense).
        "product",
        "channel",
        "source_type",
        "layer",
        "stage",
        "occurred_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "recipient", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "actor"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker", "seen_at"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Import jobs are created and run from the import pages and command; here they are only viewed."""

    list_display = [
        "id",
        "original_name",
        "kind",
        "source_system",
        "status",
        "inserted",
        "duplicates",
        "rejected",
        "created_at",
    ]
    list_filter = ["kind", "status", "source_system"]
    exclude = ["data"]
    readonly_fields = [f.name for f in ImportJob._meta.fields if f.name != "data"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("data")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportMapping)
class ImportMappingAdmin(SimpleHistoryAdmin):
    list_display = ["source_system", "kind", "updated_by", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["source_system"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written only through the services (imports, detection); the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MetricScope)
class MetricScopeAdmin(ReadOnlyAdmin):
    list_display = ["id", "product", "channel", "segment"]
    list_filter = ["product"]


@admin.register(MetricDaily)
class MetricDailyAdmin(ReadOnlyAdmin):
    list_display = ["scope", "day", "users", "active_users", "complaints", "consultations"]
    list_filter = ["scope__product"]
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(HotSpotAlert)
class HotSpotAlertAdmin(ReadOnlyAdmin):
    list_display = ["id", "signal", "issue", "product", "day", "observed", "expected", "status"]
    list_filter = ["signal", "status"]


# The user and group pages: every change to who may do what goes through cxops.services.access.
from cxops import admin_access  # noqa: E402, F401
