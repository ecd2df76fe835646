"""Every save is a revision; a stale save is refused with both texts; restore is a new revision."""

from __future__ import annotations

import pytest

from cxops.errors import ApplicationError
from cxops.models import Notification
from proposals.diff import combined_inline_diff
from proposals.diff import inline_diff
from proposals.diff import line_diff
from proposals.models import Revision
from proposals.services.strategies import current_content
from proposals.services.strategies import strategy_restore
from proposals.services.strategies import strategy_update
from proposals.services.transitions import strategy_transition
from tests.proposals.factories import make_strategy

pytestmark = pytest.mark.django_db


def _edit(strategy, **changes):
    base = current_content(strategy)
    return type(base)(**{**base.__dict__, **changes})


def test_create_writes_revision_one_with_the_content(analyst):
    # given / when
    strategy = make_strategy(actor=analyst, tags=["漫游", " 漫游", "宣传"])
    # then
    revision = strategy.revisions.get()
    assert (strategy.current_revision, revision.number, revision.author) == (1, 1, analyst)
    assert revision.title == strategy.title
    assert revision.tag_names == sorted(["漫游", "宣传"])


def test_update_from_the_current_revision_saves_the_next_one(analyst, frontline):
    # given
    strategy = make_strategy(actor=analyst)
    # when a frontline member edits (everyone signed in may edit)
    updated = strategy_update(
        strategy=strategy,
        actor=frontline,
        base_revision=1,
        content=_edit(strategy, body="新正文"),
        summary="改正文",
    )
    # then
    assert updated.current_revision == 2
    assert updated.body == "新正文"
    latest = updated.revisions.get(number=2)
    assert (latest.author, latest.summary, latest.body) == (frontline, "改正文", "新正文")
    assert updated.revisions.get(number=1).body != "新正文"


def test_a_stale_save_is_refused_with_both_texts_and_nothing_written(analyst, frontline, make_user):
    # given: two editors started from revision 1; the first saved
    strategy = make_strategy(actor=analyst)
    other = make_user("frontline")
    strategy_update(
        strategy=strategy, actor=frontline, base_revision=1, content=_edit(strategy, body="甲的修改")
    )
    # when the second saves from revision 1
    with pytest.raises(ApplicationError) as caught:
        strategy_update(
            strategy=strategy, actor=other, base_revision=1, content=_edit(strategy, body="乙的修改")
        )
    # then refused with the current revision and the refused text
    error = caught.value
    assert error.code == "conflict" and error.status == 409
    assert error.extra["base_revision"] == 1
    assert error.extra["current_revision"] == 2
    assert error.extra["current"]["body"] == "甲的修改"
    assert error.extra["yours"]["body"] == "乙的修改"
    strategy.refresh_from_db()
    assert (strategy.current_revision, strategy.body) == (2, "甲的修改")
    assert Revision.objects.filter(strategy=strategy).count() == 2


def test_saving_identical_content_writes_no_revision(analyst):
    strategy = make_strategy(actor=analyst)
    same = strategy_update(
        strategy=strategy, actor=analyst, base_revision=1, content=current_content(strategy)
    )
    assert same.current_revision == 1
    assert strategy.revisions.count() == 1


def test_restore_saves_the_old_content_as_a_new_revision(analyst, frontline):
    # given r1 (original) and r2 (edited)
    strategy = make_strategy(actor=analyst)
    original_body = strategy.body
    strategy_update(
        strategy=strategy, actor=frontline, base_revision=1, content=_edit(strategy, body="改坏了")
    )
    # when r1 is restored
    restored = strategy_restore(strategy=strategy, actor=analyst, number=1, base_revision=2)
    # then r3 holds r1's content, history is intact
    assert restored.current_revision == 3
    assert restored.body == original_body
    r3 = restored.revisions.get(number=3)
    assert (r3.restored_from, r3.author) == (1, analyst)
    assert list(restored.revisions.order_by("number").values_list("body", flat=True)) == [
        original_body,
        "改坏了",
        original_body,
    ]


def test_restore_from_a_stale_page_is_a_conflict(analyst, frontline):
    strategy = make_strategy(actor=analyst)
    strategy_update(strategy=strategy, actor=frontline, base_revision=1, content=_edit(strategy, body="二"))
    with pytest.raises(ApplicationError) as caught:
        strategy_restore(strategy=strategy, actor=analyst, number=1, base_revision=1)
    assert caught.value.code == "conflict"
    assert strategy.revisions.count() == 2


def test_closed_strategies_cannot_be_edited(analyst, manager):
    strategy = make_strategy(actor=analyst, status="accepted", manager=manager)
    with pytest.raises(ApplicationError) as caught:
        strategy_update(strategy=strategy, actor=analyst, base_revision=4, content=_edit(strategy, body="x"))
    assert caught.value.code == "closed"
    assert strategy.revisions.count() == 1


def test_edit_notifies_followers_after_commit_but_not_the_editor(
    analyst, frontline, django_capture_on_commit_callbacks
):
    # given the creator follows their strategy
    strategy = make_strategy(actor=analyst)
    Notification.objects.all().delete()
    # when someone edits, inside a transaction
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        strategy_update(
            strategy=strategy, actor=frontline, base_revision=1, content=_edit(strategy, body="新")
        )
        # then nothing is created before the commit
        assert Notification.objects.count() == 0
    for callback in callbacks:
        callback()
    notes = list(Notification.objects.values_list("recipient_id", "kind"))
    assert notes == [(analyst.pk, "edit")]


# --- diff -------------------------------------------------------------------------------------


def test_inline_diff_marks_chinese_characters_not_whole_lines():
    old, new = inline_diff("在直通车候车室宣传", "在广九直通车候车室和口岸宣传")
    assert old == "在直通车候车室宣传"
    assert new == '在<ins class="diff">广九</ins>直通车候车室<ins class="diff">和口岸</ins>宣传'


def test_inline_diff_compares_latin_text_by_words():
    combined = combined_inline_diff("send the SMS link", "send the WAP link")
    assert combined == 'send the <del class="diff">SMS</del><ins class="diff">WAP</ins> link'


def test_diff_escapes_html_in_revisions():
    combined = combined_inline_diff("<b>旧</b>", '<img src=x onerror="alert(1)">')
    assert "<img" not in combined and "<b>" not in combined
    assert '<ins class="diff">img src=x onerror=&quot;alert(1)&quot;</ins>' in combined


def test_line_diff_keeps_context_and_skips_far_unchanged_lines():
    old = "\n".join(f"第{i}行" for i in range(1, 21))
    new = old.replace("第10行", "第十行")
    rows = line_diff(old, new, context=2)
    kinds = [row.kind for row in rows]
    assert kinds == ["equal", "equal", "delete", "insert", "equal", "equal"]
    assert rows[2].old_number == 10 and rows[3].new_number == 10
    assert rows[3].html == '第<ins class="diff">十</ins>行'


# --- pages ------------------------------------------------------------------------------------


def test_history_and_diff_pages_show_revisions(client_for, analyst, frontline):
    strategy = make_strategy(actor=analyst)
    strategy_update(
        strategy=strategy,
        actor=frontline,
        base_revision=1,
        content=_edit(strategy, strategy_text="在广九直通车候车室和口岸向目标客户宣传"),
        summary="补充口岸",
    )
    client = client_for(frontline)
    history = client.get(f"/pool/{strategy.pk}/history/").content.decode()
    assert "补充口岸" in history and "r2" in history
    diff = client.get(f"/pool/{strategy.pk}/diff/?from=1&to=2").content.decode()
    assert '<ins class="diff">和口岸</ins>' in diff


def test_diff_of_unknown_revisions_is_404(client_for, analyst):
    strategy = make_strategy(actor=analyst)
    assert client_for(analyst).get(f"/pool/{strategy.pk}/diff/?from=1&to=9").status_code == 404
    assert client_for(analyst).get(f"/pool/{strategy.pk}/diff/?from=x&to=1").status_code == 404


def _form_data(strategy, **changes):
    data = {
        "title": strategy.title,
        "product": strategy.product.code,
        "layer": strategy.layer,
        "experience_event": strategy.experience_event,
        "strategy_text": strategy.strategy_text,
        "body": strategy.body,
        "tags": "漫游, 宣传",
        "summary": "",
        "base_revision": strategy.current_revision,
    }
    data.update(changes)
    return data


def test_edit_page_saves_a_revision(client_for, analyst, frontline):
    strategy = make_strategy(actor=analyst)
    response = client_for(frontline).post(f"/pool/{strategy.pk}/edit/", _form_data(strategy, body="页面修改"))
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert (strategy.current_revision, strategy.body) == (2, "页面修改")


def test_edit_page_conflict_shows_their_change_and_keeps_your_text(client_for, analyst, frontline, make_user):
    # given: frontline saved revision 2 after the other editor loaded revision 1
    strategy = make_strategy(actor=analyst)
    other = make_user("frontline")
    client_for(frontline).post(f"/pool/{strategy.pk}/edit/", _form_data(strategy, body="甲：增加口岸试点"))
    # when the other editor saves from revision 1
    response = client_for(other).post(
        f"/pool/{strategy.pk}/edit/", _form_data(strategy, body="乙：增加现场办理", base_revision=1)
    )
    # then: a 409 conflict page, their change shown, our text kept in a form based on revision 2
    page = response.content.decode()
    assert response.status_code == 409
    their_change = page.split('id="their-h"')[1].split('id="yours-h"')[0]
    assert '<tr class="pool-diff-insert">' in their_change and "甲：增加口岸试点" in their_change
    assert "乙：增加现场办理</textarea>" in page
    assert 'name="base_revision" value="2"' in page
    strategy.refresh_from_db()
    assert (strategy.current_revision, strategy.body) == (2, "甲：增加口岸试点")
    # and saving the merged form works
    merged = client_for(other).post(
        f"/pool/{strategy.pk}/edit/",
        _form_data(strategy, body="甲：增加口岸试点\n乙：增加现场办理", base_revision=2),
    )
    assert merged.status_code == 302
    strategy.refresh_from_db()
    assert strategy.current_revision == 3


def test_restore_page_creates_a_new_revision(client_for, analyst, frontline):
    strategy = make_strategy(actor=analyst)
    original = strategy.body
    strategy_update(strategy=strategy, actor=frontline, base_revision=1, content=_edit(strategy, body="二"))
    response = client_for(frontline).post(f"/pool/{strategy.pk}/revisions/1/restore/", {"base_revision": 2})
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert (strategy.current_revision, strategy.body) == (3, original)


def test_edit_page_keeps_your_text_when_the_strategy_closed_meanwhile(
    client_for, analyst, manager, frontline
):
    # given an editor who opened the form while voting was open
    strategy = make_strategy(actor=analyst, status="voting")
    data = _form_data(strategy, body="我还在写的内容")
    strategy_transition(strategy=strategy, to_status="accepted", actor=manager, reason="通过")
    # when they save
    response = client_for(frontline).post(f"/pool/{strategy.pk}/edit/", data)
    # then the form comes back with the reason and their text
    page = response.content.decode()
    assert response.status_code == 200
    assert "我还在写的内容</textarea>" in page and "error-summary" in page
    assert strategy.revisions.count() == 1
