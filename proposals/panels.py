"""The "strategies for this issue" panel on the experience-issue page (cxops.panels registry)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import Strategy
from .policies import can_create_strategy


def issue_strategies_panel(request: HttpRequest, issue: Any) -> tuple[str, dict[str, Any]]:
    strategies = Strategy.objects.filter(issues=issue).select_related("product").order_by("-last_activity_at")
    return (
        "proposals/panels/issue_strategies.html",
        {"strategies": list(strategies[:20]), "can_create": can_create_strategy(request.user)},
    )
