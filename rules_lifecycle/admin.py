"""Django admin for rules: read-only.  Rules change through the rule pages and the API, which check
who may do what per rule; the admin shows rows, their moves, their backfilled go-live dates and
their history for support.  No field is editable here, `go_live_on` included: a go-live date is
corrected only through `rule_backfill_go_live` (owner or manager, with a reason, on the record)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cxops.admin_readonly import ReadOnlyAdminMixin
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleGoLiveBackfill
from rules_lifecycle.models import RuleTransition


class RuleTransitionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RuleTransition
    fields = readonly_fields = ("created_at", "from_status", "to_status", "actor", "reason")
    extra = 0


class RuleGoLiveBackfillInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RuleGoLiveBackfill
    fields = readonly_fields = ("created_at", "previous_go_live_on", "go_live_on", "actor", "reason")
    extra = 0


@admin.register(ExperienceRule)
class ExperienceRuleAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "id",
        "name",
        "status",
        "implementing_system",
        "timing",
        "owner",
        "go_live_on",
        "retired_on",
    ]
    list_filter = ["status", "implementing_system", "timing", "layer"]
    search_fields = ["name", "trigger_event", "trigger_action"]
    list_select_related = ["owner"]
    inlines = [RuleTransitionInline, RuleGoLiveBackfillInline]


@admin.register(RuleTransition)
class RuleTransitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # the move first, then who, why and when (the model lists `Act`'s fields first)
    fields = ["rule", "from_status", "to_status", "actor", "reason", "created_at"]
    list_display = ["rule", "from_status", "to_status", "actor", "created_at"]
    list_filter = ["to_status"]
    list_select_related = ["rule", "actor"]
