"""The rules' pages: the board, a rule's life (/rules/, namespace `rules`) and its evaluation
(/evaluation/, namespace `evaluation`)."""

from django.urls import include
from django.urls import path

from rules_lifecycle.views import evaluation
from rules_lifecycle.views import rules

rule_urls = [
    path("", rules.rule_board_view, name="board"),
    path("kanban/", rules.rule_kanban_view, name="kanban"),
    path("from-strategy/<int:strategy_pk>/", rules.rule_create_view, name="create"),
    path("<int:pk>/", rules.rule_detail_view, name="detail"),
    path("<int:pk>/edit/", rules.rule_edit_view, name="edit"),
    path("<int:pk>/move/", rules.rule_transition_view, name="transition"),
    path("<int:pk>/go-live/", rules.rule_go_live_view, name="go_live"),
    path("<int:pk>/follow/", rules.rule_follow_view, name="follow"),
]

evaluation_urls = [
    path("", evaluation.evaluation_review_view, name="review"),
    path("run/", evaluation.evaluation_run_all_view, name="run_all"),
    path("rules/<int:pk>/", evaluation.evaluation_rule_view, name="rule"),
    path("rules/<int:pk>/run/", evaluation.evaluation_run_rule_view, name="run_rule"),
    path("rules/<int:pk>/decide/", evaluation.evaluation_decide_view, name="decide"),
    path("rules/<int:pk>/controls/", evaluation.rule_controls_view, name="controls"),
]

# Mounted at the site's root (`cxops/urls.py` names this module as a string, the floors' rule): only
# these two prefixed includes belong here, so that nothing of this app can shadow another's path.
urlpatterns = [
    path("rules/", include((rule_urls, "rules"))),
    path("evaluation/", include((evaluation_urls, "evaluation"))),
]
