"""Reads of rules: the board, one rule with everything its page shows, the people who own rules."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.db.models import Prefetch
from django.db.models import QuerySet

from cxops.roles import Role
from cxops.roles import users_holding
from proposals.models import Strategy
from proposals.models import StrategyStatus
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleGoLiveBackfill
from rules_lifecycle.models import RuleTransition
from rules_lifecycle.models.rules import SCOPE_FIELDS
from rules_lifecycle.models.statuses import STATUS_ORDER
from rules_lifecycle.models.statuses import RuleStatus

# Every signed-in member may read rules (PRODUCT.md: 全员参与); writes are checked per rule.
SCOPE_PREFETCH = SCOPE_FIELDS


def rules_read_by(user: Any, *, queryset: QuerySet | None = None) -> QuerySet[ExperienceRule]:
    """Every rule, for every member (PRODUCT.md: 全员参与), with its owner, strategy, products and
    pilot cities.  The list's filters are `rules_lifecycle.filters.RuleFilterSet`."""
    if queryset is None:
        queryset = ExperienceRule.objects.all()
    return queryset.select_related("owner", "strategy").prefetch_related("products", "regions")


@dataclass
class BoardColumn:
    status: RuleStatus
    rules: list[ExperienceRule] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(self.status.label)


def rule_board(rules: QuerySet[ExperienceRule]) -> list[BoardColumn]:
    """The rules grouped by state, in the order a rule travels (every state, even empty)."""
    columns = {status: BoardColumn(status=status) for status in STATUS_ORDER}
    for rule in rules:
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
