"""Exports of the main records (pages): `/exports/<dataset>.<csv|xlsx>?<the list's filters>`, and
the background jobs of the large ones (progress page, its JSON, the file)."""

from django.urls import path
from django.urls import re_path

from cxops.views import exports

app_name = "exports"

urlpatterns = [
    re_path(r"^(?P<dataset>[a-z_]+)\.(?P<ext>csv|xlsx)$", exports.export, name="file"),
    path("jobs/<int:pk>/", exports.job_page, name="job"),
    path("jobs/<int:pk>/download/", exports.job_download, name="job-download"),
]
