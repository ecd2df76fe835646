"""Issues against their due time, for the dashboard."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.db.models import F
from django.db.models import Q
from django.utils import timezone

from cxops.issue_clock import DUE_SOON_FRACTION
from cxops.issue_clock import sla_hours
from cxops.models import ExperienceIssue
from cxops.models import IssueStatus
from cxops.models.choices import Severity
from cxops.selectors.reports import issues_visible_to

OPEN = (IssueStatus.OPEN, IssueStatus.IN_PROGRESS)


def issue_clock_summary(*, user: Any = None, now: datetime | None = None, limit: int = 10) -> dict[str, Any]:
    """How many open issues are past their due time and how many are due soon (the last quarter of
    their time), in one query; and the most overdue ones — of the issues `user` may see (a city
    member: their city's; None, for internal callers, every issue)."""
    now = now or timezone.now()
    issues = (
        ExperienceIssue.objects.all()
        if user is None
        else issues_visible_to(user, queryset=ExperienceIssue.objects.all())
    )
    due_soon = Q()
    for severity in Severity.values:
        window = timedelta(hours=sla_hours(severity) * DUE_SOON_FRACTION)
        due_soon |= Q(severity=severity, due_at__gt=now, due_at__lte=now + window)
    counts = issues.filter(status__in=OPEN, due_at__isnull=False).aggregate(
        breached=Count("pk", filter=Q(due_at__lte=now)), due_soon=Count("pk", filter=due_soon)
    )
    overdue = list(
        issues.filter(status__in=OPEN, due_at__lte=now)
        .select_related("owner", "product")
        .order_by(F("due_at").asc())[:limit]
    )
    return {"breached": counts["breached"] or 0, "due_soon": counts["due_soon"] or 0, "overdue": overdue}
