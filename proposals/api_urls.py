from django.urls import path
from rest_framework.routers import DefaultRouter

from .api.views import CommentViewSet
from .api.views import PoolSearchView
from .api.views import StrategyViewSet

router = DefaultRouter(trailing_slash=True)
router.include_format_suffixes = False  # no `/api/rules.json` twins: Accept and ?format= do it
router.include_root_view = False
router.register("strategies", StrategyViewSet, basename="strategy")
router.register("strategy-comments", CommentViewSet, basename="strategy-comment")

urlpatterns = [
    path("pool-search/", PoolSearchView.as_view(), name="pool-search"),
    *router.urls,
]
