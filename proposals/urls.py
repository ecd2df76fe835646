from django.urls import path
from django.utils.translation import gettext_lazy as _

from cxops.views.pending import section_pending

app_name = "proposals"

urlpatterns = [
    path(
        "",
        section_pending,
        {
            "title": _("Strategy pool"),
            "description": _("Improvement strategies discussed as wiki pages, with votes."),
        },
        name="list",
    ),
]
