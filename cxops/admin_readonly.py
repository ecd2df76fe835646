"""Admin pages that only show rows: the one read-only base every floor's admin uses.

Rows written only through services (imports, the state machines, the audit log...) are shown in
the admin for support, never added, changed or deleted there: the admin is not a second,
unchecked write path."""

from __future__ import annotations

from typing import Any

from django.contrib import admin


class ReadOnlyAdminMixin:
    """For any admin class (a ModelAdmin, an inline, SimpleHistoryAdmin): view only."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass
