"""Panels that higher apps add to the experience-issue page, without the ground floor importing them.

A panel is a function `panel(request, issue) -> (template_name, context) | None`.  Register it once,
from the higher app's `AppConfig.ready()`::

    from cxops.panels import register_issue_panel

    def strategies_panel(request, issue):
        strategies = Strategy.objects.filter(issues=issue)
        return "proposals/panels/issue_strategies.html", {"strategies": strategies}

    register_issue_panel(strategies_panel, order=10)

The issue page renders every registered panel in `order` (then registration order); a panel that
returns None is left out (e.g. nothing to show, or the user may not see it).  Panels are read-only
views of their app's data: any write goes through that app's own pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

PanelResult = tuple[str, dict[str, Any]] | None
IssuePanel = Callable[[HttpRequest, Any], PanelResult]


@dataclass(frozen=True)
class _Registered:
    order: int
    sequence: int
    panel: IssuePanel


_issue_panels: list[_Registered] = []


def register_issue_panel(panel: IssuePanel, *, order: int = 100) -> IssuePanel:
    """Add a panel to the issue page.  Idempotent: registering the same function twice keeps one."""
    if not any(entry.panel is panel for entry in _issue_panels):
        _issue_panels.append(_Registered(order=order, sequence=len(_issue_panels), panel=panel))
        _issue_panels.sort(key=lambda entry: (entry.order, entry.sequence))
    return panel


def unregister_issue_panel(panel: IssuePanel) -> None:
    """For tests and for apps that switch a panel off."""
    _issue_panels[:] = [entry for entry in _issue_panels if entry.panel is not panel]


def issue_panels() -> list[IssuePanel]:
    return [entry.panel for entry in _issue_panels]


def render_issue_panels(request: HttpRequest, issue: Any) -> list[SafeString]:
    """Every registered panel rendered to HTML, in order; panels answering None are skipped."""
    rendered = []
    for panel in issue_panels():
        result = panel(request, issue)
        if result is None:
            continue
        template_name, context = result
        html = render_to_string(template_name, {"issue": issue, **context}, request=request)
        rendered.append(mark_safe(html))  # noqa: S308 — rendered by Django's auto-escaping templates
    return rendered


# --- Home page panels ---------------------------------------------------------------------
# Same contract on the signed-in home page: `panel(request) -> (template_name, context) | None`,
# so each floor shows the signed-in person what waits for them (reports to triage, strategies to
# vote on, rules to decide) without the ground floor importing the floors above.

HomePanel = Callable[[HttpRequest], PanelResult]


@dataclass(frozen=True)
class _RegisteredHome:
    order: int
    sequence: int
    panel: HomePanel


_home_panels: list[_RegisteredHome] = []


def register_home_panel(panel: HomePanel, *, order: int = 100) -> HomePanel:
    if not any(entry.panel is panel for entry in _home_panels):
        _home_panels.append(_RegisteredHome(order=order, sequence=len(_home_panels), panel=panel))
        _home_panels.sort(key=lambda entry: (entry.order, entry.sequence))
    return panel


def render_home_panels(request: HttpRequest) -> list[SafeString]:
    rendered = []
    for entry in _home_panels:
        result = entry.panel(request)
        if result is None:
            continue
        template_name, context = result
        html = render_to_string(template_name, context, request=request)
        rendered.append(mark_safe(html))  # noqa: S308 — rendered by Django's auto-escaping templates
    return rendered
