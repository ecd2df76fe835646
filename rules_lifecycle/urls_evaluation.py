from django.urls import path

from rules_lifecycle.views import evaluation

app_name = "evaluation"

urlpatterns = [
    path("", evaluation.evaluation_review_view, name="review"),
    path("run/", evaluation.evaluation_run_all_view, name="run_all"),
    path("rules/<int:pk>/", evaluation.evaluation_rule_view, name="rule"),
    path("rules/<int:pk>/run/", evaluation.evaluation_run_rule_view, name="run_rule"),
    path("rules/<int:pk>/decide/", evaluation.evaluation_decide_view, name="decide"),
    path("rules/<int:pk>/controls/", evaluation.rule_controls_view, name="controls"),
]
