"""Exports of the main records (pages and API alike): `/exports/<dataset>.<csv|xlsx>` and
`/api/exports/<dataset>.<csv|xlsx>`, with the list's filters in the query string.

Up to settings.CXOPS_EXPORT_BACKGROUND_ROWS rows the file is the response: CSV streamed row by
row, XLSX written to a temporary file first.  Above it the export becomes a background job
(`cxops.services.export_jobs`): the page redirects to the job's progress page, the API answers 202
with the job; the creator is notified when the file is ready and alone may download it.  XLSX above
settings.CXOPS_EXPORT_XLSX_MAX_ROWS (a sheet's limit) is refused: the answer says to narrow the
filters or take the CSV.  Every export is one line in the audit log.

A background job is work started on the user's behalf, so only the user starts one: a click on a
cxops page (the browser's `Sec-Fetch-Site` is same-origin, or absent as from API clients) or a POST.
A link followed from another site or mail, a prefetch and a HEAD (link checkers) start nothing: the
page asks to confirm with a button (a POST), the API refuses with how to start it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseBadRequest
from django.http import JsonResponse
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cxops.exports import XLSX_CONTENT_TYPE
from cxops.exports import attachment_disposition
from cxops.exports import csv_streaming_response
from cxops.exports import xlsx_response
from cxops.models import ExportJob
from cxops.models import ExportJobStatus
from cxops.roles import has_role
from cxops.selectors.exports import export_dataset
from cxops.selectors.exports import export_datasets
from cxops.selectors.reports import bounded_count
from cxops.services.audit import AuditAction
from cxops.services.audit import audit_record
from cxops.services.export_jobs import export_job_start

EXTENSIONS = ("csv", "xlsx")
FILTER_PARAMETERS = ("product", "channel", "region", "status", "layer", "stage", "source_type", "text", "q")


class ExportRefused(Exception):
    pass


class ExportNotStarted(Exception):
    """Large enough for a background job, asked for by a request that may not start one."""


def may_start_work(request: Any) -> bool:
    """Whether a safe-method request may start background work: not a HEAD, not a prefetch, and not
    sent from another site (Fetch Metadata; browsers that send none, and API clients, may)."""
    if request.method == "HEAD":
        return False
    if request.headers.get("Sec-Fetch-Site", "") in ("cross-site", "same-site"):
        return False
    purpose = f"{request.headers.get('Sec-Purpose', '')} {request.headers.get('Purpose', '')}".lower()
    return "prefetch" not in purpose and "prerender" not in purpose


def _plain(params: Any, names: Sequence[str]) -> dict[str, str]:
    """The dataset's own filters of the query string, one value per key, for storing with a job:
    a link's other keys (utm_source=…) do not make the same export a second one."""
    items = params.dict() if hasattr(params, "dict") else dict(params)
    return {str(key)[:40]: str(value)[:200] for key, value in sorted(items.items()) if value and key in names}


def export_response(
    *, user: Any, dataset_name: str, ext: str, params: Any, start: bool = True, audit: bool = True
) -> Any:
    """The file for `dataset_name` as `user` may see it, or (large) an `ExportJob` queued for it.
    Raises Http404 (no such dataset or format), PermissionDenied (role), ValidationError (a
    filter), ExportRefused (too big for XLSX) or ExportNotStarted (large, and `start` is false).
    `audit`: false for a HEAD, which downloads nothing."""
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
    threshold = settings.CXOPS_EXPORT_BACKGROUND_ROWS
    _count, large = bounded_count(queryset, limit=threshold)
    if large:
        if not start:
            raise ExportNotStarted
        job = export_job_start(
            user=user, dataset_name=dataset_name, file_format=ext, params=_plain(params, dataset.filters)
        )
        audit_record(
            actor=user,
            action=AuditAction.EXPORTED,
            summary=f"{dataset_name}.{ext} {filters} (background job #{job.pk})".strip(),
        )
        return job
    if audit:
        audit_record(
            actor=user, action=AuditAction.EXPORTED, summary=f"{dataset_name}.{ext} {filters}".strip()
        )
    filename = f"{dataset.title}-{timezone.localdate():%Y%m%d}.{ext}"
    if ext == "csv":
        return csv_streaming_response(filename, header, rows)
    return xlsx_response(filename, header, rows, sheet_title=str(dataset.title))


def export_for(request: Any, dataset: str, ext: str, params: Any) -> Any:
    """`export_response` for a page's or the API's request: a POST always may start a background
    job, a GET when `may_start_work`; the filters are the query string's, for POST too."""
    return export_response(
        user=request.user,
        dataset_name=dataset,
        ext=ext,
        params=params,
        start=request.method == "POST" or may_start_work(request),
        audit=request.method != "HEAD",
    )


@require_http_methods(["GET", "HEAD", "POST"])
def export(request: HttpRequest, dataset: str, ext: str) -> HttpResponse:
    """The file, or its background job; POST is the confirm page's button."""
    try:
        answer = export_for(request, dataset, ext, request.GET)
        if isinstance(answer, ExportJob):
            return redirect("exports:job", pk=answer.pk)
        return answer
    except ExportNotStarted:
        found = export_dataset(dataset)
        return render(
            request,
            "cxops/export_confirm.html",
            {
                "dataset_title": found.title if found else dataset,
                "ext": ext,
                "action": request.get_full_path(),
                "threshold": settings.CXOPS_EXPORT_BACKGROUND_ROWS,
            },
        )
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages), content_type="text/plain; charset=utf-8")
    except ExportRefused as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


class ExportView(APIView):
    """A dataset as a CSV (streamed, any size) or XLSX file, filtered like its list and limited to
    what the caller may see."""

    @extend_schema(
        parameters=[OpenApiParameter(name, str, required=False) for name in FILTER_PARAMETERS],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
                OpenApiTypes.BINARY
            ),
        },
        description="Datasets: " + ", ".join(d.name for d in export_datasets()) + ".",
    )
    def get(self, request: Request, dataset: str, ext: str) -> Any:
        return self._answer(request, dataset, ext)

    @extend_schema(
        parameters=[OpenApiParameter(name, str, required=False) for name in FILTER_PARAMETERS],
        request=None,
        responses={202: OpenApiTypes.OBJECT},
        description="Start a background export (above the download threshold), whatever the page "
        "that sends it: the filters are the query string's.",
    )
    def post(self, request: Request, dataset: str, ext: str) -> Any:
        return self._answer(request, dataset, ext)

    def _answer(self, request: Request, dataset: str, ext: str) -> Any:
        try:
            answer = export_for(request, dataset, ext, request.query_params)
        except ExportRefused as error:
            raise exceptions.ValidationError({"detail": str(error)}) from error
        except ExportNotStarted as error:
            raise exceptions.PermissionDenied(
                _(
                    "This export is large and runs in the background, which a link from another "
                    "site or a prefetch does not start: send POST to this address, or start it in cxops."
                )
            ) from error
        if isinstance(answer, ExportJob):
            url = reverse("api-export-job", args=[answer.pk])
            return Response(job_body(answer, request=request), status=202, headers={"Location": url})
        return answer


def _job_for(user: Any, pk: int) -> ExportJob:
    """The job if `user` created it; anyone else's (or none) is a 404 (their existence is not told)."""
    job = ExportJob.objects.filter(pk=pk, created_by=user).first()
    if job is None:
        raise Http404
    return job


def job_body(job: ExportJob, *, request: Any = None) -> dict[str, Any]:
    done = job.status == ExportJobStatus.DONE and bool(job.file)
    return {
        "id": job.pk,
        "dataset": job.dataset,
        "format": job.file_format,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "total_rows": job.total_rows,
        "rows_written": job.rows_written,
        "percent": job.percent,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "error": job.error if job.status == ExportJobStatus.FAILED else "",
        "download_url": reverse("exports:job-download", args=[job.pk]) if done else None,
    }


@require_http_methods(["GET", "HEAD"])
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request.user, pk)
    if request.GET.get("format") == "json":
        return JsonResponse(job_body(job))
    dataset = export_dataset(job.dataset)
    return render(
        request,
        "cxops/export_job.html",
        {
            "job": job,
            "body": job_body(job),
            "dataset_title": dataset.title if dataset else job.dataset,
            "keep_days": settings.CXOPS_EXPORT_JOB_KEEP_DAYS,
        },
    )


@require_http_methods(["GET", "HEAD"])
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file, to its creator only; 404 before it is ready and after it was purged."""
    job = _job_for(request.user, pk)
    if job.status != ExportJobStatus.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    content_type = "text/csv; charset=utf-8" if job.file_format == "csv" else XLSX_CONTENT_TYPE
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = attachment_disposition(
        job.filename or job.file.name, f"export.{job.file_format}"
    )
    return response


class ExportJobView(APIView):
    """A background export's progress (yours only); `download_url` once it is ready."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        return Response(job_body(_job_for(request.user, pk), request=request))


class ExportJobDownloadView(APIView):
    """A background export's file (yours only)."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request: Request, pk: int) -> Any:
        return job_download(request._request, pk)
