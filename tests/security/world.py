"""A small world with one of everything, for the security suites (fuzzing, XSS, permission matrix).

Every role has two users, so "own" and "someone else's" objects exist for each; every object is
made through the services (reports, issues, strategies, comments, votes, rules, import jobs), so it
is a row a person could have made.  Text can be overridden to push hostile input through the same
paths (tests/security/test_xss.py).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from cxops.roles import Role

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ROLES = (Role.FRONTLINE, Role.ANALYST, Role.PRODUCT_OWNER, Role.MANAGER, Role.ADMIN)


@dataclass
class World:
    users: dict[str, Any]
    others: dict[str, Any]
    objects: dict[str, Any] = field(default_factory=dict)
    # Filled by add_matrix_objects: kind → owner's pk → object, and user pk → API token.
    owned: dict[str, dict[int, Any]] = field(default_factory=dict)
    tokens: dict[int, str] = field(default_factory=dict)

    def ids_by_path_prefix(self) -> dict[str, list[int]]:
        from cxops.models import Channel
        from cxops.models import ExperienceIssue
        from cxops.models import ExperienceReport
        from cxops.models import HotSpotAlert
        from cxops.models import ImportJob
        from cxops.models import Notification
        from cxops.models import Product
        from cxops.models import Segment
        from cxops.models import WebhookSubscription
        from proposals.models import Comment
        from proposals.models import Strategy
        from rules_lifecycle.models import EvaluationRun
        from rules_lifecycle.models import ExperienceRule
        from rules_lifecycle.models import RuleEvaluation

        def ids(model: Any) -> list[int]:
            return list(model.objects.order_by("pk").values_list("pk", flat=True)[:20])

        return {
            "/api/reports/": ids(ExperienceReport),
            "/api/issues/": ids(ExperienceIssue),
            "/api/import-jobs/": ids(ImportJob),
            "/api/dashboard/alerts/": ids(HotSpotAlert),
            "/api/webhooks/": ids(WebhookSubscription),
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
    from cxops.models import Channel
    from cxops.models import Product
    from cxops.services.reports import report_create
    from cxops.services.triage import issue_create
    from cxops.services.triage import reports_dismiss
    from proposals.services.discussion import comment_create
    from proposals.services.discussion import comment_edit
    from proposals.services.strategies import StrategyContent
    from proposals.services.strategies import strategy_create
    from proposals.services.strategies import strategy_update
    from proposals.services.transitions import strategy_transition
    from proposals.services.votes import vote_cast
    from rules_lifecycle.services.rules import rule_create_from_strategy
    from rules_lifecycle.transitions import rule_transition

    users = {role: _user(role, f"{role}_own") for role in ROLES}
    others = {role: _user(role, f"{role}_other") for role in ROLES}
    world = World(users=users, others=others)
    words = text if text is not None else "客户反映飞信无法登录"
    # Free text has limits (a report's detail, a strategy's texts, a rule's trigger): what fits.
    long = _fit(words, 5000)
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
            detail=long,
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
            experience_event=long or "事件",
            strategy_text=long or "策略",
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
        trigger_condition=long,
        trigger_action=long or "发送短信",
        trigger_notes=long,
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


def add_matrix_objects(world: World) -> World:
    """More objects for the permission matrix (tests/security/test_permission_matrix.py), kept apart
    from `build_world` so the other suites' world stays as it is.

    For every role that may own a kind of object, one is owned by `world.users[role]` and one by
    `world.others[role]`, filed in `world.owned[kind][user.pk]`: reports (everyone who files),
    comments and hidden comments with an earlier text (everyone), notifications (everyone), a second rule (the other
    product owner).  Plus one strategy open for voting (the first product owner and manager have voted), an import job, a hot-spot alert, an
    evaluation run with its rule evaluation, a second revision of `strategy_other`, and an API
    token per user.
    """
    from rest_framework.authtoken.models import Token

    from cxops.models import Channel
    from cxops.models import HotSpotAlert
    from cxops.models import Notification
    from cxops.models import Product
    from cxops.roles import has_role
    from cxops.services.imports.core import import_job_create
    from cxops.services.reports import report_create
    from proposals.services.discussion import comment_create
    from proposals.services.discussion import comment_edit
    from proposals.services.discussion import comment_hide
    from proposals.services.strategies import StrategyContent
    from proposals.services.strategies import strategy_create
    from proposals.services.strategies import strategy_update
    from proposals.services.transitions import strategy_transition
    from proposals.services.votes import vote_cast
    from rules_lifecycle.models import RunTrigger
    from rules_lifecycle.services.evaluation import evaluation_run_start
    from rules_lifecycle.services.evaluation import rules_evaluate
    from rules_lifecycle.services.rules import rule_create_from_strategy

    product = Product.objects.order_by("pk").first()
    channel = Channel.objects.order_by("pk").first()
    analyst, manager = world.users[Role.ANALYST], world.users[Role.MANAGER]
    everyone = [*world.users.values(), *world.others.values()]
    owned = world.owned
    owned.update({"report": {}, "comment": {}, "comment_hidden": {}, "notification": {}, "export_job": {}})
    world.tokens = {user.pk: Token.objects.get_or_create(user=user)[0].key for user in everyone}

    owned["report"][world.users[Role.FRONTLINE].pk] = world.objects["report_own"]
    owned["report"][world.others[Role.FRONTLINE].pk] = world.objects["report_other"]
    for user in everyone:
        if has_role(user, Role.FRONTLINE) and user.pk not in owned["report"]:
            owned["report"][user.pk], _ = report_create(
                actor=user,
                product=product,
                channel=channel,
                source_type="suggestion",
                layer="convenience",
                stage="use",
                summary=f"{user.username} 的报告",
                occurred_at=dt.datetime(2026, 11, 21, 9, 0, tzinfo=SHANGHAI),
                issue=world.objects["issue"],  # so the issue's page and filters list them
            )
        owned["notification"][user.pk] = Notification.objects.create(
            recipient=user, kind="mention", title=f"给 {user.username} 的通知"
        )
        # a background export still queued (no file yet): its page is its creator's alone
        from cxops.models import ExportJob

        owned["export_job"][user.pk] = ExportJob.objects.create(
            created_by=user, dataset="reports", file_format="csv"
        )

    voting = strategy_create(
        actor=analyst,
        content=StrategyContent(
            title="投票中的策略",
            product=product,
            layer="convenience",
            experience_event="客户找不到入口",
            strategy_text="调整导航",
            body="正文",
            issues=[],
            tags=[],
        ),
    )
    voting = strategy_transition(strategy=voting, to_status="discussion", actor=analyst)
    for user in everyone:
        owned["comment"][user.pk] = comment_create(
            strategy=voting, actor=user, body=f"{user.username} 的评论"
        )
        hidden = comment_create(strategy=voting, actor=user, body=f"{user.username} 被隐藏的评论")
        hidden = comment_edit(comment=hidden, actor=user, body=f"{user.username} 被隐藏的评论（改）")
        owned["comment_hidden"][user.pk] = comment_hide(comment=hidden, actor=manager, reason="离题")
    world.objects["strategy_voting"] = strategy_transition(strategy=voting, to_status="voting", actor=analyst)
    for voter in (world.users[Role.PRODUCT_OWNER], manager):  # so withdrawing a vote has one to withdraw
        vote_cast(strategy=world.objects["strategy_voting"], actor=voter, choice="oppose")

    # A second revision, so the first can be restored.
    draft = world.objects["strategy_other"]
    world.objects["strategy_other"] = strategy_update(
        strategy=draft,
        actor=world.others[Role.ANALYST],
        base_revision=draft.current_revision,
        content=StrategyContent(
            title=draft.title,
            product=draft.product,
            layer=draft.layer,
            experience_event=draft.experience_event,
            strategy_text=draft.strategy_text,
            body="草稿第二版",
            issues=[],
            tags=[],
        ),
    )

    owner_other = world.others[Role.PRODUCT_OWNER]
    world.objects["rule_other"] = rule_create_from_strategy(
        strategy=world.objects["strategy"],
        actor=owner_other,
        owner=owner_other,
        name="另一位负责人的规则",
        trigger_event="客户致电",
        trigger_action="发送短信",
        implementing_system="cmp",
        timing="non_instant",
    )
    owned["rule"] = {
        world.users[Role.PRODUCT_OWNER].pk: world.objects["rule"],
        owner_other.pk: world.objects["rule_other"],
    }

    world.objects["import_job"] = import_job_create(
        actor=analyst,
        kind="reports",
        source_system="matrix",
        original_name="reports.csv",
        data="外部编号,发生时间,来源类型,摘要\r\nM1,2026-11-20 09:00:00,投诉,无法登录\r\n".encode(),
    )
    world.objects["alert"] = HotSpotAlert.objects.create(
        signal="issue_reports",
        issue=world.objects["issue"],
        day=dt.date(2026, 11, 20),
        observed=90,
        expected=20,
        threshold=45,
        score=9,
    )
    # A touchpoint system's service account with one token (issue 18), made by an administrator.
    from cxops.services.service_accounts import service_account_create
    from cxops.services.service_accounts import service_token_issue

    world.objects["service_account"] = service_account_create(
        actor=world.users[Role.ADMIN], name="matrix-hotline"
    )
    world.objects["service_token"], _token = service_token_issue(
        actor=world.users[Role.ADMIN], account=world.objects["service_account"], scopes="reports:write"
    )
    # Exports name a dataset and a format in the path (issue 19).
    world.objects["export_dataset"] = "reports"
    world.objects["export_format"] = "csv"
    # A switched-off subscription (nothing is ever sent from the matrix) with one failed delivery.
    from cxops.models import WebhookDelivery
    from cxops.models import WebhookSubscription

    world.objects["webhook"] = WebhookSubscription.objects.create(
        name="矩阵 BOSS",
        target_url="https://boss.example.com/hook",
        events=["rule.transitioned"],
        active=False,
    )
    world.objects["webhook_delivery"] = WebhookDelivery.objects.create(
        subscription=world.objects["webhook"],
        event_id="00000000-0000-0000-0000-000000000019",
        event="rule.transitioned",
        payload={"data": {}, "summary": {"title": "矩阵", "facts": [], "url": "", "link_text": ""}},
        status="failed",
        attempts=1,
        response_code=500,
    )
    run = evaluation_run_start(trigger=RunTrigger.SCHEDULE)
    rules_evaluate(run=run, rule_ids=[world.objects["rule"].pk])
    world.objects["evaluation_run"] = run
    world.objects["rule_evaluation"] = run.evaluations.first()
    from cxops.services.matching import match_concept_save

    world.objects["match_concept"] = match_concept_save(
        actor=world.users[Role.ANALYST], code="matrix_concept", label_zh="矩阵概念", aliases="矩阵说法"
    )
    return world
