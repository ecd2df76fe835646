"""Reads of rules: the board, one rule with everything its page shows, the people who own rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, QuerySet

from cxops.models import Region
from cxops.roles import Role, users_holding
from proposals.models import Strategy, StrategyStatus
from rules_lifecycle.models import ExperienceRule, RuleGoLiveBackfill, RuleTransition
from rules_lifecycle.models.rules import SCOPE_FIELDS
from rules_lifecycle.models.statuses import STATUS_ORDER, RuleStatus

# Every signed-in member may read rules (PRODUCT.md: 全员参与); writes are checked per rule.
SCOPE_PREFETCH = SCOPE_FIELDS


def rule_list(
    *,
    product: str = "",
    owner: int | None = None,
    system: str = "",
    timing: str = "",
    status: str = "",
    layer: str = "",
    strategy: int | None = None,
    query: str = "",
    region: str = "",
) -> QuerySet[ExperienceRule]:
    """Rules matching the filters (product and region by code, owner by id), newest activity first.
    `region`: a city's code, the rules piloted there; the province's, the rules for the whole
    province (no pilot city)."""
    queryset = ExperienceRule.objects.select_related("owner", "strategy").prefetch_related(
        "products", "regions"
    )
    if product:
        queryset = queryset.filter(products__code=product)
    if region:
        province = Region.objects.filter(code=region, parent__isnull=True).exists()
        queryset = (
            queryset.filter(regions__isnull=True) if province else queryset.filter(regions__code=region)
        )
    if owner:
        queryset = queryset.filter(owner_id=owner)
    if system:
        queryset = queryset.filter(implementing_system=system)
    if timing:
        queryset = queryset.filter(timing=timing)
    if status:
        queryset = queryset.filter(status=status)
    if layer:
        queryset = queryset.filter(layer=layer)
    if strategy:
        queryset = queryset.filter(strategy_id=strategy)
    if query.strip():
        queryset = queryset.filter(name__icontains=query.strip())
    # products__code can match several rows per rule.
    return queryset.distinct().order_by("-updated_at", "-id")


@dataclass
class BoardColumn:
    status: RuleStatus
    rules: list[ExperienceRule] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(self.status.label)


def rule_board(**filters: Any) -> list[BoardColumn]:
    """The filtered rules grouped by state, in the order a rule travels (every state, even empty)."""
    columns = {status: BoardColumn(status=status) for status in STATUS_ORDER}
    for rule in rule_list(**filters):
        columns[RuleStatus(rule.status)].rules.append(rule)
    return list(columns.values())


def rule_detail(*, pk: int) -> ExperienceRule:
    """One rule with its scope, issues, transitions and go-live backfills loaded (raises DoesNotExist)."""
    return (
        ExperienceRule.objects.select_related("owner", "created_by", "strategy", "strategy__product")
        .prefetch_related(
            *SCOPE_PREFETCH,
            "issues",
            Prefetch("transitions", queryset=RuleTransition.objects.select_related("actor")),
            Prefetch("go_live_backfills", queryset=RuleGoLiveBackfill.objects.select_related("actor")),
        )
        .get(pk=pk)
    )


def rule_owner_choices() -> QuerySet[Any]:
    """Active product owners (managers included, who hold the role too), for owner pickers."""
    return users_holding(Role.PRODUCT_OWNER).order_by("username")


def rule_owners_with_rules() -> QuerySet[Any]:
    """People who own at least one rule: the board's owner filter."""
    User = get_user_model()
    return (
        User.objects.filter(owned_rules__isnull=False)
        .annotate(rule_count=Count("owned_rules"))
        .order_by("username")
    )


def strategies_awaiting_rules(limit: int = 10) -> list[Strategy]:
    """Accepted strategies no rule puts into practice yet: the board's "to do" for owners."""
    return list(
        Strategy.objects.filter(status=StrategyStatus.ACCEPTED, rules__isnull=True)
        .select_related("product")
        .order_by("-official_answer_at", "-id")[:limit]
    )
