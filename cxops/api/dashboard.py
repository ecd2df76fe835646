"""Dashboard API: every number the dashboard pages show, and alert acknowledgement.

Read: analysts, managers and product owners.  Acknowledge: analysts and managers.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cxops.api.inputs import DayField, StrictInputSerializer
from cxops.models import AlertStatus, HotSpotAlert, Product, Region
from cxops.presenters.dashboard import (
    alert_data,
    overview_data,
    overview_figures,
    product_data,
    product_figures,
)
from cxops.regions import user_region
from cxops.roles import Role, roles_permission
from cxops.selectors import dashboard as selectors
from cxops.selectors.dashboard import Period
from cxops.selectors.visibility import alerts_visible_to
from cxops.services.hotspots import hot_spot_alert_acknowledge

DashboardPermission = roles_permission(Role.ANALYST, safe_roles=[Role.ANALYST, Role.PRODUCT_OWNER])


class PeriodInputSerializer(serializers.Serializer):
    start = DayField(required=False, help_text="First local day (default: end − 27 days).")
    end = DayField(required=False, help_text="Last local day (default: today).")
    region = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.filter(parent__isnull=False),
        required=False,
        help_text="A city's code: that city's figures (a city member always gets their own city's).",
    )

    default_days = 28

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["period"] = Period.asked(
                start=attrs.get("start"), end=attrs.get("end"), default_days=self.default_days
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError({"start": error.messages}) from None
        return attrs


class ProductInputSerializer(PeriodInputSerializer):
    event = DayField(
        required=False, help_text="Launch or campaign date for the consultation cycle (default: launch date)."
    )
    default_days = 365


class OverviewView(APIView):
    """Volumes by source type / layer / stage / channel, daily volumes, top and rising issues,
    products ranked by consultations per 10,000 users per day, open alerts."""

    permission_classes = [DashboardPermission]

    @extend_schema(parameters=[PeriodInputSerializer], responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        serializer = PeriodInputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        period: Period = serializer.validated_data["period"]
        region = user_region(request.user) or serializer.validated_data.get("region")
        figures = overview_figures(period, region)
        alerts = selectors.dashboard_open_alerts(limit=50, user=request.user, region=region)
        return Response(overview_data(figures, alerts))


class ProductDashboardView(APIView):
    """A product's funnel and gap with its focus, consultation cycle and lifecycle curves (classified,
    with their figures), weekly consultations per user and weekly report volumes by layer."""

    permission_classes = [DashboardPermission]

    @extend_schema(parameters=[ProductInputSerializer], responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, code: str) -> Response:
        product = get_object_or_404(Product, code=code)
        serializer = ProductInputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        period: Period = serializer.validated_data["period"]
        event = serializer.validated_data.get("event") or product.launched_on
        region = user_region(request.user) or serializer.validated_data.get("region")
        figures = product_figures(product, period, event, region)
        alerts = selectors.dashboard_open_alerts(product_id=product.pk, user=request.user, region=region)
        return Response(product_data(figures, alerts))


class AlertOutputSerializer(serializers.Serializer):
    def to_representation(self, instance: HotSpotAlert) -> dict[str, Any]:
        return alert_data(instance)


class AcknowledgeInputSerializer(StrictInputSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class AlertFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[*AlertStatus.choices, ("all", "all")], required=False)
    region = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        required=False,
        help_text="A city's code: that city's alerts; the province's code: the province-wide alerts.",
    )


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Hot-spot alerts the caller may read, newest first; `?status=open|acknowledged`,
    `?region=<code>`.  A city member reads their city's and the province-wide alerts; another
    city's alert answers 404 and filtering by another city gives an empty list."""

    permission_classes = [DashboardPermission]
    serializer_class = AlertOutputSerializer
    queryset = HotSpotAlert.objects.none()

    def get_queryset(self):
        queryset = alerts_visible_to(self.request.user).order_by("-day", "-id")
        if self.action != "list":
            return queryset
        filters = AlertFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        status = filters.validated_data.get("status")
        if status in AlertStatus.values:
            queryset = queryset.filter(status=status)
        region = filters.validated_data.get("region")
        if region is not None:
            queryset = queryset.filter(region_id=region.pk)
        return queryset

    @extend_schema(parameters=[AlertFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=AcknowledgeInputSerializer, responses={200: AlertOutputSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        serializer = AcknowledgeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alert = hot_spot_alert_acknowledge(
            actor=request.user, alert=self.get_object(), note=serializer.validated_data.get("note", "")
        )
        return Response(alert_data(alert))
