"""Demo data (seed scenarios, idempotent), the issue-page panel, and issue followers."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from cxops.models import Notification
from cxops.panels import issue_panels
from cxops.panels import render_issue_panels
from cxops.services.notifications import follow_create
from proposals.models import Strategy
from proposals.panels import issue_strategies_panel
from proposals.services.transitions import strategy_transition
from tests.factories import IssueFactory
from tests.proposals.factories import make_strategy

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_demo_loads_the_seed_scenarios_in_various_states_and_is_idempotent(reference_data):
    from cxops.demo import demo_users
    from proposals import demo

    users = demo_users()
    demo.load(users=users, log=lambda message: None)
    counts = Strategy.objects.count()
    demo.load(users=users, log=lambda message: None)
    assert Strategy.objects.count() == counts
    seeds = {
        "hk-macau-multi-number": "在广九直通车候车室推广港澳一卡多号",
        "fetion": "飞信咨询客户自动下发下载链接和使用指引",
        "web-hall": "分析网上营业厅点击数据优化导航",
        "tariffs": "基于话费演算为客户推荐更优资费",
    }
    for product, title in seeds.items():
        assert Strategy.objects.get(title=title).product.code == product
    assert Strategy.objects.filter(product__code="fetion").count() >= 2
    assert Strategy.objects.filter(status="accepted").count() >= 2
    assert set(Strategy.objects.values_list("status", flat=True)) >= {
        "draft", "discussion", "voting", "accepted", "rejected", "withdrawn", "merged",
    }  # fmt: skip
    hk = Strategy.objects.get(title=seeds["hk-macau-multi-number"])
    assert hk.revisions.count() >= 3 and hk.comments.count() >= 3 and hk.votes.count() >= 3
    assert hk.official_answer
    assert hk.comments.values("author").distinct().count() >= 2


def test_issue_panel_lists_strategies_for_the_issue(analyst, frontline):
    issue = IssueFactory()
    linked = make_strategy(actor=analyst, issues=[issue], title="针对问题的策略")
    make_strategy(actor=analyst, title="无关策略")
    request = RequestFactory().get("/")
    request.user = frontline
    assert issue_strategies_panel in issue_panels()
    template, context = issue_strategies_panel(request, issue)
    assert context["strategies"] == [linked] and context["can_create"] is False
    html = "".join(render_issue_panels(request, issue))
    assert "针对问题的策略" in html and "无关策略" not in html


def test_issue_followers_hear_of_new_strategies_and_their_status(
    analyst, frontline, django_capture_on_commit_callbacks
):
    issue = IssueFactory()
    follow_create(user=frontline, target=issue)
    with django_capture_on_commit_callbacks(execute=True):
        strategy = make_strategy(actor=analyst, issues=[issue], title="飞信失败提示")
    with django_capture_on_commit_callbacks(execute=True):
        strategy_transition(strategy=strategy, to_status="discussion", actor=analyst)
    notes = list(Notification.objects.filter(recipient=frontline).order_by("id").values_list("kind", "title"))
    assert [kind for kind, _title in notes] == ["edit", "status"]
    assert "飞信失败提示" in notes[0][1]
