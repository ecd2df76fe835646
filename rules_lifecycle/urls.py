from django.urls import path
from django.utils.translation import gettext_lazy as _

from cxops.views.pending import section_pending

app_name = "rules"

urlpatterns = [
    path(
        "",
        section_pending,
        {"title": _("Rules"), "description": _("Experience rules from adoption to retirement.")},
        name="board",
    ),
]
