"""Ground-floor API routes.  Each domain module registers its own viewsets here."""

from rest_framework.routers import DefaultRouter

from . import notifications, reference

router = DefaultRouter()
router.register("products", reference.ProductViewSet, basename="product")
router.register("channels", reference.ChannelViewSet, basename="channel")
router.register("segments", reference.SegmentViewSet, basename="segment")
router.register("notifications", notifications.NotificationViewSet, basename="notification")

urlpatterns = router.urls
