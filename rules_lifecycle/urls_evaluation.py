from django.urls import path
from django.utils.translation import gettext_lazy as _

from cxops.views.pending import section_pending

app_name = "evaluation"

urlpatterns = [
    path(
        "",
        section_pending,
        {
            "title": _("Effectiveness"),
            "description": _("Every live rule scored on activity, complaint rate and satisfaction."),
        },
        name="review",
    ),
]
