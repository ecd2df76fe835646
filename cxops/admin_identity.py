"""Service accounts, their tokens and the audit log in the admin: shown, never written here.

Service accounts and tokens are managed on the administrators' pages (`/identity/`) and by
`manage.py service_account`, through `cxops.services.service_accounts` (tokens shown once, every
act audited).  The audit log is append-only: nobody adds, changes or deletes a line through the
app.  Every other admin save is itself written to the audit log (`admin_change_audited`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_save

from cxops.admin_readonly import ReadOnlyAdmin
from cxops.models import AuditEvent
from cxops.models import ServiceAccount
from cxops.models import ServiceToken
from cxops.services.audit import AuditAction
from cxops.services.audit import audit_record


@admin.register(ServiceAccount)
class ServiceAccountAdmin(ReadOnlyAdmin):
    list_display = ["name", "description", "is_active", "created_at"]
    search_fields = ["name", "description"]


@admin.register(ServiceToken)
class ServiceTokenAdmin(ReadOnlyAdmin):
    list_display = ["account", "prefix", "scopes", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["account"]
    exclude = ["digest"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "occurred_at",
        "actor_name",
        "address",
        "action",
        "object_type",
        "object_id",
        "object_repr",
    ]
    list_filter = ["action"]
    search_fields = ["actor_name", "object_repr", "summary"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


def admin_change_audited(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    """The admin writes a LogEntry for every addition, change and deletion it makes, in the same
    transaction as the change: the one place all admin saves pass through."""
    if not created:
        return

    flag = {1: "added", 2: "changed", 3: "deleted"}.get(instance.action_flag, "changed")
    content_type = (
        ContentType.objects.get_for_id(instance.content_type_id) if instance.content_type_id else None
    )
    model = content_type.model_class() if content_type is not None else None
    audit_record(
        actor=instance.user,
        action=AuditAction.ADMIN_CHANGE,
        summary=f"{flag}: {instance.get_change_message() or instance.object_repr}",
        object_type=(f"{model._meta.app_label}.{model._meta.model_name}" if model else ""),
        object_id=instance.object_id or "",
        object_repr=instance.object_repr,
    )


post_save.connect(admin_change_audited, sender=LogEntry, dispatch_uid="cxops-audit-admin-change")
