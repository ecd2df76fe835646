"""Notification e-mails: a text and an HTML part, an absolute link that opens the object, user
text escaped in the HTML."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core import mail

from cxops.models import Notification
from rules_lifecycle.transitions import rule_transition
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_an_email_link_opens_the_object(settings, client_for, django_capture_on_commit_callbacks):
    # given e-mail notifications, a site address, and a rule whose owner has an address
    settings.CXOPS_EMAIL_NOTIFICATIONS = True
    settings.SITE_URL = "https://cx.example.com"
    owner = user_with_role("product_owner", email="owner@example.com")
    rule = make_rule(owner=owner, name="飞信<script>alert(1)</script>下载短信")
    # when a manager approves it (the owner is notified)
    with django_capture_on_commit_callbacks(execute=True):
        rule_transition(rule=rule, to_status="approved", actor=user_with_role("manager"))
    # then one mail with a text and an HTML part, both with the absolute link
    (message,) = mail.outbox
    link = f"https://cx.example.com/rules/{rule.pk}/"
    assert message.to == ["owner@example.com"]
    assert link in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    # and the link opens the rule for its recipient
    page = client_for(owner).get(urlsplit(link).path)
    assert page.status_code == 200 and "飞信" in page.content.decode()
    assert Notification.objects.get(recipient=owner).emailed_at is not None
