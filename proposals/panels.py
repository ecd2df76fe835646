"""The "strategies for this issue" panel on the issue page, and the registry of panels on the strategy page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

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
# registered from the higher app's AppConfig.ready(), rendered in `order`.

StrategyPanel = Callable[[HttpRequest, Any], "tuple[str, dict[str, Any]] | None"]
_strategy_panels: list[tuple[int, int, StrategyPanel]] = []


def register_strategy_panel(panel: StrategyPanel, *, order: int = 100) -> StrategyPanel:
    """Add a panel to the strategy page.  Idempotent: registering the same function twice keeps one."""
    if not any(entry[2] is panel for entry in _strategy_panels):
        _strategy_panels.append((order, len(_strategy_panels), panel))
        _strategy_panels.sort(key=lambda entry: (entry[0], entry[1]))
    return panel


def render_strategy_panels(request: HttpRequest, strategy: Any) -> list[SafeString]:
    """Every registered panel rendered to HTML, in order; panels answering None are skipped."""
    rendered = []
    for _order, _sequence, panel in _strategy_panels:
        result = panel(request, strategy)
        if result is None:
            continue
        template_name, context = result
        html = render_to_string(template_name, {"strategy": strategy, **context}, request=request)
        rendered.append(mark_safe(html))  # noqa: S308 — rendered by Django's auto-escaping templates
    return rendered
