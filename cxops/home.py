"""What the ground floor shows on the home page: filing for everyone, the queue for analysts."""

from __future__ import annotations

from typing import Any

from cxops.http import SignedInRequest
from cxops.models import ExperienceReport
from cxops.models import ReportStatus
from cxops.roles import Role
from cxops.roles import has_role
from cxops.selectors.dashboard import dashboard_open_alerts
from cxops.selectors.reports import bounded_count
from cxops.selectors.reports import reports_visible_to


def reports_home_panel(request: SignedInRequest) -> tuple[str, dict[str, Any]] | None:
    user = request.user
    if not has_role(user, Role.FRONTLINE):
        return None  # an administrator files nothing: a card leading to a refusal is no help
    context: dict[str, Any] = {
        "my_reports": list(
            ExperienceReport.objects.filter(reporter=user)
            .select_related("product", "issue")
            .order_by("-id")[:5]
        ),
        "is_analyst": has_role(user, Role.ANALYST),
    }
    if context["is_analyst"]:
        untriaged = reports_visible_to(
            user, queryset=ExperienceReport.objects.filter(status=ReportStatus.NEW)
        )
        count, capped = bounded_count(untriaged, limit=999)
        context.update(
            triage_count=count, triage_capped=capped, open_alerts=dashboard_open_alerts(user=user, limit=5)
        )
    return "cxops/home/reports_panel.html", context
