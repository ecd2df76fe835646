"""Input and output serializers for the pool API.  Inputs only parse; services do the writes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cxops.api.inputs import StrictInputSerializer
from cxops.models import ExperienceIssue
from cxops.models import ExperienceLayer
from cxops.models import Product
from cxops.models import Region
from cxops.people import display_name

from ..markdown import render_markdown
from ..models import Comment
from ..models import Revision
from ..models import StatusChange
from ..models import Strategy
from ..models import StrategyStatus
from ..models import Vote
from ..models import VoteChoice
from ..services.strategies import MAX_TAGS
from ..services.strategies import StrategyContent


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return display_name(user)


class StrategyListOutputSerializer(serializers.ModelSerializer):
    product: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    tags: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True
    )
    created_by = UserSummarySerializer(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    regions = serializers.SerializerMethodField(
        help_text="City codes the strategy concerns; []: the whole province."
    )

    class Meta:
        model = Strategy
        fields = [
            "id", "title", "product", "layer", "experience_event", "strategy_text", "tags", "regions", "status",
            "current_revision", "support_count", "oppose_count", "comment_count", "created_by",
            "created_at", "last_activity_at", "merged_into", "url",
        ]  # fmt: skip

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_regions(self, strategy: Strategy) -> list[str]:
        return [
            region.code for region in sorted(strategy.regions.all(), key=lambda r: (r.sort_order, r.code))
        ]


class StrategyDetailOutputSerializer(StrategyListOutputSerializer):
    issues: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    body_html = serializers.SerializerMethodField()
    official_answer_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta(StrategyListOutputSerializer.Meta):
        fields = [
            *StrategyListOutputSerializer.Meta.fields,
            "issues", "body", "body_html", "official_answer", "official_answer_by", "official_answer_at", "updated_at",
        ]  # fmt: skip

    @extend_schema_field(serializers.CharField())
    def get_body_html(self, strategy: Strategy) -> str:
        return str(render_markdown(strategy.body))


class CityCodeField(serializers.SlugRelatedField):
    """A city by code; a value no code can be (not text, too long, a NUL) is refused before the
    lookup (PostgreSQL refuses a NUL in a query parameter with an error, not a miss)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or len(data) > 40 or "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:40].replace("\x00", ""))
        return super().to_internal_value(data)


class StrategyInputSerializer(StrictInputSerializer):
    title = serializers.CharField(max_length=200)
    product = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.filter(is_active=True))
    layer = serializers.ChoiceField(choices=ExperienceLayer.choices)
    experience_event = serializers.CharField()
    strategy_text = serializers.CharField()
    body = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    issues = serializers.PrimaryKeyRelatedField(
        queryset=ExperienceIssue.objects.all(),
        many=True,
        required=False,
        default=list,
        # the same words as for an issue the caller cannot see (refused by the service)
        error_messages={"does_not_exist": gettext_lazy("This issue does not exist.")},
        help_text="Issue ids. Links to issues you cannot see (another city's) are kept.",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=MAX_TAGS
    )
    regions = CityCodeField(
        slug_field="code",
        queryset=Region.objects.filter(parent__isnull=False),
        many=True,
        required=False,
        default=list,
        help_text="City codes the strategy concerns; none: the whole province.",
    )
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def content(self) -> StrategyContent:
        return StrategyContent.from_input(self.validated_data)


class StrategyUpdateInputSerializer(StrategyInputSerializer):
    base_revision = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text='The revision you started editing from. Alternatively send `If-Match: "r<number>"`.',
    )


class RevisionOutputSerializer(serializers.ModelSerializer):
    product: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    author = UserSummarySerializer(read_only=True)

    class Meta:
        model = Revision
        fields = [
            "number", "title", "product", "layer", "experience_event", "issue_ids", "strategy_text", "body",
            "tag_names", "region_codes", "summary", "restored_from", "author", "created_at",
        ]  # fmt: skip


class RevisionSummarySerializer(RevisionOutputSerializer):
    class Meta(RevisionOutputSerializer.Meta):
        fields = ["number", "title", "summary", "restored_from", "author", "created_at"]


class DiffLineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    old_number = serializers.IntegerField(allow_null=True)
    new_number = serializers.IntegerField(allow_null=True)
    html = serializers.CharField()


class FieldDiffSerializer(serializers.Serializer):
    name = serializers.CharField()
    inline = serializers.CharField(allow_null=True, help_text="HTML with <ins>/<del>; text escaped.")
    lines = DiffLineSerializer(many=True, allow_null=True)


class DiffOutputSerializer(serializers.Serializer):
    from_revision = serializers.IntegerField()
    to_revision = serializers.IntegerField()
    changes = FieldDiffSerializer(many=True)


class RestoreInputSerializer(StrictInputSerializer):
    revision = serializers.IntegerField(min_value=1)
    base_revision = serializers.IntegerField(min_value=0, required=False)


class TransitionInputSerializer(StrictInputSerializer):
    to_status = serializers.ChoiceField(choices=StrategyStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    merged_into = serializers.PrimaryKeyRelatedField(
        queryset=Strategy.objects.all(), required=False, allow_null=True
    )


class StatusChangeOutputSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True)

    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "actor", "reason", "created_at"]


class VoteInputSerializer(StrictInputSerializer):
    choice = serializers.ChoiceField(choices=VoteChoice.choices)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class VoteOutputSerializer(serializers.ModelSerializer):
    voter = UserSummarySerializer(read_only=True)

    class Meta:
        model = Vote
        fields = ["voter", "choice", "reason", "carried_from", "created_at", "updated_at"]


class CommentOutputSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)
    body = serializers.SerializerMethodField()
    body_html = serializers.SerializerMethodField()
    hidden_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Comment
        fields = [
            "id", "strategy", "parent", "author", "body", "body_html", "created_at", "edited_at",
            "is_hidden", "hidden_reason", "hidden_by", "hidden_at",
        ]  # fmt: skip

    @extend_schema_field(serializers.CharField())
    def get_body(self, comment: Comment) -> str:
        return "" if comment.is_hidden else comment.body

    @extend_schema_field(serializers.CharField())
    def get_body_html(self, comment: Comment) -> str:
        return "" if comment.is_hidden else str(render_markdown(comment.body))


class CommentCreateInputSerializer(StrictInputSerializer):
    body = serializers.CharField(max_length=10_000)
    parent = serializers.IntegerField(required=False, allow_null=True)  # type: ignore[assignment]  # DRF pops declared fields from the class


class CommentEditInputSerializer(StrictInputSerializer):
    body = serializers.CharField(max_length=10_000)


class CommentHideInputSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=300)


class CommentEditOutputSerializer(serializers.Serializer):
    previous_body = serializers.CharField()
    edited_at = serializers.DateTimeField()


class SearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="object.pk")  # type: ignore[assignment]
    title = serializers.CharField()
    snippet = serializers.CharField(help_text="HTML: text escaped, matches in <mark>.")
    similar = serializers.BooleanField()


class SearchOutputSerializer(serializers.Serializer):
    query = serializers.CharField()
    strategies = SearchHitSerializer(many=True)
    issues = SearchHitSerializer(many=True)
    reports = SearchHitSerializer(many=True)
