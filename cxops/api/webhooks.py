"""`/api/webhooks/`: subscriptions (administrators), their delivery log and redeliver.

The secret is write-only: it is never answered.  Writes go through `cxops.services.webhooks`.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework import serializers
from rest_framework import status
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cxops.api.inputs import StrictInputSerializer
from cxops.models import DeliveryStatus
from cxops.models import Product
from cxops.models import Region
from cxops.models import WebhookDelivery
from cxops.models import WebhookEvent
from cxops.models import WebhookFormat
from cxops.models import WebhookSubscription
from cxops.models.choices import Severity
from cxops.roles import Role
from cxops.roles import roles_permission
from cxops.services.webhooks import webhook_redeliver
from cxops.services.webhooks import webhook_subscription_delete
from cxops.services.webhooks import webhook_subscription_save

AdminOnly = roles_permission(Role.ADMIN)


class SubscriptionInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=100)
    target_url = serializers.CharField(max_length=1000)
    format = serializers.ChoiceField(choices=WebhookFormat.choices, default=WebhookFormat.GENERIC)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), max_length=10)
    secret = serializers.CharField(max_length=200, required=False, allow_blank=True, write_only=True)
    active = serializers.BooleanField(default=True)
    products = serializers.ListField(
        child=serializers.SlugField(max_length=50), required=False, default=list, max_length=500
    )
    severities = serializers.ListField(
        child=serializers.ChoiceField(choices=Severity.choices), required=False, default=list, max_length=4
    )
    regions = serializers.ListField(
        child=serializers.SlugField(max_length=50),
        required=False,
        default=list,
        max_length=100,
        help_text="City codes: only those cities' events and the province-wide ones; empty: every region.",
    )

    def validate_regions(self, codes: list[str]) -> list[Region]:
        found = {
            region.code: region for region in Region.objects.filter(code__in=codes, parent__isnull=False)
        }
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise serializers.ValidationError(f"unknown city: {', '.join(unknown)[:200]}")
        return [found[code] for code in dict.fromkeys(codes)]

    def validate_products(self, codes: list[str]) -> list[Product]:
        found = {product.code: product for product in Product.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise serializers.ValidationError(f"unknown product: {', '.join(unknown)[:200]}")
        return [found[code] for code in dict.fromkeys(codes)]


class SubscriptionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    target_url = serializers.CharField()
    format = serializers.ChoiceField(choices=WebhookFormat.choices)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))
    active = serializers.BooleanField()
    products = serializers.SerializerMethodField()
    severities = serializers.ListField(child=serializers.IntegerField())
    regions = serializers.SerializerMethodField()
    has_secret = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_products(self, subscription: WebhookSubscription) -> list[str]:
        return sorted(product.code for product in subscription.products.all())

    def get_regions(self, subscription: WebhookSubscription) -> list[str]:
        return [
            region.code for region in sorted(subscription.regions.all(), key=lambda r: (r.sort_order, r.code))
        ]

    def get_has_secret(self, subscription: WebhookSubscription) -> bool:
        return bool(subscription.secret)


class DeliveryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uuid = serializers.UUIDField()
    event_id = serializers.UUIDField()
    event = serializers.ChoiceField(choices=WebhookEvent.choices)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    response_code = serializers.IntegerField(allow_null=True)
    duration_ms = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    redelivery_of = serializers.IntegerField(source="redelivery_of_id", allow_null=True)


class WebhookViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Webhook and IM-robot subscriptions.  Targets on private addresses are refused (400) unless
    allow-listed by the operator.  `deliveries/` is the delivery log, newest first."""

    permission_classes = [AdminOnly]
    serializer_class = SubscriptionOutputSerializer
    queryset = WebhookSubscription.objects.none()

    def get_queryset(self):
        return WebhookSubscription.objects.prefetch_related("products", "regions").order_by("pk")

    def _save(self, request: Request, subscription: WebhookSubscription | None) -> WebhookSubscription:
        serializer = SubscriptionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        return webhook_subscription_save(
            actor=request.user,
            subscription=subscription,
            **{**data, "severities": [int(value) for value in data["severities"]]},
        )

    @extend_schema(request=SubscriptionInputSerializer, responses={201: SubscriptionOutputSerializer})
    def create(self, request: Request) -> Response:
        subscription = self._save(request, None)
        return Response(SubscriptionOutputSerializer(subscription).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SubscriptionInputSerializer,
        responses={200: SubscriptionOutputSerializer},
        description="Replace a subscription.  An empty or missing secret keeps the current one.",
    )
    def update(self, request: Request, pk: str | None = None) -> Response:
        subscription = self._save(request, self.get_object())
        return Response(SubscriptionOutputSerializer(subscription).data)

    def perform_destroy(self, instance: WebhookSubscription) -> None:
        webhook_subscription_delete(actor=self.request.user, subscription=instance)

    @extend_schema(responses={200: DeliveryOutputSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        subscription = self.get_object()
        queryset = subscription.deliveries.all()
        status_filter = request.query_params.get("status")
        if status_filter in DeliveryStatus.values:
            queryset = queryset.filter(status=status_filter)
        page = self.paginate_queryset(queryset)
        if page is not None:
            return self.get_paginated_response(DeliveryOutputSerializer(page, many=True).data)
        return Response(DeliveryOutputSerializer(queryset[:100], many=True).data)

    @extend_schema(request=None, responses={202: DeliveryOutputSerializer})
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_pk>\d+)/redeliver")
    def redeliver(self, request: Request, pk: str | None = None, delivery_pk: str | None = None) -> Response:
        subscription = self.get_object()
        delivery = get_object_or_404(WebhookDelivery, pk=delivery_pk, subscription=subscription)
        again = webhook_redeliver(actor=request.user, delivery=delivery)
        return Response(DeliveryOutputSerializer(again).data, status=status.HTTP_202_ACCEPTED)
