"""Exports of the main records (pages and API alike): `/exports/<dataset>.<csv|xlsx>` and
`/api/exports/<dataset>.<csv|xlsx>`, with the list's filters in the query string.

CSV is streamed row by row, any size.  XLSX is written to a temporary file first and is refused
above settings.CXOPS_EXPORT_XLSX_MAX_ROWS (the answer says to narrow the filters or take the
CSV).  Every export is one line in the audit log.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.views import APIView

from cxops.exports import csv_streaming_response, xlsx_response
from cxops.roles import has_role
from cxops.selectors.exports import export_dataset, export_datasets
from cxops.selectors.reports import bounded_count

EXTENSIONS = ("csv", "xlsx")


class ExportRefused(Exception):
    pass


def export_response(*, user: Any, dataset_name: str, ext: str, params: Any) -> Any:
    """The file for `dataset_name` as `user` may see it.  Raises Http404 (no such dataset or
    format), PermissionDenied (role), ValidationError (a filter) or ExportRefused (too big)."""
    from cxops.services.audit import AuditAction, audit_record

    dataset = export_dataset(dataset_name)
    if dataset is None or ext not in EXTENSIONS:
        raise Http404
    if not has_role(user, *dataset.roles):
        raise PermissionDenied
    header, rows, queryset = dataset.build(user, params)
    if ext == "xlsx":
        limit = settings.CXOPS_EXPORT_XLSX_MAX_ROWS
        _count, too_many = bounded_count(queryset, limit=limit)
        if too_many:
            raise ExportRefused(
                _("More than %(limit)s rows: narrow the filters, or export CSV (any size).")
                % {"limit": limit}
            )
    filters = "&".join(f"{key}={value}" for key, value in sorted(params.items()) if value)[:400]
    audit_record(actor=user, action=AuditAction.EXPORTED, summary=f"{dataset_name}.{ext} {filters}".strip())
    filename = f"{dataset.title}-{timezone.localdate():%Y%m%d}.{ext}"
    if ext == "csv":
        return csv_streaming_response(filename, header, rows)
    return xlsx_response(filename, header, rows, sheet_title=str(dataset.title))


@require_http_methods(["GET", "HEAD"])
def export(request: HttpRequest, dataset: str, ext: str) -> HttpResponse:
    try:
        return export_response(user=request.user, dataset_name=dataset, ext=ext, params=request.GET)
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages), content_type="text/plain; charset=utf-8")
    except ExportRefused as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


class ExportView(APIView):
    """A dataset as a CSV (streamed, any size) or XLSX file, filtered like its list and limited to
    what the caller may see."""

    @extend_schema(
        parameters=[
            OpenApiParameter(name, str, required=False)
            for name in (
                "product",
                "channel",
                "region",
                "status",
                "layer",
                "stage",
                "source_type",
                "text",
                "q",
            )
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
                OpenApiTypes.BINARY
            ),
        },
        description="Datasets: " + ", ".join(d.name for d in export_datasets()) + ".",
    )
    def get(self, request: Request, dataset: str, ext: str) -> Any:
        try:
            return export_response(
                user=request.user, dataset_name=dataset, ext=ext, params=request.query_params
            )
        except ExportRefused as error:
            raise exceptions.ValidationError({"detail": str(error)}) from error
