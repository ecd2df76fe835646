"""Notifications store the event, not the sentence: each reader reads it in their own language."""

from __future__ import annotations

import pytest
from django.utils import translation

from cxops.models import Notification
from rules_lifecycle.transitions import rule_transition
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_an_english_reader_reads_a_chinese_actors_notification_in_english(
    client_for, api_client_for, django_capture_on_commit_callbacks
):
    # given a rule whose owner reads in English, moved by a manager working in Chinese
    owner = user_with_role("product_owner")
    rule = make_rule(owner=owner, name="飞信下载短信")
    manager = user_with_role("manager")
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        rule_transition(rule=rule, to_status="approved", actor=manager)
    stored = Notification.objects.get(recipient=owner)
    assert "已批准" in stored.title and "Approved" not in stored.title  # written in Chinese
    # when the owner reads the notifications page in English, and through the API
    page = client_for(owner).get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    api = api_client_for(owner).get("/api/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()
    # then it reads in English; a Chinese reader still reads Chinese
    assert "Rule “飞信下载短信”: Proposed → Approved" in page
    assert api["results"][0]["title"] == "Rule “飞信下载短信”: Proposed → Approved"
    chinese = client_for(owner).get("/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert stored.title in chinese


def test_rows_written_before_keep_their_sentence():
    old = Notification(title="旧通知的标题", message="", params={})
    assert old.rendered_title == "旧通知的标题"
    broken = Notification(title="原句", message="Rule “%(name)s”: %(from)s → %(to)s", params={"name": "x"})
    assert broken.rendered_title == "原句"  # parameters that no longer fit: the stored sentence
