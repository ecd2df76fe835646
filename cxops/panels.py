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
from django.utils.safestring import SafeString
from django.utils.safestring import mark_safe

PanelResult = tuple[str, dict[str, Any]] | None
Panel = Callable[..., PanelResult]
IssuePanel = Callable[[HttpRequest, Any], PanelResult]
HomePanel = Callable[[HttpRequest], PanelResult]


@dataclass(frozen=True)
class _Registered:
    order: int
    sequence: int
    panel: Panel


class PanelRegistry:
    """The panels of one page, in `order` (then registration order).  `subject` names the record
    the page shows ("issue", "strategy"): each panel is called with it and the template receives
    it under that name; a page without one (home) calls `panel(request)`."""

    def __init__(self, subject: str | None = None) -> None:
        self.subject = subject
        self._entries: list[_Registered] = []

    def register(self, panel: Panel, *, order: int = 100) -> Panel:
        """Idempotent: registering the same function twice keeps one."""
        if not any(entry.panel is panel for entry in self._entries):
            self._entries.append(_Registered(order=order, sequence=len(self._entries), panel=panel))
            self._entries.sort(key=lambda entry: (entry.order, entry.sequence))
        return panel

    def unregister(self, panel: Panel) -> None:
        """For tests and for apps that switch a panel off."""
        self._entries[:] = [entry for entry in self._entries if entry.panel is not panel]

    def panels(self) -> list[Panel]:
        return [entry.panel for entry in self._entries]

    def render(self, request: HttpRequest, record: Any = None) -> list[SafeString]:
        """Every registered panel rendered to HTML, in order; panels answering None are skipped."""
        rendered = []
        for panel in self.panels():
            result = panel(request) if self.subject is None else panel(request, record)
            if result is None:
                continue
            template_name, context = result
            if self.subject is not None:
                context = {self.subject: record, **context}
            html = render_to_string(template_name, context, request=request)
            rendered.append(mark_safe(html))  # noqa: S308 — rendered by Django's auto-escaping templates
        return rendered


ISSUE_PANELS = PanelRegistry("issue")
register_issue_panel = ISSUE_PANELS.register
unregister_issue_panel = ISSUE_PANELS.unregister
issue_panels = ISSUE_PANELS.panels


def render_issue_panels(request: HttpRequest, issue: Any) -> list[SafeString]:
    return ISSUE_PANELS.render(request, issue)


# --- Home page panels ---------------------------------------------------------------------
# Same contract on the signed-in home page: `panel(request) -> (template_name, context) | None`,
# so each floor shows the signed-in person what waits for them (reports to triage, strategies to
# vote on, rules to decide) without the ground floor importing the floors above.

HOME_PANELS = PanelRegistry()
register_home_panel = HOME_PANELS.register


def render_home_panels(request: HttpRequest) -> list[SafeString]:
    return HOME_PANELS.render(request)
