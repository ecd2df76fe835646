"""Filing reports, "My reports", one report, and the similar-issue suggestions used while typing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cxops.errors import ApplicationError
from cxops.form_errors import form_add_service_error
from cxops.forms_reports import ReportForm
from cxops.inputs import parse_id
from cxops.inputs import query_text
from cxops.links import list_query
from cxops.roles import Role
from cxops.roles import has_role
from cxops.selectors.filters import ReportFilterSet
from cxops.selectors.reports import can_see_all_reports
from cxops.selectors.reports import issues_similar_to
from cxops.selectors.reports import keyset_page
from cxops.selectors.reports import recent_filing_choices
from cxops.selectors.reports import reports_visible_to
from cxops.services.reports import report_create

SESSION_DEFAULTS = "sense_filing_defaults"


def _before(request: HttpRequest) -> int | None:
    return parse_id(request.GET.get("before"))


def _require_frontline(request: HttpRequest) -> None:
    if not has_role(request.user, Role.FRONTLINE):
        raise PermissionDenied


def file_report(request: HttpRequest) -> HttpResponse:
    """The filing page: product and channel chosen by the user (recent ones first), remembered
    source and city, pickers, similar issues while typing (attaching one fills its product in)."""
    _require_frontline(request)
    defaults = request.session.get(SESSION_DEFAULTS, {})
    if request.method == "POST":
        form = ReportForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report, _created = report_create(
                    actor=request.user,
                    product=data["product"],
                    channel=data["channel"],
                    source_type=data["source_type"],
                    layer=data["layer"],
                    stage=data["stage"],
                    summary=data["summary"],
                    detail=data["detail"],
                    occurred_at=data["occurred_at"],
                    severity=data["severity"],
                    customer=data["customer"],
                    segments=data["segments"],
                    issue=data["issue"],
                    region=data["region"],
                )
            except (ValidationError, ApplicationError) as error:
                form_add_service_error(form, error)
            else:
                # Product and channel are never pre-selected (a wrong default files a wrong
                # report); the user's recent ones are offered first instead (offer_recent).
                request.session[SESSION_DEFAULTS] = {
                    "source_type": data["source_type"],
                    "region": data["region"].pk,
                }
                if report.issue is not None:
                    messages.success(
                        request,
                        _("Report filed and attached to “%(issue)s”. Thank you!")
                        % {"issue": report.issue.title},
                    )
                else:
                    messages.success(request, _("Report filed. Thank you!"))
                return redirect("reports:file")
    else:
        initial = {key: value for key, value in defaults.items() if key not in ("product", "channel")}
        form = ReportForm(initial=initial, user=request.user)
    form.offer_recent(*recent_filing_choices(request.user))
    recent = list(reports_visible_to(request.user).filter(reporter_id=request.user.pk).order_by("-id")[:5])
    return render(
        request,
        "cxops/reports/file.html",
        {"form": form, "recent": recent, "similar_url": reverse("reports:similar")},
    )


def my_reports(request: HttpRequest) -> HttpResponse:
    """The reports the signed-in user filed, newest first (keyset pages, no COUNT)."""
    _require_frontline(request)
    filterset = ReportFilterSet(request.GET or None, request=request, page=True)
    page = keyset_page(filterset.rows.filter(reporter=request.user), before=_before(request))
    return render(
        request,
        "cxops/reports/mine.html",
        {
            "title": _("My reports"),
            "page": page,
            "form": filterset.form,
            "filter_query": list_query(request).urlencode(),
        },
    )


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One report: its reporter and analysts may see it; anyone else gets a 404."""
    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    history = []
    if can_see_all_reports(request.user):
        history = list(report.history.select_related("history_user").order_by("-history_date")[:20])
    return render(
        request,
        "cxops/reports/detail.html",
        {
            "report": report,
            "segments": list(report.segments.all()),
            "history": history,
            "can_triage": has_role(request.user, Role.ANALYST),
        },
    )


@require_GET
def similar_issues(request: HttpRequest) -> JsonResponse:
    """Issues similar to ?q= (JSON for the filing page and the triage queue); highlighted HTML is escaped."""
    _require_frontline(request)
    text = query_text(request.GET.get("q"), limit=200)
    # With ?report= (the triage queue), issues triage decided are not the same are left out.
    matches = issues_similar_to(
        text, user=request.user, limit=5, report_id=parse_id(request.GET.get("report", ""))
    )
    return JsonResponse(
        {
            "results": [
                {
                    "id": match.issue_id,
                    "title": match.title,
                    "highlighted": str(match.highlighted),
                    "score": match.score,
                    "terms": list(match.terms),
                    "report_count": match.report_count,
                    "product": match.product,
                    "product_id": match.product_id,
                    "url": reverse("reports:issue", args=[match.issue_id]),
                }
                for match in matches
            ]
        }
    )
