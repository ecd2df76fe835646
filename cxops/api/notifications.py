from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework import serializers
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cxops.api.inputs import StrictInputSerializer
from cxops.models import Notification
from cxops.models import NotificationKind
from cxops.models import NotificationSettings
from cxops.services.notifications import Channels
from cxops.services.notifications import notification_mark_read
from cxops.services.notifications import notification_preferences
from cxops.services.notifications import notification_preferences_set


class NotificationOutputSerializer(serializers.ModelSerializer):
    # In the caller's language (Accept-Language) when the notification stores its event.
    title = serializers.CharField(source="rendered_title", read_only=True)
    body = serializers.CharField(source="rendered_body", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]


class MarkReadInputSerializer(StrictInputSerializer):
    # Bounded to the id column's range: a larger integer overflowed the database driver (a 500).
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=1000
    )


class ChannelsSerializer(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()
    digest = serializers.BooleanField()


class PreferencesInputSerializer(StrictInputSerializer):
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    preferences = serializers.ListField(
        child=ChannelsSerializer(), required=False, max_length=len(NotificationKind.values)
    )

    def validate_preferences(self, value: list[dict]) -> list[dict]:
        kinds = [item["kind"] for item in value]
        if len(kinds) != len(set(kinds)):
            raise serializers.ValidationError("Each kind at most once.")
        return value


class PreferenceOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()
    digest = serializers.BooleanField()


class PreferencesOutputSerializer(serializers.Serializer):
    language = serializers.CharField()
    preferences = PreferenceOutputSerializer(many=True)


def _preferences_body(user) -> dict:
    stored = NotificationSettings.objects.filter(user=user).first()
    labels = dict(NotificationKind.choices)
    return {
        "language": stored.language if stored else settings.LANGUAGE_CODE,
        "preferences": [
            {"kind": kind, "kind_label": str(labels[kind]), **vars(channels)}
            for kind, channels in notification_preferences(user=user).items()
        ],
    }


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in user's own notifications (those they chose to see in the bell)."""

    serializer_class = NotificationOutputSerializer
    queryset = Notification.objects.none()
    filterset_fields = {"read_at": ["isnull"], "kind": ["exact"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user, in_app=True)

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


class NotificationPreferencesView(APIView):
    """The signed-in user's own notification preferences.  A view of its own, not an action of the
    notifications' viewset: that one's serializer and `get_object` (by id) are not this answer's,
    and the browsable API and OPTIONS, which read them, answered 500."""

    @extend_schema(responses={200: PreferencesOutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(PreferencesOutputSerializer(_preferences_body(request.user)).data)

    @extend_schema(
        request=PreferencesInputSerializer,
        responses={200: PreferencesOutputSerializer},
        description="Your channels for each kind of notification (in the bell, an e-mail each, the "
        "daily digest) and the language of your e-mails.  PUT changes the kinds it lists; the others "
        "keep theirs.",
    )
    def put(self, request: Request) -> Response:
        serializer = PreferencesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        notification_preferences_set(
            user=request.user,
            preferences={
                item["kind"]: Channels(in_app=item["in_app"], email=item["email"], digest=item["digest"])
                for item in data.get("preferences", [])
            },
            language=data.get("language"),
        )
        return self.get(request)
