"""REST API for rules: list, read, create from a strategy, edit the non-state fields, moves, and
the real go-live date of a rule that ran before cxops.

The state is never a writable field: a rule moves only by `POST /api/rules/{id}/transitions/`,
which calls the same `rule_transition` as the rule page; a running rule's go-live date is
corrected only by `POST /api/rules/{id}/go-live-backfills/`, which calls the same
`rule_backfill_go_live` as the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.utils import extend_schema_serializer
from drf_spectacular.utils import inline_serializer
from rest_framework import mixins
from rest_framework import serializers
from rest_framework import status
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cxops.api.inputs import StrictInputSerializer
from cxops.models import Channel
from cxops.models import ExperienceLayer
from cxops.models import Product
from cxops.models import Region
from cxops.models import Segment
from cxops.roles import ALL_ROLES
from cxops.roles import Role
from cxops.roles import roles_permission
from proposals.models import Strategy
from rules_lifecycle.filters import RuleFilterSet
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import ImplementingSystem
from rules_lifecycle.models import RuleGoLiveBackfill
from rules_lifecycle.models import RuleStatus
from rules_lifecycle.models import RuleTransition
from rules_lifecycle.models import Timing
from rules_lifecycle.models.rules import SCOPE_FIELDS
from rules_lifecycle.selectors.rules import rules_read_by
from rules_lifecycle.services.rules import RULE_FIELDS
from rules_lifecycle.services.rules import rule_backfill_go_live
from rules_lifecycle.services.rules import rule_create_from_strategy
from rules_lifecycle.services.rules import rule_update
from rules_lifecycle.transitions import REASON_MAX_LENGTH
from rules_lifecycle.transitions import available_moves
from rules_lifecycle.transitions import rule_transition

STATE_FIELDS = ("status", "go_live_on", "retired_on", "review_due_on")

ERROR = OpenApiResponse(
    response=inline_serializer(
        "RuleError",
        {
            "error": inline_serializer(
                "RuleErrorBody",
                {
                    "code": serializers.CharField(),
                    "message": serializers.CharField(),
                    "fields": serializers.DictField(
                        child=serializers.ListField(child=serializers.CharField()),
                        required=False,
                        help_text="Messages per input field, when a field is at fault.",
                    ),
                },
            )
        },
    ),
    description="Refused: `invalid` (400), `forbidden` (403). Nothing was changed.",
)


def _codes(model: type[models.Model], **kwargs: Any) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="code", queryset=model._default_manager.all(), many=True, **kwargs
    )


def _codes_shown() -> serializers.SlugRelatedField[Any]:
    """A many-to-many scope field shown as its codes (products, channels, segments, cities)."""
    return serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)


class RuleOutputSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(read_only=True)
    owner: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    products = _codes_shown()
    channels = _codes_shown()
    segments = _codes_shown()
    control_products = _codes_shown()
    control_channels = _codes_shown()
    control_segments = _codes_shown()
    regions = _codes_shown()
    control_regions = _codes_shown()
    primary_measure = serializers.CharField(read_only=True)
    allowed_moves = serializers.SerializerMethodField(
        help_text="The states the requesting user may move this rule to now."
    )

    class Meta:
        model = ExperienceRule
        fields = [
            "id",
            "status",
            "status_label",
            "strategy",
            "issues",
            *RULE_FIELDS,
            "primary_measure",
            "go_live_on",
            "review_due_on",
            "retired_on",
            "version",
            "created_at",
            "updated_at",
            "allowed_moves",
        ]
        read_only_fields = fields

    def get_allowed_moves(self, rule: ExperienceRule) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return [move.target.value for move in available_moves(rule=rule, actor=request.user)]


class _RefusesStateMixin:
    """The state is moved through the transitions endpoint, never written."""

    def refused_field_message(self, key: str) -> str:
        if key == "go_live_on":
            return _(
                "The state cannot be written: POST a move to /api/rules/{id}/transitions/, or a running "
                "rule's real go-live date to /api/rules/{id}/go-live-backfills/."
            )
        if key in STATE_FIELDS:
            return _("The state cannot be written: POST a move to /api/rules/{id}/transitions/.")
        return super().refused_field_message(key)  # type: ignore[misc]


class RuleDesignFields(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    owner: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True)
    )
    trigger_event = serializers.CharField(max_length=300)
    trigger_condition = serializers.CharField(allow_blank=True)
    trigger_action = serializers.CharField()
    trigger_notes = serializers.CharField(allow_blank=True)
    implementing_system = serializers.ChoiceField(choices=ImplementingSystem.choices)
    timing = serializers.ChoiceField(choices=Timing.choices)
    layer = serializers.ChoiceField(choices=ExperienceLayer.choices)
    products = _codes(Product)
    channels = _codes(Channel)
    segments = _codes(Segment)
    control_products = _codes(Product)
    control_channels = _codes(Channel)
    control_segments = _codes(Segment)
    regions = _codes(Region, required=False)
    control_regions = _codes(Region, required=False)
    pre_window_days = serializers.IntegerField(min_value=1, max_value=365)
    burn_in_days = serializers.IntegerField(min_value=0, max_value=365)
    post_window_days = serializers.IntegerField(min_value=1, max_value=365)
    minimum_worthwhile_effect = serializers.FloatField()
    guardrail_margin = serializers.FloatField()
    review_after_days = serializers.IntegerField(min_value=1, max_value=3650)


class RuleCreateInputSerializer(_RefusesStateMixin, RuleDesignFields):
    strategy = serializers.PrimaryKeyRelatedField(queryset=Strategy.objects.all())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Defaults come from the service (the strategy's product and layer, EVALUATION.md windows).
        for name in set(self.fields) - {
            "strategy",
            "name",
            "trigger_event",
            "trigger_action",
            "implementing_system",
            "timing",
        }:
            self.fields[name].required = False


class RuleUpdateInputSerializer(_RefusesStateMixin, RuleDesignFields):
    version = serializers.IntegerField(
        min_value=1, help_text="The version you read; an edit from an older version is refused with 409."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in set(self.fields) - {"version"}:
            self.fields[name].required = False


# Named apart from the strategy pool's TransitionInputSerializer: the same component name made the
# OpenAPI schema give one of the two operations the other's request body.
@extend_schema_serializer(component_name="RuleTransitionInput")
class RuleTransitionInputSerializer(StrictInputSerializer):
    to_status = serializers.ChoiceField(choices=RuleStatus.choices)
    reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=REASON_MAX_LENGTH)


class RuleTransitionOutputSerializer(serializers.ModelSerializer):
    actor: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = RuleTransition
        fields = ["id", "from_status", "to_status", "actor", "reason", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(component_name="RuleGoLiveBackfillInput")
class RuleGoLiveBackfillInputSerializer(StrictInputSerializer):
    go_live_on = serializers.DateField(help_text="The day the rule really started running in its system.")
    reason = serializers.CharField(
        allow_blank=True,
        max_length=REASON_MAX_LENGTH,
        help_text="Where the date comes from (a release note, a change ticket); required.",
    )


class RuleGoLiveBackfillOutputSerializer(serializers.ModelSerializer):
    actor: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    review_due_on = serializers.DateField(
        source="rule.review_due_on", read_only=True, help_text="The rule's review date, moved with it."
    )

    class Meta:
        model = RuleGoLiveBackfill
        fields = [
            "id",
            "rule",
            "previous_go_live_on",
            "go_live_on",
            "review_due_on",
            "actor",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


class RuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Experience rules.  Everyone signed in reads; product owners and managers write, and each
    write is checked against the rule (its owner, a manager) by the services."""

    serializer_class = RuleOutputSerializer
    permission_classes = [roles_permission(Role.PRODUCT_OWNER, Role.MANAGER, safe_roles=ALL_ROLES)]
    queryset = ExperienceRule.objects.none()
    filterset_class = RuleFilterSet  # the list's; retrieve reads the rule by id alone

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExperienceRule.objects.none()
        return rules_read_by(self.request.user).prefetch_related("issues", *SCOPE_FIELDS)

    def _output(self, rule: ExperienceRule, *, status_code: int = status.HTTP_200_OK) -> Response:
        rule = self.get_queryset().get(pk=rule.pk)
        return Response(self.get_serializer(rule).data, status=status_code)

    @extend_schema(request=RuleCreateInputSerializer, responses={201: RuleOutputSerializer})
    def create(self, request: Request) -> Response:
        serializer = RuleCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = rule_create_from_strategy(actor=request.user, **serializer.validated_data)
        return self._output(rule, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=RuleUpdateInputSerializer, responses={200: RuleOutputSerializer})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        rule = self.get_object()
        serializer = RuleUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version")
        rule = rule_update(rule=rule, actor=request.user, expected_version=version, changes=changes)
        return self._output(rule)

    @extend_schema(
        methods=["GET"],
        responses={200: RuleTransitionOutputSerializer(many=True)},
        summary="The rule's moves",
    )
    @extend_schema(
        methods=["POST"],
        request=RuleTransitionInputSerializer,
        responses={201: RuleTransitionOutputSerializer},
        summary="Move the rule to another state",
    )
    @action(detail=True, methods=["get", "post"], url_path="transitions", pagination_class=None)
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        rule = self.get_object()
        if request.method == "GET":
            records = rule.transitions.select_related("actor")
            return Response(RuleTransitionOutputSerializer(records, many=True).data)
        serializer = RuleTransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = rule_transition(rule=rule, actor=request.user, **serializer.validated_data)
        return Response(RuleTransitionOutputSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        responses={200: RuleGoLiveBackfillOutputSerializer(many=True)},
        summary="The rule's backfilled go-live dates",
    )
    @extend_schema(
        methods=["POST"],
        request=RuleGoLiveBackfillInputSerializer,
        responses={201: RuleGoLiveBackfillOutputSerializer, 400: ERROR, 403: ERROR},
        summary="Record the real go-live date of a running rule",
        description=(
            "For a rule that ran before cxops was adopted: its owner or a manager records the day it "
            "really went live (2000-01-01 up to the day it was recorded live in cxops), with a reason. "
            "The review date moves with it, the rule's history and timeline record who and why, and the "
            "rule is evaluated again on its real windows."
        ),
    )
    @action(detail=True, methods=["get", "post"], url_path="go-live-backfills", pagination_class=None)
    def go_live_backfills(self, request: Request, pk: str | None = None) -> Response:
        rule = self.get_object()
        if request.method == "GET":
            records = rule.go_live_backfills.select_related("actor", "rule")
            return Response(RuleGoLiveBackfillOutputSerializer(records, many=True).data)
        serializer = RuleGoLiveBackfillInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = rule_backfill_go_live(rule=rule, actor=request.user, **serializer.validated_data)
        return Response(RuleGoLiveBackfillOutputSerializer(record).data, status=status.HTTP_201_CREATED)
