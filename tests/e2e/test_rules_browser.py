"""A strategy accepted by a manager becomes a rule, goes live, and is sent back to implementing with a
reason — in a real browser, by the people whose moves these are."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in_page(browser, live_server, username):
    context = browser.new_context(locale="zh-hans", extra_http_headers={"Accept-Language": "zh-hans"})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-test-12345")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state("networkidle")
    return page


def _move(page, label):
    page.get_by_role("button", name=label, exact=True).click()
    page.wait_for_load_state("networkidle")


def _state(page) -> str:
    return page.locator(".rules-byline .rule-state").inner_text().strip()


def test_an_accepted_strategy_becomes_a_live_rule_and_is_sent_back_with_a_reason(
    browser, live_server, make_user
):
    from cxops.services.reference import reference_data_seed
    from rules_lifecycle.models import ExperienceRule
    from tests.proposals.factories import make_strategy

    # given a strategy a manager accepted, a product owner and the manager
    reference_data_seed()
    analyst = make_user("analyst", username="lijing")
    manager = make_user("manager", username="chenxiao")
    make_user("product_owner", username="wanglei")
    strategy = make_strategy(actor=analyst, status="accepted", manager=manager)
    owner_page = _signed_in_page(browser, live_server, "wanglei")
    manager_page = _signed_in_page(browser, live_server, "chenxiao")

    # when the product owner finds it on the rule board and proposes a rule for it
    owner_page.goto(f"{live_server.url}/rules/")
    owner_page.locator(".rules-awaiting li", has_text=strategy.title).get_by_role(
        "link", name="创建规则"
    ).click()
    owner_page.wait_for_load_state("networkidle")
    assert owner_page.get_by_label("名称").input_value() == strategy.title
    owner_page.get_by_label("名称").fill("入境香港客户推送一卡多号介绍短信")
    owner_page.get_by_label("条件").fill("客户未办理一卡多号")
    owner_page.get_by_label("实施系统").select_option("cmp")
    owner_page.get_by_label("时效").select_option("non_instant")
    owner_page.get_by_role("button", name="提出规则").click()
    owner_page.wait_for_load_state("networkidle")
    rule = ExperienceRule.objects.get()
    assert owner_page.url == f"{live_server.url}/rules/{rule.pk}/"
    assert _state(owner_page) == "已提出"
    # the owner cannot approve their own rule: no buttons, and the page says who moves next
    assert owner_page.locator(".rules-move-form").count() == 0
    assert "批准" in owner_page.locator(".rules-next").inner_text()

    # and the manager approves it
    manager_page.goto(f"{live_server.url}/rules/{rule.pk}/")
    _move(manager_page, "批准")
    assert _state(manager_page) == "已批准"

    # and the owner implements it and puts it live
    owner_page.reload()
    _move(owner_page, "开始实施")
    assert _state(owner_page) == "实施中"
    _move(owner_page, "上线")
    assert _state(owner_page) == "已上线"
    rule.refresh_from_db()
    assert rule.go_live_on is not None
    assert owner_page.get_by_text(rule.go_live_on.isoformat()).first.is_visible()

    # and the manager reviews it and tries to send it back without saying why
    manager_page.reload()
    _move(manager_page, "提交评审")
    assert _state(manager_page) == "评审中"
    manager_page.get_by_role("button", name="退回改进").click()
    assert _state(manager_page) == "评审中"  # the browser asked for a reason; nothing was sent
    assert manager_page.evaluate("document.activeElement.name") == "reason"

    # then, with a reason, the rule is back in implementing and the reason is on its timeline
    manager_page.get_by_label("理由").fill("投诉率下降不足，短信文案需要改进")
    _move(manager_page, "退回改进")
    assert _state(manager_page) == "实施中"
    assert manager_page.locator(".messages").inner_text().strip() == "规则现在是“实施中”。"
    timeline = manager_page.locator(".rules-timeline").inner_text()
    assert re.search(r"评审中 → 实施中\s+投诉率下降不足，短信文案需要改进", timeline)
    assert [
        (t.from_status, t.to_status, t.actor.username, t.reason)
        for t in rule.transitions.select_related("actor")
    ] == [
        ("proposed", "approved", "chenxiao", ""),
        ("approved", "implementing", "wanglei", ""),
        ("implementing", "live", "wanglei", ""),
        ("live", "under_review", "chenxiao", ""),
        ("under_review", "implementing", "chenxiao", "投诉率下降不足，短信文案需要改进"),
    ]
    # and the strategy's own story (its acceptance) is on the rule's timeline too
    assert "官方答复：理由充分" in timeline
