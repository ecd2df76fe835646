"""CSV imports (analysts): upload, map columns and values with a preview, run, watch, download rejects.

Generic over import kinds: the page asks the job's handler for its fields and value targets.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import JsonResponse
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.http import require_POST

from cxops.errors import ApplicationError
from cxops.forms_reports import ImportUploadForm
from cxops.inputs import parse_id
from cxops.links import list_query
from cxops.models import ImportJob
from cxops.models import ImportKind
from cxops.models import ImportMapping
from cxops.models import ImportStatus
from cxops.roles import Role
from cxops.roles import role_required
from cxops.selectors.reports import import_jobs_visible_to
from cxops.selectors.reports import keyset_page
from cxops.services.audit import AuditAction
from cxops.services.audit import audit_record
from cxops.services.imports.core import available_kinds
from cxops.services.imports.core import handler_for
from cxops.services.imports.core import import_job_create
from cxops.services.imports.core import import_job_preview
from cxops.services.imports.core import import_job_set_mapping
from cxops.services.imports.core import import_job_start
from cxops.services.imports.core import rejected_rows_csv
from cxops.services.imports.recovery import import_job_resume

JOB_FIELDS = [
    "pk",
    "kind",
    "source_system",
    "status",
    "original_name",
    "size_bytes",
    "total_lines",
    "processed_lines",
    "rows_seen",
    "inserted",
    "duplicates",
    "rejected",
    "error",
    "created_by",
    "created_at",
    "started_at",
    "finished_at",
    "header",
    "column_map",
    "value_maps",
    "encoding",
    "attempts",
    "source_path",
    "heartbeat_at",
    "recoveries",
]


def _jobs(user):  # noqa: ANN001, ANN202 — a queryset that never loads the file itself

    return import_jobs_visible_to(user, ImportJob.objects.only(*JOB_FIELDS).select_related("created_by"))


@role_required(Role.ANALYST)
def imports(request: HttpRequest) -> HttpResponse:
    kinds = available_kinds()
    kind = request.GET.get("kind") or request.POST.get("kind") or ImportKind.REPORTS
    if kind not in kinds:
        kind = ImportKind.REPORTS
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = import_job_create(
                    actor=request.user,
                    kind=kind,
                    source_system=form.cleaned_data["source_system"],
                    original_name=upload.name,
                    upload=upload,
                )
            except ApplicationError as error:
                form.add_error("file", error.message)
            else:
                return redirect("reports:import", pk=job.pk)
    else:
        form = ImportUploadForm()
    page = keyset_page(_jobs(request.user), before=parse_id(request.GET.get("before")), size=20)
    handler = handler_for(kind)
    return render(
        request,
        "cxops/imports/list.html",
        {
            "form": form,
            "page": page,
            "kind": kind,
            "kinds": [(value, label) for value, label in ImportKind.choices if value in kinds],
            "fields": handler.fields,
            "source_systems": ImportMapping.objects.filter(kind=kind).values_list("source_system", flat=True),
            "filter_query": list_query(request).urlencode(),
        },
    )


@role_required(Role.ANALYST)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(_jobs(request.user), pk=pk)
    context: dict = {"title": job.original_name, "job": job}
    if job.status == ImportStatus.MAPPING:
        handler = handler_for(job.kind)
        handler.configure(source_system=job.source_system, value_maps=job.value_maps)
        handler.prepare(job=None)
        preview = import_job_preview(job=job)
        fields = []
        for target in handler.fields:
            mapping = job.value_maps.get(target.name, {})
            values = []
            if target.value_mapped:
                sources = [
                    *preview.unresolved.get(target.name, []),
                    *[s for s in mapping if s and s not in preview.unresolved.get(target.name, [])],
                ]
                values = [{"source": source, "target": mapping.get(source, "")} for source in sources]
            fields.append(
                {
                    "target": target,
                    "column": job.column_map.get(target.name, ""),
                    "default": mapping.get("", ""),
                    "values": values,
                    "targets": handler.value_targets(target.name) if target.value_mapped else [],
                }
            )
        context.update(
            {
                "preview": preview,
                "fields": fields,
                "preview_columns": [f["target"] for f in fields if f["column"]],
            }
        )
    else:
        context["rejected_sample"] = list(job.rejected_rows.order_by("line")[:20])
        context["can_resume"] = job.is_resumable and job.may_resume(request.user)
    return render(request, "cxops/imports/detail.html", context)


@require_POST
@role_required(Role.ANALYST)
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(_jobs(request.user), pk=pk)
    handler = handler_for(job.kind)
    column_map = {}
    value_maps: dict[str, dict[str, str]] = {}
    for target in handler.fields:
        column = request.POST.get(f"column__{target.name}", "")
        if column:
            column_map[target.name] = column
        if not target.value_mapped:
            continue
        mapping: dict[str, str] = {}
        default = request.POST.get(f"default__{target.name}", "")
        if default:
            mapping[""] = default
        sources = request.POST.getlist(f"source__{target.name}")
        targets = request.POST.getlist(f"target__{target.name}")
        for source, value in zip(sources, targets, strict=False):
            if source and value:
                mapping[source] = value
        if mapping:
            value_maps[target.name] = mapping
    return _job_step(
        request,
        job,
        lambda: import_job_set_mapping(
            actor=request.user, job=job, column_map=column_map, value_maps=value_maps
        ),
        _("Mapping saved for %(source)s. Check the preview below.") % {"source": job.source_system},
    )


@require_POST
@role_required(Role.ANALYST)
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(_jobs(request.user), pk=pk)
    return _job_step(request, job, lambda: import_job_start(actor=request.user, job=job))


@require_POST
@role_required(Role.ANALYST)
def import_resume(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(_jobs(request.user), pk=pk)
    return _job_step(
        request,
        job,
        lambda: import_job_resume(actor=request.user, job=job),
        _("The import is queued again; it continues after the last saved chunk."),
    )


def _job_step(
    request: HttpRequest, job: ImportJob, step: Callable[[], object], done: str = ""
) -> HttpResponse:
    """A step on a job from its page (a POST): the service's refusal is flashed as an error, else
    `done` (if any) as a success; back to the job's page either way."""
    try:
        step()
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if done:
            messages.success(request, done)
    return redirect("reports:import", pk=job.pk)


@require_GET
@role_required(Role.ANALYST)
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_object_or_404(_jobs(request.user), pk=pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "percent": job.progress_percent,
            "processed_lines": job.processed_lines,
            "total_lines": job.total_lines,
            "rows_seen": job.rows_seen,
            "inserted": job.inserted,
            "duplicates": job.duplicates,
            "rejected": job.rejected,
            "finished": job.is_finished,
            "stalled": job.is_stalled,
            "error": job.error,
        }
    )


@require_GET
@role_required(Role.ANALYST)
def import_rejected(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    job = get_object_or_404(_jobs(request.user), pk=pk)
    audit_record(actor=request.user, action=AuditAction.EXPORTED, target=job, summary="rejected rows CSV")
    response = StreamingHttpResponse(rejected_rows_csv(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejected.csv"'
    return response


@require_GET
@role_required(Role.ANALYST)
def import_template(request: HttpRequest) -> HttpResponse:
    """A CSV with the recognised Chinese headers and one example row."""
    kind = request.GET.get("kind") or ImportKind.REPORTS
    if kind not in available_kinds():
        kind = ImportKind.REPORTS
    handler = handler_for(kind)
    headers = [target.aliases[0] if target.aliases else target.name for target in handler.fields]
    example = getattr(handler, "EXAMPLE_ROW", [])
    body = "\ufeff" + ",".join(headers) + "\r\n" + (",".join(example) + "\r\n" if example else "")
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response
