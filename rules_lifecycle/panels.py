"""Rules panels on lower floors' pages: on an issue, the rules that put it into practice; on a strategy, its rules or the next step."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cxops.roles import Role
from cxops.roles import has_role
from proposals.models import StrategyStatus
from rules_lifecycle.models import ExperienceRule


def issue_rules_panel(request: HttpRequest, issue: Any) -> tuple[str, dict[str, Any]] | None:
    """Every signed-in member reads rules, so the panel is shown to all; None when there are none."""
    rules = list(ExperienceRule.objects.filter(issues=issue).select_related("owner").order_by("-updated_at"))
    if not rules:
        return None
    return "rules_lifecycle/panels/issue_rules.html", {"issue_rules": rules}


def strategy_rules_panel(request: HttpRequest, strategy: Any) -> tuple[str, dict[str, Any]] | None:
    """On the strategy page: the rules made from it, or — once accepted — the next step, a rule.

    Accepted and still without a rule, the strategy says so and offers "create the rule" to those
    who may (product owners and managers); others read who takes the next step.
    """
    rules = list(strategy.rules.select_related("owner").order_by("-updated_at"))
    accepted = strategy.status == StrategyStatus.ACCEPTED
    if not rules and not accepted:
        return None
    return (
        "rules_lifecycle/panels/strategy_rules.html",
        {
            "strategy_rules": rules,
            "awaiting_rule": accepted and not rules,
            "may_create_rule": has_role(request.user, Role.PRODUCT_OWNER, Role.MANAGER),
        },
    )
