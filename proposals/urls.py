from django.urls import path

from .views import actions
from .views import pages

app_name = "proposals"

urlpatterns = [
    path("", pages.strategy_list_view, name="list"),
    path("new/", pages.strategy_create_view, name="create"),
    path("search/", actions.search_view, name="search"),
    path("preview/", actions.markdown_preview_view, name="preview"),
    path("<int:pk>/", pages.strategy_detail_view, name="detail"),
    path("<int:pk>/edit/", pages.strategy_edit_view, name="edit"),
    path("<int:pk>/history/", pages.strategy_history_view, name="history"),
    path("<int:pk>/diff/", pages.strategy_diff_view, name="diff"),
    path("<int:pk>/revisions/<int:number>/", pages.revision_detail_view, name="revision"),
    path("<int:pk>/revisions/<int:number>/restore/", pages.revision_restore_view, name="restore"),
    path("<int:pk>/status/<slug:to_status>/", actions.transition_view, name="transition"),
    path("<int:pk>/vote/", actions.vote_view, name="vote"),
    path("<int:pk>/follow/", actions.follow_view, name="follow"),
    path("<int:pk>/comments/", actions.comment_create_view, name="comment"),
    path("comments/<int:pk>/edit/", actions.comment_edit_view, name="comment-edit"),
    path("comments/<int:pk>/hide/", actions.comment_hide_view, name="comment-hide"),
    path("comments/<int:pk>/history/", actions.comment_history_view, name="comment-history"),
]
