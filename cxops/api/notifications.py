from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cxops.api.inputs import StrictInputSerializer
from cxops.models import Notification
from cxops.services.notifications import notification_mark_read


class NotificationOutputSerializer(serializers.ModelSerializer):
    # In the caller's language (Accept-Language) when the notification stores its event.
    title = serializers.CharField(source="rendered_title", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]


class MarkReadInputSerializer(StrictInputSerializer):
    # Bounded to the id column's range: a larger integer overflowed the database driver (a 500).
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=1000
    )


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in user's own notifications."""

    serializer_class = NotificationOutputSerializer
    queryset = Notification.objects.none()
    filterset_fields = {"read_at": ["isnull"], "kind": ["exact"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user)

    @extend_schema(
        request=MarkReadInputSerializer,
        responses={200: {"type": "object", "properties": {"marked": {"type": "integer"}}}},
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request: Request) -> Response:
        serializer = MarkReadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        marked = notification_mark_read(
            user=request.user, notification_ids=serializer.validated_data.get("ids")
        )
        return Response({"marked": marked})
