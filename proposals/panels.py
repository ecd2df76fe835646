"""The "strategies for this issue" panel on the issue page, and the registry of panels on the strategy page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString

from cxops.panels import PanelRegistry

from .models import Strategy
from .policies import can_create_strategy


def issue_strategies_panel(request: HttpRequest, issue: Any) -> tuple[str, dict[str, Any]]:
    strategies = Strategy.objects.filter(issues=issue).select_related("product").order_by("-last_activity_at")
    return (
        "proposals/panels/issue_strategies.html",
        {"strategies": list(strategies[:20]), "can_create": can_create_strategy(request.user)},
    )


# --- Panels on the strategy page ------------------------------------------------------------
# Floors above the pool (rules) show what became of a strategy — and what to do next — on its
# page without the pool importing them: `panel(request, strategy) -> (template, context) | None`,
# registered from the higher app's AppConfig.ready(), rendered in `order` (cxops.panels.PanelRegistry).

STRATEGY_PANELS = PanelRegistry("strategy")
register_strategy_panel = STRATEGY_PANELS.register


def render_strategy_panels(request: HttpRequest, strategy: Any) -> list[SafeString]:
    return STRATEGY_PANELS.render(request, strategy)
