"""Dashboard API: every number the dashboard pages show, and alert acknowledgement.

Read: analysts, managers and product owners.  Acknowledge: analysts and managers.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework import serializers
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cxops.api.inputs import StrictInputSerializer
from cxops.forms_period import PeriodForm
from cxops.forms_period import ProductPeriodForm
from cxops.models import AlertStatus
from cxops.models import HotSpotAlert
from cxops.models import Product
from cxops.models import Region
from cxops.presenters.dashboard import alert_data
from cxops.presenters.dashboard import overview_data
from cxops.presenters.dashboard import overview_figures
from cxops.presenters.dashboard import product_data
from cxops.presenters.dashboard import product_figures
from cxops.regions import user_region
from cxops.roles import Role
from cxops.roles import roles_permission
from cxops.selectors import dashboard as selectors
from cxops.selectors.dashboard import Period
from cxops.selectors.visibility import alerts_visible_to
from cxops.services.hotspots import hot_spot_alert_acknowledge

DashboardPermission = roles_permission(Role.ANALYST, safe_roles=[Role.ANALYST, Role.PRODUCT_OWNER])


# The query parameters are the dashboard pages' form fields (`cxops.forms_period`), read by the
# same forms; the descriptions are the API reference's.
_DESCRIPTIONS = {
    "start": "First local day (default: end − %(days)d days).",
    "end": "Last local day (default: today).",
    "region": "A city's code: that city's figures (a city member always gets their own city's).",
    "event": "Launch or campaign date for the consultation cycle (default: launch date).",
}


def _parameters(form_class: type[PeriodForm]) -> list[OpenApiParameter]:
    """The form's fields as the endpoint's documented query parameters."""
    return [
        OpenApiParameter(
            name,
            OpenApiTypes.DATE if isinstance(field, forms.DateField) else OpenApiTypes.STR,
            OpenApiParameter.QUERY,
            required=field.required,
            description=_DESCRIPTIONS[name] % {"days": form_class.default_days - 1},
        )
        for name, field in form_class.base_fields.items()
    ]


def _read(form: PeriodForm) -> dict[str, Any]:
    """The form's cleaned data, or a 400 with its (translated) messages by field."""
    if not form.is_valid():
        errors = form.errors.get_json_data()
        raise serializers.ValidationError(
            {
                ("non_field_errors" if name == "__all__" else name): [error["message"] for error in messages]
                for name, messages in errors.items()
            }
        )
    return form.cleaned_data


class OverviewView(APIView):
    """Volumes by source type / layer / stage / channel, daily volumes, top and rising issues,
    products ranked by consultations per 10,000 users per day, open alerts."""

    permission_classes = [DashboardPermission]

    @extend_schema(parameters=_parameters(PeriodForm), responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        data = _read(PeriodForm(request.query_params, user=request.user))
        period: Period = data["period"]
        region = user_region(request.user) or data.get("region")
        figures = overview_figures(period, region)
        alerts = selectors.dashboard_open_alerts(limit=50, user=request.user, region=region)
        return Response(overview_data(figures, alerts))


class ProductDashboardView(APIView):
    """A product's funnel and gap with its focus, consultation cycle and lifecycle curves (classified,
    with their figures), weekly consultations per user and weekly report volumes by layer."""

    permission_classes = [DashboardPermission]

    @extend_schema(parameters=_parameters(ProductPeriodForm), responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, code: str) -> Response:
        product = get_object_or_404(Product, code=code)
        data = _read(ProductPeriodForm(request.query_params, user=request.user))
        period: Period = data["period"]
        event = data.get("event") or product.launched_on
        region = user_region(request.user) or data.get("region")
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
