"""Experience issues: the list, one issue (reports, counts over time, channels, panels), follow, edit.

Every signed-in member may read issues (the strategy pool links to them); analysts edit them.  The
reports on an issue page are those the reader may see (analysts: all; others: their own).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxops.errors import ApplicationError
from cxops.forms_reports import IssueForm
from cxops.inputs import parse_id
from cxops.links import list_query
from cxops.models import ExperienceIssue
from cxops.models import Region
from cxops.panels import render_issue_panels
from cxops.roles import Role
from cxops.roles import has_role
from cxops.roles import role_required
from cxops.selectors.filters import IssueFilterSet
from cxops.selectors.reference import reference_by_code
from cxops.selectors.reports import issue_channels
from cxops.selectors.reports import issue_daily_counts
from cxops.selectors.reports import issue_regions
from cxops.selectors.reports import issues_visible_to
from cxops.selectors.reports import keyset_page
from cxops.selectors.reports import reports_visible_to
from cxops.services.notifications import follow_create
from cxops.services.notifications import follow_delete
from cxops.services.notifications import is_following
from cxops.services.triage import issue_update


def issues(request: HttpRequest) -> HttpResponse:
    filterset = IssueFilterSet(request.GET or None, request=request, page=True)
    page = keyset_page(filterset.rows, before=parse_id(request.GET.get("before")))
    page_regions = issue_regions([issue.pk for issue in page.items])
    for issue in page.items:
        found = (reference_by_code(Region, code) for code in page_regions[issue.pk])
        issue.region_names = [region.name for region in found if region is not None]
    return render(
        request,
        "cxops/issues/list.html",
        {
            "title": _("Experience issues"),
            "page": page,
            "form": filterset.form,
            "filter_query": list_query(request).urlencode(),
        },
    )


def issue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_object_or_404(
        issues_visible_to(
            request.user, queryset=ExperienceIssue.objects.select_related("product", "created_by")
        ),
        pk=pk,
    )
    reports = keyset_page(
        reports_visible_to(request.user).filter(issue=issue),
        before=parse_id(request.GET.get("before")),
        size=30,
    )
    series = issue_daily_counts(issue=issue)
    channels = issue_channels(issue=issue)
    can_edit = has_role(request.user, Role.ANALYST)
    return render(
        request,
        "cxops/issues/detail.html",
        {
            "issue": issue,
            "reports": reports,
            "series": [{"day": day.isoformat(), "count": count} for day, count in series],
            "series_total": sum(count for _day, count in series),
            "series_peak": max((count for _day, count in series), default=0),
            "channels": channels,
            "channel_max": max((row["n"] for row in channels), default=0),
            "following": is_following(user=request.user, target=issue),
            "can_edit": can_edit,
            "form": IssueForm(instance=issue) if can_edit else None,
            "panels": render_issue_panels(request, issue),
            "content_type_id": ContentType.objects.get_for_model(issue).pk,
        },
    )


@require_POST
def issue_follow(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_object_or_404(issues_visible_to(request.user, queryset=ExperienceIssue.objects.all()), pk=pk)
    if request.POST.get("follow") == "0":
        follow_delete(user=request.user, target=issue)
        messages.success(request, _("You no longer follow this issue."))
    else:
        follow_create(user=request.user, target=issue)
        messages.success(request, _("You follow this issue: new reports and status changes will notify you."))
    return redirect("reports:issue", pk=issue.pk)


@require_POST
@role_required(Role.ANALYST)
def issue_edit(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_object_or_404(issues_visible_to(request.user, queryset=ExperienceIssue.objects.all()), pk=pk)
    form = IssueForm(request.POST, instance=ExperienceIssue.objects.get(pk=pk))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("reports:issue", pk=issue.pk)
    data = form.cleaned_data
    try:
        issue_update(
            actor=request.user,
            issue=issue,
            title=data["title"],
            description=data["description"],
            status=data["status"],
            product=data["product"],
            layer=data["layer"],
            stage=data["stage"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Issue saved."))
    return redirect("reports:issue", pk=issue.pk)
