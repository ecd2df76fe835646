"""A manager reviews the rules' effectiveness in a browser: the review page, the charts (drawn by
ECharts under the CSP, no console errors), and the decision that keeps a rule."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reviews_charts_and_keeps_a_working_rule(browser, live_server, make_user):
    from rules_lifecycle.models import RuleStatus
    from rules_lifecycle.scoring.synthetic import Truth
    from rules_lifecycle.services.evaluation import evaluation_run_all
    from tests.rules_lifecycle.test_evaluation import live_rule

    # given a rule under review that truly cut complaints by 40 %, evaluated
    manager = make_user("manager", username="chenxiao")
    rule = live_rule(
        days_live=70, truth=Truth(complaint_rate=-0.40), status=RuleStatus.UNDER_REVIEW, manager=manager
    )
    evaluation_run_all()
    context = browser.new_context(locale="zh-hans", extra_http_headers={"Accept-Language": "zh-hans"})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.location.get("url", "").endswith("favicon.ico")
            else None
        ),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "chenxiao")
    page.fill("input[name=password]", "pw-test-12345")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state("networkidle")

    # when the manager opens the review page
    page.goto(f"{live_server.url}/evaluation/")
    # then the rule is there with its verdict, one row per measure, and the FDR statement
    row = page.locator("tbody.eval-rule", has_text=rule.name)
    assert row.locator(".verdict-keep").inner_text() == "保留"
    assert row.locator("tr").count() == 3
    assert "Benjamini–Hochberg" in page.locator("#fdr-note").inner_text()

    # when they open the rule's evaluation, the three charts are drawn
    row.get_by_role("link", name=rule.name).click()
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("[data-eval-chart] canvas")
    assert page.locator("[data-eval-chart] canvas").count() == 3
    # and they keep it, with a reason
    page.fill("textarea[name=reason]", "投诉率下降约40%，护栏指标未受损")
    page.get_by_role("button", name="保留").click()
    page.wait_for_load_state("networkidle")
    rule.refresh_from_db()
    assert rule.status == RuleStatus.KEPT
    assert "规则现在是" in page.locator(".messages").inner_text()
    assert errors == []
