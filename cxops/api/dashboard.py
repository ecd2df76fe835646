"""Dashboard API: every number the dashboard pages show, and alert acknowledgement.

Read: analysts, managers and product owners.  Acknowledge: analysts and managers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
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


def _plain(value: Any) -> Any:
    """Dataclasses, tuples and dates as JSON-friendly values; NaN as null."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _alert_dict(alert: HotSpotAlert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "signal": alert.signal,
        "issue": alert.issue_id,
        "issue_title": alert.issue.title if alert.issue is not None else None,
        "product": alert.product.code if alert.product is not None else None,
        # the province's code for a province-wide alert, a city's for a city's
        "region": alert.region.code,
        "region_level": "city" if alert.region.parent_id is not None else "province",
        "day": alert.day.isoformat(),
        "observed": alert.observed,
        "expected": alert.expected,
        "threshold": alert.threshold,
        "score": alert.score,
        "status": alert.status,
        "acknowledged_by": alert.acknowledged_by.username if alert.acknowledged_by is not None else None,
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        "note": alert.note,
    }


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
        region_id = region.pk if region is not None else None
        return Response(
            _plain(
                {
                    "period": {"start": period.start, "end": period.end},
                    "region": region.code if region is not None else None,
                    "volumes": selectors.dashboard_volumes(period=period, region_id=region_id),
                    "daily_by_source_type": selectors.dashboard_daily_volumes(
                        period=period, region_id=region_id
                    ),
                    # the province's reports by city (sums to the province's total); a city's view: []
                    "by_city": selectors.dashboard_city_ranking(period=period) if region is None else [],
                    "top_issues": selectors.dashboard_top_issues(period=period, region_id=region_id),
                    "rising_issues": selectors.dashboard_rising_issues(end=period.end, region_id=region_id),
                    "products_by_consultations_per_user": selectors.dashboard_product_ranking(period=period),
                    "open_alerts": [
                        _alert_dict(a)
                        for a in selectors.dashboard_open_alerts(limit=50, user=request.user, region=region)
                    ],
                }
            )
        )


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
        source = selectors.product_metric_source(product=product, region=region)
        funnel = selectors.product_funnel(product=product, period=period, source=source)
        analysis = funnel.analysis
        curves = selectors.product_curves(product=product, end=period.end, event=event, source=source)
        return Response(
            _plain(
                {
                    "product": {
                        "code": product.code,
                        "name": product.name,
                        "lifecycle_phase": product.lifecycle_phase,
                    },
                    "period": {"start": period.start, "end": period.end},
                    "region": region.code if region is not None else None,
                    # whose touchpoint figures the funnel and curves are: the city's, or the
                    # province's (null) — for a city when the product is not stored by city
                    "metrics_region": source.region.code if source.region is not None else None,
                    "metrics_province_fallback": source.province_fallback,
                    "funnel": {
                        "survey_start": funnel.survey_start,
                        "survey_end": funnel.survey_end,
                        "in_period": funnel.in_period,
                        "stages": [
                            {
                                "stage": s.stage,
                                "respondents": s.respondents,
                                "positive": s.positive,
                                "rate": s.rate,
                            }
                            for s in analysis.stages
                        ],
                        "drops": analysis.drops,
                        "gap": analysis.gap,
                        "gap_focus": analysis.gap_focus,
                        "phase_focus": analysis.phase_focus,
                    },
                    "consultation_cycle": {
                        "event": curves.event,
                        "curve": dataclasses.replace(curves.consultation, smoothed=())
                        if curves.consultation
                        else None,
                        "days": curves.consultation_days,
                        "consultations": curves.consultation_values,
                        "smoothed": curves.consultation.smoothed if curves.consultation else [],
                        "zones": curves.zones,
                    },
                    "lifecycle": {
                        "curve": dataclasses.replace(curves.lifecycle, smoothed=()),
                        "days": curves.lifecycle_days,
                        "users": curves.users,
                        "consultations": curves.consultations,
                    },
                    "consultations_per_10k_users_weekly": selectors.product_consultations_per_user(
                        product=product, period=period, source=source
                    ),
                    "reports_by_layer_weekly": selectors.product_layer_volumes(
                        product=product, period=period, region_id=region.pk if region is not None else None
                    ),
                    "open_alerts": [
                        _alert_dict(a)
                        for a in selectors.dashboard_open_alerts(
                            product_id=product.pk, user=request.user, region=region
                        )
                    ],
                }
            )
        )


class AlertOutputSerializer(serializers.Serializer):
    def to_representation(self, instance: HotSpotAlert) -> dict[str, Any]:
        return _alert_dict(instance)


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
        return Response(_alert_dict(alert))
