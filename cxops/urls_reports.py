from django.urls import path
from django.utils.translation import gettext_lazy as _

from cxops.views.pending import section_pending

app_name = "reports"

urlpatterns = [
    path(
        "",
        section_pending,
        {
            "title": _("Sense"),
            "description": _("File experience reports, import them in bulk, and triage them into issues."),
        },
        name="file",
    ),
]
