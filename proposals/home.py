"""The strategy pool on the home page: votes waiting for a product owner, activity they follow."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType

from cxops.http import SignedInRequest
from cxops.models import Follow
from cxops.roles import Role
from cxops.roles import has_role

from .models import Strategy
from .models import StrategyStatus
from .models import Vote


def strategies_home_panel(request: SignedInRequest) -> tuple[str, dict[str, Any]]:
    user = request.user
    context: dict[str, Any] = {"can_vote": has_role(user, Role.PRODUCT_OWNER)}
    if context["can_vote"]:
        voted = Vote.objects.filter(voter=user).values("strategy_id")
        context["awaiting_vote"] = list(
            Strategy.objects.filter(status=StrategyStatus.VOTING)
            .exclude(pk__in=voted)
            .order_by("-last_activity_at")[:5]
        )
    followed = Follow.objects.filter(
        user=user, target_type=ContentType.objects.get_for_model(Strategy)
    ).values("target_id")
    context["followed"] = list(Strategy.objects.filter(pk__in=followed).order_by("-last_activity_at")[:5])
    context["recent"] = list(
        Strategy.objects.exclude(status__in=[StrategyStatus.WITHDRAWN, StrategyStatus.MERGED]).order_by(
            "-last_activity_at"
        )[:5]
    )
    return "proposals/home/strategies_panel.html", context
