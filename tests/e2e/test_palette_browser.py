"""The command palette in a real browser: Ctrl+K anywhere, pinyin initials find a page, an issue
title finds the issue, Enter opens the chosen line, Esc closes."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ctrl_k_finds_pages_and_records(open_pages, live_server, make_user):
    from cxops.roles import Role
    from tests.factories import IssueFactory

    analyst = make_user(Role.ANALYST, username="palette_analyst")
    issue = IssueFactory(title="魔百和机顶盒无信号")

    page = open_pages.sign_in("analyst", analyst.username)
    page.goto(f"{live_server.url}/pool/")
    page.keyboard.press("Control+k")
    palette = page.locator("#palette")
    palette.wait_for(state="visible")

    page.locator("#palette-q").fill("fj")  # 分拣 (triage) by its pinyin initials
    option = palette.locator("[role=option]", has_text="分拣").first
    option.wait_for()
    assert option.get_attribute("aria-selected") == "true"
    page.keyboard.press("Escape")
    palette.wait_for(state="hidden")

    page.keyboard.press("Control+k")
    page.locator("#palette-q").fill("机顶盒")
    palette.locator("[role=option]", has_text="魔百和机顶盒无信号").wait_for()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/sense/issues/{issue.pk}/")
