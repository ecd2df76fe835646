from django.urls import path
from rest_framework.routers import DefaultRouter

from rules_lifecycle.api import controls
from rules_lifecycle.api import evaluation
from rules_lifecycle.api import rules

router = DefaultRouter(trailing_slash=True)
router.include_format_suffixes = False  # no `/api/rules.json` twins: Accept and ?format= do it
router.include_root_view = False
router.register("rules", rules.RuleViewSet, basename="rule")

router.register("evaluation-runs", evaluation.EvaluationRunViewSet, basename="evaluation-run")
router.register("rule-evaluations", evaluation.RuleEvaluationViewSet, basename="rule-evaluation")

urlpatterns = [
    path("evaluation-portfolio/", evaluation.PortfolioView.as_view(), name="evaluation-portfolio"),
    path("rules/<int:pk>/control-advice/", controls.ControlAdviceView.as_view(), name="rule-control-advice"),
    *router.urls,
]
