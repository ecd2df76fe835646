from django.urls import path
from django.utils.translation import gettext_lazy as _

from cxops.views.pending import section_pending

app_name = "dashboard"

urlpatterns = [
    path(
        "",
        section_pending,
        {"title": _("Dashboard"), "description": _("Volumes, hot spots, funnels and consultation curves.")},
        name="overview",
    ),
]
