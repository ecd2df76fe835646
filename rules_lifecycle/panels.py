"""The experience-issue page's "rules" panel: which rules put this issue's strategies into practice."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rules_lifecycle.models import ExperienceRule


def issue_rules_panel(request: HttpRequest, issue: Any) -> tuple[str, dict[str, Any]] | None:
    """Every signed-in member reads rules, so the panel is shown to all; None when there are none."""
    rules = list(ExperienceRule.objects.filter(issues=issue).select_related("owner").order_by("-updated_at"))
    if not rules:
        return None
    return "rules_lifecycle/panels/issue_rules.html", {"issue_rules": rules}
