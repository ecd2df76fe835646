"""Who may see which reports, issues, hot-spot alerts and import jobs.

`reports_visible_to` and `issues_visible_to` are the one place where report and issue visibility
is decided (role, reporter and home region); every page, API, search, export and suggestion reads
through them, so a city member's scope is applied everywhere at once.  A module of its own (no
other selector imported) so that every selector can use it."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists
from django.db.models import OuterRef
from django.db.models import Q
from django.db.models import QuerySet

from cxops.models import ExperienceIssue
from cxops.models import ExperienceReport
from cxops.models import HotSpotAlert
from cxops.regions import region_scope_id
from cxops.roles import Role
from cxops.roles import has_role


def can_see_all_reports(user: Any) -> bool:
    return has_role(user, Role.ANALYST)


def reports_visible_to(user: Any, *, queryset: QuerySet | None = None) -> QuerySet[ExperienceReport]:
    """Analysts see every report of their region (a city member: that city; a province member:
    every city); everyone else only the reports they filed there.  `queryset` (of reports) replaces
    the default, which reads each report with its product, channel, region, issue and reporter."""
    if queryset is None:
        queryset = ExperienceReport.objects.select_related(
            "product", "channel", "region", "issue", "reporter"
        )
    scope = region_scope_id(user)
    if scope is not None:
        queryset = queryset.filter(region_id=scope)
    if can_see_all_reports(user):
        return queryset
    return queryset.filter(reporter=user)


def issues_visible_to(user: Any, *, queryset: QuerySet | None = None) -> QuerySet[ExperienceIssue]:
    """Every member reads issues; a city member only the issues of their city: an issue's regions
    are the regions of its reports (and an issue they created themselves, before any report)."""
    if queryset is None:
        queryset = ExperienceIssue.objects.select_related("product")
    scope = region_scope_id(user)
    if scope is None:
        return queryset
    return queryset.filter(
        Exists(ExperienceReport.objects.filter(issue_id=OuterRef("pk"), region_id=scope)) | Q(created_by=user)
    )


def issue_readers(issue: ExperienceIssue, users: QuerySet) -> QuerySet:
    """Of `users`, those who may read `issue`, as `issues_visible_to` decides for each: superusers
    and province members, a city member when one of its reports is their city's, its creator.
    Whom to tell about an issue, and whom it may be given to."""
    report_regions = ExperienceReport.objects.filter(issue_id=issue.pk).values("region_id")
    return users.filter(
        Q(is_superuser=True)
        | Q(home_region__isnull=True)
        | Q(home_region__region__parent__isnull=True)
        | Q(home_region__region_id__in=report_regions)
        | Q(pk=issue.created_by_id)
    )


def alerts_visible_to(user: Any, *, queryset: QuerySet | None = None) -> QuerySet[HotSpotAlert]:
    """Hot-spot alerts: a province member reads every alert; a city member their city's alerts and
    the province-wide ones, and an issue's alert only when the issue is theirs to see."""
    if queryset is None:
        queryset = HotSpotAlert.objects.select_related(
            "issue__product", "product", "region", "acknowledged_by"
        )
    scope = region_scope_id(user)
    if scope is None:
        return queryset
    return queryset.filter(Q(region_id=scope) | Q(region__parent__isnull=True)).filter(
        Q(issue__isnull=True) | Q(issue__in=issues_visible_to(user, queryset=ExperienceIssue.objects.all()))
    )


def import_jobs_visible_to(user: Any, queryset: QuerySet) -> QuerySet:
    """Import jobs (analysts'): a city member's are their city's members' jobs (rejected rows hold
    other cities' report text otherwise); a province member sees every job."""
    scope = region_scope_id(user)
    if scope is None:
        return queryset
    return queryset.filter(Q(created_by=user) | Q(created_by__home_region__region_id=scope))
