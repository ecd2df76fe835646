"""Factories for rule tests.  Rules are built through the services, so they are always valid and
reach a state only by the moves a person would make."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from cxops.roles import Role
from proposals.models import Strategy
from proposals.models import StrategyStatus
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleStatus
from rules_lifecycle.services.rules import rule_create_from_strategy
from rules_lifecycle.transitions import rule_transition
from tests.factories import IssueFactory
from tests.factories import ProductFactory
from tests.factories import UserFactory


def user_with_role(role: str, **kwargs):
    """A user in a role group.  No password unless given: hashing one costs ~0.1 s per user."""
    kwargs.setdefault("password", None)
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


class StrategyFactory(factory.django.DjangoModelFactory):
    """An accepted strategy row (the pool's own services are tested in tests/proposals)."""

    class Meta:
        model = Strategy
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"来电咨询飞信的客户发送下载短信 {n}")
    product = factory.SubFactory(ProductFactory)
    layer = "functional"
    experience_event = "客户致电10086询问飞信"
    strategy_text = "发送带下载链接和使用说明的短信"
    status = StrategyStatus.ACCEPTED
    official_answer = "同意，由飞信产品经理负责落地。"
    created_by = factory.SubFactory(UserFactory, password=None)

    @factory.post_generation
    def issues(self, create, extracted, **kwargs):
        if not create:
            return
        self.issues.set(
            extracted
            if extracted is not None
            else [IssueFactory(product=self.product, created_by__password=None)]
        )


def make_rule(*, owner=None, actor=None, strategy=None, **overrides) -> ExperienceRule:
    owner = owner or user_with_role(Role.PRODUCT_OWNER)
    strategy = strategy or StrategyFactory()
    values = {
        "name": "飞信咨询来电后发送下载短信",
        "trigger_event": "客户致电10086咨询飞信",
        "trigger_condition": "客户未开通飞信",
        "trigger_action": "通话结束后发送含下载链接的短信",
        "implementing_system": "cmp",
        "timing": "non_instant",
        **overrides,
    }
    return rule_create_from_strategy(strategy=strategy, actor=actor or owner, owner=owner, **values)


# The path from `proposed` to each state, as (to_status, who) steps: who is "owner" or "manager".
PATHS: dict[str, list[tuple[str, str]]] = {
    RuleStatus.PROPOSED: [],
    RuleStatus.APPROVED: [("approved", "manager")],
    RuleStatus.REJECTED: [("rejected", "manager")],
    RuleStatus.IMPLEMENTING: [("approved", "manager"), ("implementing", "owner")],
    RuleStatus.LIVE: [("approved", "manager"), ("implementing", "owner"), ("live", "owner")],
    RuleStatus.UNDER_REVIEW: [
        ("approved", "manager"),
        ("implementing", "owner"),
        ("live", "owner"),
        ("under_review", "manager"),
    ],
    RuleStatus.KEPT: [
        ("approved", "manager"),
        ("implementing", "owner"),
        ("live", "owner"),
        ("under_review", "manager"),
        ("kept", "manager"),
    ],
    RuleStatus.RETIRED: [
        ("approved", "manager"),
        ("implementing", "owner"),
        ("live", "owner"),
        ("under_review", "manager"),
        ("retired", "manager"),
    ],
}


def rule_in(status: str, *, manager=None, **kwargs) -> ExperienceRule:
    """A rule taken to `status` by the moves people make, each with a reason."""
    rule = make_rule(**kwargs)
    manager = manager or user_with_role(Role.MANAGER)
    for to_status, who in PATHS[status]:
        rule_transition(
            rule=rule,
            to_status=to_status,
            actor=manager if who == "manager" else rule.owner,
            reason="测试理由",
        )
    return rule
