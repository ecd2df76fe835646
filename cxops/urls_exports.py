"""Exports of the main records (pages): `/exports/<dataset>.<csv|xlsx>?<the list's filters>`."""

from django.urls import re_path

from cxops.views import exports

app_name = "exports"

urlpatterns = [
    re_path(r"^(?P<dataset>[a-z_]+)\.(?P<ext>csv|xlsx)$", exports.export, name="file"),
]
