from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from cxops.admin_readonly import ReadOnlyAdmin
from cxops.admin_readonly import ReadOnlyAdminMixin
from cxops.errors import ApplicationError
from cxops.inputs import DayField
from cxops.models import Channel
from cxops.models import ExperienceIssue
from cxops.models import ExperienceReport
from cxops.models import HotSpotAlert
from cxops.models import ImportJob
from cxops.models import ImportMapping
from cxops.models import MatchConcept
from cxops.models import MetricDaily
from cxops.models import MetricScope
from cxops.models import Notification
from cxops.models import Product
from cxops.models import Region
from cxops.models import Segment
from cxops.models import WorkerHeartbeat
from cxops.roles import Role
from cxops.roles import has_role
from cxops.services.matching import match_concept_save
from cxops.services.reference import region_save
from cxops.services.triage import issue_create
from cxops.services.triage import issue_update

# Every admin write goes through the service the pages and the API use, or is not offered: the
# admin is not a second, unchecked write path (no notifications, no rollups, no phone masking).
# Reference data (products, channels, segments) is the exception: the admin is where it is edited.


class ReferenceAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_zh", "name_en", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Product)
class ProductAdmin(ReferenceAdmin):
    list_display = ["code", "name_zh", "name_en", "lifecycle_phase", "launched_on", "is_active", "sort_order"]
    list_filter = ["lifecycle_phase", "is_active"]
    # The launch date starts the consultation-cycle curve: bounded like every date entered.
    formfield_overrides = {models.DateField: {"form_class": DayField}}


@admin.register(Channel)
class ChannelAdmin(ReferenceAdmin):
    pass


@admin.register(Segment)
class SegmentAdmin(ReferenceAdmin):
    pass


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    """Regions are written through `cxops.services.reference.region_save` (a city belongs to the
    province; a code that reports carry is not renamed).  Not deleted: a region is retired."""

    list_display = ["code", "name_zh", "name_en", "level", "parent", "is_active", "sort_order"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    fields = ["code", "name_zh", "name_en", "level", "parent", "description", "is_active", "sort_order"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            region_save(actor=request.user, region=obj)
        except ApplicationError as error:
            raise PermissionDenied(error.message) from None


@admin.register(ExperienceIssue)
class ExperienceIssueAdmin(SimpleHistoryAdmin):
    """Added and changed through `issue_create` / `issue_update` (phone masking, followers told of a
    status change).  Not deleted: an issue is closed by its status, its reports stay linked."""

    list_display = ["id", "title", "product", "layer", "stage", "status", "report_count", "last_reported_at"]
    list_filter = ["status", "layer", "stage", "product"]
    search_fields = ["title", "description"]
    # Counts and dates are maintained by the merge services; editing them here would desynchronise.
    readonly_fields = ["report_count", "first_reported_at", "last_reported_at", "created_by", "created_at"]

    def get_fields(self, request, obj=None):
        fields = ["title", "description", "status", "product", "layer", "stage"]
        if obj is None:
            fields.remove("status")  # a new issue is open
            return fields
        return [*fields, *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {
            "title": data["title"],
            "description": data.get("description", ""),
            "product": data.get("product"),
            "layer": data.get("layer", ""),
            "stage": data.get("stage", ""),
        }
        try:
            if change:
                saved = issue_update(actor=request.user, issue=obj, status=data["status"], **fields)
            else:
                saved = issue_create(actor=request.user, **fields)
        except ApplicationError as error:
            raise PermissionDenied(error.message) from None
        obj.pk = saved.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExperienceReport)
class ExperienceReportAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Read-only: reports are filed through the filing page, the API and imports, and changed in the
    triage queue, which keep the rollups, the issues' counts and phone masking exact."""

    list_display = ["id", "summary", "source_type", "product", "channel", "status", "occurred_at"]
    list_filter = ["status", "source_type", "layer", "stage", "product", "channel"]
    search_fields = ["summary", "external_id"]
    raw_id_fields = ["issue", "reporter", "triaged_by"]
    show_full_result_count = False  # no COUNT(*) over millions of rows
    exclude = ["customer_hash"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "recipient", "kind", "title", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind", "email_wanted"]
    raw_id_fields = ["recipient", "actor"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["worker", "seen_at"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
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


@admin.register(ImportMapping)
class ImportMappingAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Saved from the import pages (`import_mapping_save`); viewed here."""

    list_display = ["source_system", "kind", "updated_by", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["source_system"]


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


# The user and group pages: every change to who may do what goes through cxops.services.access;
# simple-history's "revert" is refused on every admin.
# Service accounts, tokens and the audit log: view only (cxops/admin_identity.py).
from cxops import admin_access  # noqa: E402, F401
from cxops import admin_history  # noqa: E402, F401
from cxops import admin_identity  # noqa: E402, F401


@admin.register(MatchConcept)
class MatchConceptAdmin(SimpleHistoryAdmin):
    """The analysts' part of the matching lexicon.  Saved through `match_concept_save` (checks the
    aliases, rebuilds every issue's profile after commit); switched off, not deleted (history)."""

    list_display = ["code", "label_zh", "label_en", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "label_zh", "label_en", "aliases"]
    fields = ["code", "label_zh", "label_en", "aliases", "is_active"]

    def _is_analyst(self, request) -> bool:
        return request.user.is_active and (request.user.is_superuser or has_role(request.user, Role.ANALYST))

    def has_module_permission(self, request):
        return self._is_analyst(request)

    def has_view_permission(self, request, obj=None):
        return self._is_analyst(request)

    def has_add_permission(self, request):
        return self._is_analyst(request)

    def has_change_permission(self, request, obj=None):
        return self._is_analyst(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []  # a concept's code does not change

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            saved = match_concept_save(
                actor=request.user,
                concept=MatchConcept.objects.get(pk=obj.pk) if change else None,
                code=data.get("code", obj.code),
                label_zh=data["label_zh"],
                label_en=data.get("label_en", ""),
                aliases=data["aliases"],
                is_active=data.get("is_active", True),
            )
        except ApplicationError as error:
            raise PermissionDenied(error.message) from None
        obj.pk = saved.pk
        obj.refresh_from_db()
