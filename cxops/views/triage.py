"""The analysts' triage queue: new reports first, keyboard-friendly, bulk actions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseRedirect
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET
from django.views.decorators.http import require_POST

from cxops.errors import ApplicationError
from cxops.forms_reports import TriageActionForm
from cxops.inputs import parse_id
from cxops.inputs import query_text
from cxops.links import list_query
from cxops.links import local_next
from cxops.models import ExperienceIssue
from cxops.models import ExperienceReport
from cxops.models import ReportStatus
from cxops.roles import Role
from cxops.roles import role_required
from cxops.selectors.filters import IssueFilterSet
from cxops.selectors.filters import ReportFilterSet
from cxops.selectors.matching import report_groups
from cxops.selectors.reports import bounded_count
from cxops.selectors.reports import issues_visible_to
from cxops.selectors.reports import keyset_page
from cxops.selectors.reports import reports_visible_to
from cxops.services import triage
from cxops.services.matching import match_reject

STATUS_TABS = [
    (ReportStatus.NEW, ReportStatus.NEW.label),
    (ReportStatus.TRIAGED, ReportStatus.TRIAGED.label),
    (ReportStatus.LINKED, ReportStatus.LINKED.label),
    (ReportStatus.DISMISSED, ReportStatus.DISMISSED.label),
]


@role_required(Role.ANALYST)
def triage_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or ReportStatus.NEW
    if status not in ReportStatus.values:
        status = ReportStatus.NEW
    filterset = ReportFilterSet(request.GET or None, request=request, page=True)
    page = keyset_page(filterset.rows.filter(status=status), before=parse_id(request.GET.get("before")))
    new_count, new_capped = bounded_count(reports_visible_to(request.user).filter(status=ReportStatus.NEW))
    query = list_query(request)
    query["status"] = status
    tab_query = query.copy()
    tab_query.pop("status", None)
    return render(
        request,
        "cxops/reports/triage.html",
        {
            "page": page,
            "form": filterset.form,
            "action_form": TriageActionForm(),
            "status": status,
            "tabs": STATUS_TABS,
            "new_count": new_count,
            "new_capped": new_capped,
            "filter_query": query.urlencode(),
            "tab_query": tab_query.urlencode(),
            "similar_url": reverse("reports:similar"),
            "issue_search_url": reverse("reports:issue-search"),
        },
    )


@require_POST
@role_required(Role.ANALYST)
def triage_act(request: HttpRequest) -> HttpResponse:
    form = TriageActionForm(request.POST)
    target = local_next(request, request.POST.get("next"), reverse("reports:triage"))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return HttpResponseRedirect(target)
    data = form.cleaned_data
    ids = data["reports"]
    try:
        if data["action"] == "classify":
            n = triage.reports_classify(
                actor=request.user,
                report_ids=ids,
                product=data["product"],
                channel=data["channel"],
                source_type=data["source_type"],
                layer=data["layer"],
                stage=data["stage"],
            )
            messages.success(
                request, ngettext("%(n)d report classified.", "%(n)d reports classified.", n) % {"n": n}
            )
        elif data["action"] == "merge":
            issue = triage.reports_merge(
                actor=request.user,
                report_ids=ids,
                issue=data["issue"],
                new_issue_title=data["new_issue_title"] or "",
            )
            messages.success(
                request,
                _("%(n)d report(s) merged into “%(title)s” (now %(count)d reports).")
                % {"n": len(ids), "title": issue.title, "count": issue.report_count},
            )
        elif data["action"] == "unmerge":
            n = triage.reports_unmerge(actor=request.user, report_ids=ids)
            messages.success(
                request, ngettext("%(n)d report split out.", "%(n)d reports split out.", n) % {"n": n}
            )
        elif data["action"] == "dismiss":
            n = triage.reports_dismiss(actor=request.user, report_ids=ids, reason=data["reason"] or "")
            messages.success(
                request, ngettext("%(n)d report dismissed.", "%(n)d reports dismissed.", n) % {"n": n}
            )
        else:
            n = triage.reports_reopen(actor=request.user, report_ids=ids)
            messages.success(
                request,
                ngettext("%(n)d report back in the queue.", "%(n)d reports back in the queue.", n) % {"n": n},
            )
    except ApplicationError as error:
        messages.error(request, error.message)
    return HttpResponseRedirect(target)


@require_GET
@role_required(Role.ANALYST)
def issue_search(request: HttpRequest) -> JsonResponse:
    """Issue picker for merging: by id (#12), or title text."""
    text = query_text(request.GET.get("q")).strip().lstrip("#")
    number = parse_id(text)
    queryset = IssueFilterSet({"q": "" if number is not None else text}, request=request).qs
    if number is not None:
        queryset = queryset.filter(pk=number)
    return JsonResponse(
        {
            "results": [
                {
                    "id": issue.pk,
                    "title": issue.title,
                    "report_count": issue.report_count,
                    "status": issue.status,
                }
                for issue in queryset[:15]
            ]
        }
    )


@require_POST
@role_required(Role.ANALYST)
def triage_not_same(request: HttpRequest) -> JsonResponse:
    """Triage's "not the same" on a suggested issue: remembered for that report and issue (JSON)."""
    report = (
        reports_visible_to(request.user, queryset=ExperienceReport.objects.all())
        .filter(pk=parse_id(request.POST.get("report")) or 0)
        .first()
    )
    issue = (
        issues_visible_to(request.user, queryset=ExperienceIssue.objects.all())
        .filter(pk=parse_id(request.POST.get("issue")) or 0)
        .first()
    )
    if report is None or issue is None:
        return JsonResponse({"error": _("Choose a report and an issue.")}, status=400)
    try:
        match_reject(actor=request.user, report=report, issue=issue)
    except ApplicationError as error:
        return JsonResponse({"error": error.message}, status=400)
    return JsonResponse({"report": report.pk, "issue": issue.pk})


@role_required(Role.ANALYST)
def triage_groups(request: HttpRequest) -> HttpResponse:
    """Untriaged reports that mean the same thing, as suggested new issues (one click each)."""
    groups = report_groups(user=request.user, english=(get_language() or "").startswith("en"))
    return render(
        request, "cxops/reports/triage_groups.html", {"title": _("Suggested new issues"), "groups": groups}
    )
