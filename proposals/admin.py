"""Admin: a read-only window on the pool.  Every write goes through the pages or the API, whose
services check roles and keep revisions, tallies and the timeline consistent."""

from __future__ import annotations

from django.contrib import admin

from cxops.admin_readonly import ReadOnlyAdmin

from .models import Comment
from .models import CommentEdit
from .models import Revision
from .models import StatusChange
from .models import Strategy
from .models import Tag
from .models import Vote


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = readonly_fields = ("number", "author", "created_at", "summary", "restored_from")
    extra = 0
    can_delete = False
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fields = readonly_fields = ("from_status", "to_status", "actor", "reason", "created_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Strategy)
class StrategyAdmin(ReadOnlyAdmin):
    list_display = [
        "id", "title", "product", "layer", "status", "current_revision", "support_count", "oppose_count",
        "comment_count", "last_activity_at",
    ]  # fmt: skip
    list_filter = ["status", "layer", "product"]
    search_fields = ["title", "experience_event", "strategy_text"]
    date_hierarchy = "created_at"
    list_select_related = ["product"]
    inlines = [StatusChangeInline, RevisionInline]


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["strategy", "number", "author", "created_at", "summary"]
    search_fields = ["title", "summary"]
    list_select_related = ["strategy", "author"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["id", "strategy", "author", "created_at", "edited_at", "is_hidden"]
    list_filter = ["is_hidden"]
    search_fields = ["body"]
    list_select_related = ["strategy", "author"]


@admin.register(CommentEdit)
class CommentEditAdmin(ReadOnlyAdmin):
    list_display = ["comment", "edited_by", "edited_at"]


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["strategy", "voter", "choice", "carried_from", "updated_at"]
    list_filter = ["choice"]
    list_select_related = ["strategy", "voter"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    # the move first, then who, why and when (the model lists `Act`'s fields first)
    fields = ["strategy", "from_status", "to_status", "actor", "reason", "created_at"]
    list_display = ["strategy", "from_status", "to_status", "actor", "created_at"]
    list_filter = ["to_status"]


@admin.register(Tag)
class TagAdmin(ReadOnlyAdmin):
    list_display = ["name"]
    search_fields = ["name"]
