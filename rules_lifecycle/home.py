"""Rules on the home page: what an owner has to move and what a manager has to decide."""

from __future__ import annotations

from typing import Any

from cxops.http import SignedInRequest
from cxops.roles import Role
from cxops.roles import has_role

from .models import ExperienceRule
from .models import RuleEvaluation
from .models.rules import FINAL_STATUSES
from .transitions import RuleStatus
from .transitions import available_moves


def rules_home_panel(request: SignedInRequest) -> tuple[str, dict[str, Any]] | None:
    user = request.user
    is_manager = has_role(user, Role.MANAGER)
    if not (is_manager or has_role(user, Role.PRODUCT_OWNER)):
        return None
    mine = list(
        ExperienceRule.objects.filter(owner=user)
        .exclude(status__in=sorted(FINAL_STATUSES))
        .order_by("-updated_at")[:6]
    )
    context: dict[str, Any] = {
        "my_rules": [(rule, available_moves(rule=rule, actor=user)) for rule in mine],
        "is_manager": is_manager,
    }
    if is_manager:
        context["to_decide"] = list(
            ExperienceRule.objects.filter(status__in=[RuleStatus.PROPOSED, RuleStatus.UNDER_REVIEW]).order_by(
                "updated_at"
            )[:6]
        )
        flagged = (
            RuleEvaluation.objects.filter(
                flagged_for_retirement=True,
                rule__status__in=[RuleStatus.LIVE, RuleStatus.UNDER_REVIEW, RuleStatus.KEPT],
            )
            .select_related("rule")
            .order_by("-id")
        )
        flagged_rules: dict[int, ExperienceRule] = {}
        for evaluation in flagged[:30]:  # newest first; one entry per rule
            flagged_rules.setdefault(evaluation.rule_id, evaluation.rule)
        context["flagged"] = list(flagged_rules.values())[:6]
    return "rules_lifecycle/home/rules_panel.html", context
