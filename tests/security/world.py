"""A small world with one of everything, for the security suites (fuzzing, XSS, permission matrix).

Every role has two users, so "own" and "someone else's" objects exist for each; every object is
made through the services (reports, issues, strategies, comments, votes, rules, import jobs), so it
is a row a person could have made.  Text can be overridden to push hostile input through the same
paths (tests/security/test_xss.py).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from cxops.roles import Role

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ROLES = (Role.FRONTLINE, Role.ANALYST, Role.PRODUCT_OWNER, Role.MANAGER, Role.ADMIN)


@dataclass
class World:
    users: dict[str, Any]
    others: dict[str, Any]
    objects: dict[str, Any] = field(default_factory=dict)

    def ids_by_path_prefix(self) -> dict[str, list[int]]:
        from cxops.models import (
            Channel,
            ExperienceIssue,
            ExperienceReport,
            HotSpotAlert,
            ImportJob,
            Notification,
            Product,
            Segment,
        )
        from proposals.models import Comment, Strategy
        from rules_lifecycle.models import EvaluationRun, ExperienceRule, RuleEvaluation

        def ids(model: Any) -> list[int]:
            return list(model.objects.order_by("pk").values_list("pk", flat=True)[:20])

        return {
            "/api/reports/": ids(ExperienceReport),
            "/api/issues/": ids(ExperienceIssue),
            "/api/import-jobs/": ids(ImportJob),
            "/api/dashboard/alerts/": ids(HotSpotAlert),
            "/api/notifications/": ids(Notification),
            "/api/products/": ids(Product),
            "/api/channels/": ids(Channel),
            "/api/segments/": ids(Segment),
            "/api/strategies/": ids(Strategy),
            "/api/strategy-comments/": ids(Comment),
            "/api/rules/": ids(ExperienceRule),
            "/api/evaluation-runs/": ids(EvaluationRun),
            "/api/rule-evaluations/": ids(RuleEvaluation),
        }


def _user(role: str, username: str) -> Any:
    """No password: hashing one costs a tenth of a second, and the suites sign in with force_login."""
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(username=username, password=None, is_staff=role == Role.ADMIN)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def build_world(*, text: str | None = None) -> World:
    """Users of every role (two each) and one of every object; `text` goes into every text field."""
    from cxops.models import Channel, Product
    from cxops.services.reports import report_create
    from cxops.services.triage import issue_create, reports_dismiss
    from proposals.services.discussion import comment_create, comment_edit
    from proposals.services.strategies import StrategyContent, strategy_create, strategy_update
    from proposals.services.transitions import strategy_transition
    from proposals.services.votes import vote_cast
    from rules_lifecycle.services.rules import rule_create_from_strategy
    from rules_lifecycle.transitions import rule_transition

    users = {role: _user(role, f"{role}_own") for role in ROLES}
    others = {role: _user(role, f"{role}_other") for role in ROLES}
    world = World(users=users, others=others)
    words = text if text is not None else "客户反映飞信无法登录"
    product = Product.objects.order_by("pk").first()
    channel = Channel.objects.order_by("pk").first()

    for who, user in (("own", users[Role.FRONTLINE]), ("other", others[Role.FRONTLINE])):
        report, _ = report_create(
            actor=user,
            product=product,
            channel=channel,
            source_type="complaint",
            layer="functional",
            stage="use",
            summary=_fit(f"{who} {words}", 200),
            detail=words,
            occurred_at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI),
        )
        world.objects[f"report_{who}"] = report

    short = _fit(words, 200)
    dismissed, _ = report_create(
        actor=others[Role.FRONTLINE],
        product=product,
        channel=channel,
        source_type="complaint",
        layer="functional",
        stage="use",
        summary=short or "测试",
        occurred_at=dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI),
    )
    reports_dismiss(actor=users[Role.ANALYST], report_ids=[dismissed.pk], reason=_fit(words, 300) or "测试")
    world.objects["report_dismissed"] = dismissed

    issue = issue_create(actor=users[Role.ANALYST], title=short or "问题", description=words, product=product)
    world.objects["issue"] = issue

    def content(body: str) -> StrategyContent:
        return StrategyContent(
            title=short or "策略",
            product=product,
            layer="functional",
            experience_event=words or "事件",
            strategy_text=words or "策略",
            body=body,
            issues=[issue],
            tags=["安全"],
        )

    analyst, manager, owner = users[Role.ANALYST], users[Role.MANAGER], users[Role.PRODUCT_OWNER]
    strategy = strategy_create(actor=analyst, content=content(words))
    strategy = strategy_update(
        strategy=strategy, actor=analyst, base_revision=1, content=content(words + "\n\n" + words[::-1])
    )
    strategy = strategy_transition(strategy=strategy, to_status="discussion", actor=analyst)
    comment = comment_create(strategy=strategy, actor=analyst, body=words or "评论")
    comment_edit(comment=comment, actor=analyst, body=(words or "评论") + " 改")
    world.objects["comment"] = comment
    strategy = strategy_transition(strategy=strategy, to_status="voting", actor=analyst)
    vote_cast(strategy=strategy, actor=owner, choice="support", reason=_fit(words, 500))
    strategy = strategy_transition(
        strategy=strategy, to_status="accepted", actor=manager, reason=words or "同意"
    )
    world.objects["strategy"] = strategy

    world.objects["rule"] = rule_create_from_strategy(
        strategy=strategy,
        actor=owner,
        owner=owner,
        name=short or "规则",
        trigger_event=_fit(words, 200) or "客户致电",
        trigger_condition=words,
        trigger_action=words or "发送短信",
        trigger_notes=words,
        implementing_system="cmp",
        timing="non_instant",
    )
    # Live, so its evaluation page exists; the moves a manager and the owner make, with reasons.
    for to_status, mover in (("approved", manager), ("implementing", owner), ("live", owner)):
        rule_transition(
            rule=world.objects["rule"], to_status=to_status, actor=mover, reason=_fit(words, 200) or "上线"
        )
    world.objects["rule"].refresh_from_db()
    # A second, draft strategy of someone else's, for ownership cells.
    world.objects["strategy_other"] = strategy_create(actor=others[Role.ANALYST], content=content("草稿"))
    return world


def _fit(text: str, limit: int) -> str:
    """As many whole lines of `text` as fit in `limit` characters (a short field's worth)."""
    kept: list[str] = []
    for line in text.split("\n"):
        if len("\n".join([*kept, line])) > limit:
            break
        kept.append(line)
    return "\n".join(kept).strip() or text[:limit]
