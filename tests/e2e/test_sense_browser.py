"""A hotline agent files a Chinese report on the filing page (similar issues suggested while typing),
and an analyst finds it in the triage queue and selects it with the keyboard."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in_page(browser, live_server, username, *, width=1280):
    context = browser.new_context(
        locale="zh-hans",
        extra_http_headers={"Accept-Language": "zh-hans"},
        viewport={"width": width, "height": 900},
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-test-12345")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state("networkidle")
    return page


def test_a_report_filed_in_chinese_on_a_phone_reaches_the_triage_queue(
    browser, live_server, make_user, reference_data
):
    from cxops.models import ExperienceReport
    from cxops.services.triage import issue_create

    # given an agent, an analyst and an existing issue about Fetion applications
    make_user("frontline", username="zhangmin")
    analyst = make_user("analyst", username="lijing")
    issue = issue_create(actor=analyst, title="飞信号码申请失败，客户不知道原因")
    page = _signed_in_page(browser, live_server, "zhangmin", width=390)

    # when the agent types the summary, similar issues appear with the matching part highlighted
    page.goto(f"{live_server.url}/sense/")
    page.fill("input[name=summary]", "客户申请飞信一直失败，提示系统忙")
    suggestion = page.locator("#similar-list .similar-item").first
    suggestion.wait_for()
    assert "飞信号码申请失败" in suggestion.inner_text()
    assert page.locator("#similar-list mark").count() >= 1
    # the searchable picker narrows the products as the agent types
    page.locator("#id_product").locator("xpath=preceding-sibling::input[1]").fill("飞信")
    assert page.locator("#id_product").input_value() == str(reference_data["products"]["fetion"].pk)
    # the channel starts empty too (never silently the first one): the agent picks it
    assert page.locator("#id_channel").input_value() == ""
    page.locator("#id_channel").select_option(str(reference_data["channels"]["hotline-10086"].pk))
    # the city is a required choice too (issue 17); the agent has no home city, so picks it
    from cxops.models import Region

    page.locator("#id_region").select_option(str(Region.objects.get(code="foshan").pk))
    page.locator("input[name=source_type][value=complaint]").check()
    page.locator("input[name=layer][value=functional]").check()
    page.locator("input[name=stage][value=use]").check()
    page.fill("input[name=customer]", "+86 138-0013-8000")
    page.locator("button[type=submit]", has_text="提交报告").click()
    page.wait_for_load_state("networkidle")

    # then it is filed, masked, and not attached (the agent chose not to)
    assert "报告已提交" in page.locator(".messages").inner_text()
    report = ExperienceReport.objects.get()
    assert (report.summary, report.customer_masked, report.issue_id) == (
        "客户申请飞信一直失败，提示系统忙",
        "138****8000",
        None,
    )
    assert "13800138000" not in page.content()

    # and the analyst finds it at the top of the triage queue and selects it from the keyboard
    queue = _signed_in_page(browser, live_server, "lijing")
    queue.goto(f"{live_server.url}/sense/triage/")
    first_row = queue.locator("#triage-table tbody tr").first
    assert "客户申请飞信一直失败" in first_row.inner_text()
    queue.keyboard.press("j")
    queue.keyboard.press("x")
    assert queue.locator("#selection-count").inner_text() == "已选择 1 条报告"
    # the focused report's similar issues are offered for merging
    queue.locator("#issue-results button").first.wait_for()
    queue.locator("#issue-results button").first.click()
    queue.locator("#merge-existing").click()
    queue.wait_for_load_state("networkidle")
    report.refresh_from_db()
    issue.refresh_from_db()
    assert (report.issue_id, report.status, issue.report_count) == (issue.pk, "linked", 1)
