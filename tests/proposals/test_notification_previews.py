"""Notifications about the pool read as plain words: a mention's preview has no Markdown marks, and a
vote notification's tag names a kind of news (投票), not a strategy's state (投票中)."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.utils import translation

from cxops.models import Notification
from cxops.models import NotificationKind
from cxops.roles import Role
from proposals.services.discussion import comment_create
from tests.proposals.factories import make_strategy

pytestmark = pytest.mark.django_db


def test_a_mention_preview_is_plain_words(make_user):
    author, named = make_user(Role.ANALYST, username="author1"), make_user(Role.FRONTLINE, username="named1")
    strategy = make_strategy(actor=author)
    with TestCase.captureOnCommitCallbacks(execute=True):
        comment_create(
            actor=author,
            strategy=strategy,
            body="## 建议\n\n**@named1** 请看 [链接](https://example.com) 和 `代码`",
        )
    mention = Notification.objects.get(recipient=named, kind="mention")
    assert mention.body == "建议 @named1 请看 链接 和 代码"


def test_the_vote_kind_is_not_read_as_a_state():
    with translation.override("zh-hans"):
        assert str(NotificationKind.VOTE.label) == "投票"
