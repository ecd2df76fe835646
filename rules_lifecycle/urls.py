from django.urls import path

from rules_lifecycle.views import rules

app_name = "rules"

urlpatterns = [
    path("", rules.rule_board_view, name="board"),
    path("kanban/", rules.rule_kanban_view, name="kanban"),
    path("from-strategy/<int:strategy_pk>/", rules.rule_create_view, name="create"),
    path("<int:pk>/", rules.rule_detail_view, name="detail"),
    path("<int:pk>/edit/", rules.rule_edit_view, name="edit"),
    path("<int:pk>/move/", rules.rule_transition_view, name="transition"),
    path("<int:pk>/go-live/", rules.rule_go_live_view, name="go_live"),
    path("<int:pk>/follow/", rules.rule_follow_view, name="follow"),
]
