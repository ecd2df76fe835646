"""Two people edit the same strategy page in two browsers; the second sees the conflict and keeps
their text, merges, and saves on top of the first one's revision."""

from __future__ import annotations

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


def test_second_editor_sees_the_conflict_and_keeps_their_text(browser, live_server, make_user):
    from proposals.models import Strategy
    from tests.proposals.factories import make_strategy

    # given a strategy, and two colleagues who open its edit form at the same revision
    analyst = make_user("analyst", username="lijing")
    make_user("frontline", username="zhangmin")
    make_user("frontline", username="liuyang")
    strategy = make_strategy(actor=analyst, body="## 做法\n\n- 候车室海报")
    first = _signed_in_page(browser, live_server, "zhangmin")
    second = _signed_in_page(browser, live_server, "liuyang")
    for page in (first, second):
        page.goto(f"{live_server.url}/pool/{strategy.pk}/edit/")
        assert page.locator("input[name=base_revision]").input_value() == "1"

    # when the first saves a change
    first.fill("textarea[name=body]", "## 做法\n\n- 候车室海报\n- 罗湖口岸试点")
    first.fill("input[name=summary]", "补充口岸")
    # (the preview shows the rendered list, then goes back to the text)
    first.get_by_role("button", name="预览").click()
    first.locator("#body-preview li").last.wait_for()
    assert first.locator("#body-preview li").last.inner_text() == "罗湖口岸试点"
    first.get_by_role("button", name="返回编辑").click()
    assert first.locator("textarea[name=body]").is_visible()
    first.get_by_role("button", name="保存页面").click()
    first.wait_for_load_state("networkidle")
    assert "已保存为版本 2" in first.content()

    # and the second, still on revision 1, saves theirs
    mine = "## 做法\n\n- 候车室海报\n- 周末现场办理"
    second.fill("textarea[name=body]", mine)
    second.get_by_role("button", name="保存页面").click()
    second.wait_for_load_state("networkidle")

    # then the second sees the conflict, the first one's change, and their own text still in the form
    assert second.get_by_role("heading", name="你编辑期间，有人保存了这个页面").is_visible()
    their_change = second.locator("section[aria-labelledby=their-h]")
    assert "罗湖口岸试点" in their_change.inner_text()
    assert second.locator("textarea[name=body]").input_value() == mine
    assert second.locator("input[name=base_revision]").input_value() == "2"
    strategy.refresh_from_db()
    assert (strategy.current_revision, strategy.body) == (2, "## 做法\n\n- 候车室海报\n- 罗湖口岸试点")

    # and merging both changes and saving again gives revision 3 with both
    merged = "## 做法\n\n- 候车室海报\n- 罗湖口岸试点\n- 周末现场办理"
    second.fill("textarea[name=body]", merged)
    second.get_by_role("button", name="在版本 2 基础上保存").click()
    second.wait_for_load_state("networkidle")
    assert "已保存为版本 3" in second.content()
    strategy = Strategy.objects.get(pk=strategy.pk)
    assert (strategy.current_revision, strategy.body) == (3, merged)


def test_reply_in_place_and_keyboard_friendly_vote(browser, live_server, make_user):
    from proposals.models import Comment
    from proposals.models import Vote
    from proposals.services.discussion import comment_create
    from tests.proposals.factories import make_strategy

    analyst = make_user("analyst", username="lijing")
    make_user("product_owner", username="wanglei")
    strategy = make_strategy(actor=analyst, status="voting")
    top = comment_create(strategy=strategy, actor=analyst, body="先在候车室试点？")
    page = _signed_in_page(browser, live_server, "wanglei")
    page.goto(f"{live_server.url}/pool/{strategy.pk}/")
    # reply in place: the form moves under the comment, the reply is threaded
    page.locator(f"#comment-{top.pk} a.pool-reply").click()
    assert page.locator(f"#comment-{top.pk} #comment-form").is_visible()
    page.fill("#comment-body", "同意，@lijing 先试点三个月")
    page.get_by_role("button", name="发表评论").click()
    page.wait_for_load_state("networkidle")
    reply = Comment.objects.exclude(pk=top.pk).get()
    assert reply.parent_id == top.pk
    assert page.locator(f"#comment-{reply.pk}.depth-1 .mention").inner_text() == "@lijing"
    # vote with the keyboard only
    page.get_by_label("支持", exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_label("理由（可选）").fill("投入小")
    page.get_by_label("理由（可选）").press("Enter")
    page.wait_for_load_state("networkidle")
    assert list(Vote.objects.values_list("choice", "reason")) == [("support", "投入小")]
