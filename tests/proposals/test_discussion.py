"""Threaded comments, author edits with history, moderation with a reason, @mentions."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cxops.errors import ApplicationError
from cxops.models import Notification
from cxops.services.notifications import is_following
from proposals.models import Comment
from proposals.models import CommentEdit
from proposals.services.discussion import comment_create
from proposals.services.discussion import comment_edit
from proposals.services.discussion import comment_hide
from proposals.services.discussion import comment_unhide
from proposals.services.transitions import strategy_transition
from tests.proposals.factories import make_strategy

pytestmark = pytest.mark.django_db


def test_replies_form_a_thread_and_count(analyst, frontline, client_for):
    strategy = make_strategy(actor=analyst, status="discussion")
    top = comment_create(strategy=strategy, actor=frontline, body="客户常问怎么办理")
    reply = comment_create(strategy=strategy, actor=analyst, body="需要两证", parent=top)
    strategy.refresh_from_db()
    assert (reply.parent, strategy.comment_count) == (top, 2)
    page = client_for(frontline).get(f"/pool/{strategy.pk}/").content.decode()
    assert f'id="comment-{reply.pk}" class="pool-comment depth-1' in page
    assert is_following(user=frontline, target=strategy)


def test_reply_must_be_on_the_same_strategy(analyst, frontline):
    one = make_strategy(actor=analyst, title="一")
    two = make_strategy(actor=analyst, title="二")
    parent = comment_create(strategy=one, actor=frontline, body="甲")
    with pytest.raises(ValidationError):
        comment_create(strategy=two, actor=frontline, body="乙", parent=parent)
    assert Comment.objects.count() == 1


def test_empty_comments_are_refused(analyst, frontline):
    strategy = make_strategy(actor=analyst)
    with pytest.raises(ValidationError):
        comment_create(strategy=strategy, actor=frontline, body="   ")
    assert Comment.objects.count() == 0


def test_author_edits_are_kept(analyst, frontline):
    strategy = make_strategy(actor=analyst)
    comment = comment_create(strategy=strategy, actor=frontline, body="第一版")
    comment_edit(comment=comment, actor=frontline, body="第二版")
    comment_edit(comment=comment, actor=frontline, body="第三版")
    comment.refresh_from_db()
    assert comment.body == "第三版" and comment.edited_at is not None
    assert list(comment.edits.order_by("id").values_list("previous_body", flat=True)) == ["第一版", "第二版"]


def test_only_the_author_edits(analyst, frontline, manager):
    strategy = make_strategy(actor=analyst)
    comment = comment_create(strategy=strategy, actor=frontline, body="原文")
    with pytest.raises(ApplicationError) as caught:
        comment_edit(comment=comment, actor=manager, body="改写")
    assert caught.value.code == "forbidden"
    comment.refresh_from_db()
    assert (comment.body, CommentEdit.objects.count()) == ("原文", 0)


def test_moderators_hide_with_a_reason_and_the_author_is_told(
    analyst, frontline, make_user, django_capture_on_commit_callbacks
):
    strategy = make_strategy(actor=analyst)
    comment = comment_create(strategy=strategy, actor=frontline, body="灌水内容")
    other = make_user("frontline")
    with pytest.raises(ApplicationError):
        comment_hide(comment=comment, actor=other, reason="不相关")
    with pytest.raises(ValidationError):
        comment_hide(comment=comment, actor=analyst, reason="")
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        hidden = comment_hide(comment=comment, actor=analyst, reason="与讨论无关")
    assert (hidden.is_hidden, hidden.hidden_reason, hidden.hidden_by) == (True, "与讨论无关", analyst)
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [(frontline.pk, "comment")]
    strategy.refresh_from_db()
    assert "灌水内容" not in strategy.search_document
    shown = comment_unhide(comment=hidden, actor=analyst)
    assert shown.is_hidden is False


def test_hidden_comment_text_is_not_on_the_page(analyst, frontline, client_for):
    strategy = make_strategy(actor=analyst)
    comment = comment_create(strategy=strategy, actor=frontline, body="不当言论XYZ")
    comment_hide(comment=comment, actor=analyst, reason="人身攻击")
    page = client_for(frontline).get(f"/pool/{strategy.pk}/").content.decode()
    assert "不当言论XYZ" not in page and "人身攻击" in page


def test_mentions_notify_the_people_named_once(
    analyst, frontline, make_user, django_capture_on_commit_callbacks
):
    # given a strategy whose creator follows it, and a colleague to mention
    strategy = make_strategy(actor=analyst)
    colleague = make_user("product_owner", username="wanglei")
    Notification.objects.all().delete()
    # when frontline mentions the colleague and the creator
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_create(
            strategy=strategy,
            actor=frontline,
            body=f"@wanglei @{analyst.username} 请看一下，邮箱 a@b.cn 不算",
        )
    # then each is notified once, as a mention; no mention for the e-mail address
    assert sorted(Notification.objects.values_list("recipient_id", "kind")) == sorted(
        [(colleague.pk, "mention"), (analyst.pk, "mention")]
    )
    # and editing to add a new mention notifies only the new person
    newcomer = make_user("frontline", username="zhaoqian")
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        comment_edit(comment=comment, actor=frontline, body=comment.body + " @zhaoqian")
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [(newcomer.pk, "mention")]


def test_comment_notifications_wait_for_the_commit(analyst, frontline, django_capture_on_commit_callbacks):
    strategy = make_strategy(actor=analyst)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comment_create(strategy=strategy, actor=frontline, body="评论")
    assert Notification.objects.count() == 0
    for callback in callbacks:
        callback()
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [(analyst.pk, "comment")]


def test_no_comments_on_a_merged_strategy(analyst, frontline):
    a = make_strategy(actor=analyst, title="甲")
    b = make_strategy(actor=analyst, title="乙")
    strategy_transition(strategy=a, to_status="merged", actor=analyst, merged_into=b)
    with pytest.raises(ApplicationError):
        comment_create(strategy=a, actor=frontline, body="还在吗")
    assert Comment.objects.count() == 0


def test_comment_pages(client_for, analyst, frontline, make_user):
    strategy = make_strategy(actor=analyst)
    response = client_for(frontline).post(f"/pool/{strategy.pk}/comments/", {"body": "页面评论"})
    comment = Comment.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{comment.pk}")
    assert client_for(make_user("frontline")).get(f"/pool/comments/{comment.pk}/edit/").status_code == 403
    client_for(frontline).post(f"/pool/comments/{comment.pk}/edit/", {"body": "改过的评论"})
    history = client_for(analyst).get(f"/pool/comments/{comment.pk}/history/").content.decode()
    assert "页面评论" in history and "改过的评论" in history
    assert (
        client_for(frontline).post(f"/pool/comments/{comment.pk}/hide/", {"reason": "x"}).status_code == 403
    )
    client_for(analyst).post(f"/pool/comments/{comment.pk}/hide/", {"reason": "重复"})
    comment.refresh_from_db()
    assert (comment.is_hidden, comment.hidden_reason) == (True, "重复")
