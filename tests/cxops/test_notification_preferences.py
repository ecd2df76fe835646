"""Per-user notification preferences (bell / e-mail / daily digest per kind), the one-click
unsubscribe, the daily digest and the de-duplicated bell (issue 19)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core import signing
from django.core.management import call_command
from django.utils import timezone

from cxops.models import Notification
from cxops.models import NotificationDigest
from cxops.models import NotificationPreference
from cxops.services.notifications import DEFAULT_CHANNELS
from cxops.services.notifications import UNSUBSCRIBE_SALT
from cxops.services.notifications import Channels
from cxops.services.notifications import notification_digests_send
from cxops.services.notifications import notification_preferences
from cxops.services.notifications import notification_preferences_set
from cxops.services.notifications import notify
from cxops.services.notifications import unsubscribe_token
from cxops.tasks import send_notification_digests

pytestmark = pytest.mark.django_db

BELL_ONLY = Channels(in_app=True, email=False, digest=False)
EMAIL_ONLY = Channels(in_app=False, email=True, digest=False)
DIGEST_ONLY = Channels(in_app=False, email=False, digest=True)
NOTHING = Channels(in_app=False, email=False, digest=False)


@pytest.fixture
def email_on(settings):
    settings.CXOPS_EMAIL_NOTIFICATIONS = True
    settings.SITE_URL = "https://cx.example.com"
    return settings


def _notify(capture, recipients, kind="rule", title="规则“飞信”：已提议 → 已批准", **extra):
    with capture(execute=True):
        notify(recipient_ids=[r.pk for r in recipients], kind=kind, title=title, url="/rules/1/", **extra)


# --- preferences: the one place that honours them ------------------------------------------------


def test_defaults_without_a_row(make_user):
    user = make_user("frontline")
    preferences = notification_preferences(user=user)
    assert preferences["rule"] == Channels(in_app=True, email=True, digest=False)
    assert preferences["edit"] == Channels(in_app=True, email=False, digest=True)
    assert preferences == DEFAULT_CHANNELS


def test_each_channel_is_honoured(make_user, email_on, django_capture_on_commit_callbacks):
    # given four users who chose, for rules: bell only, e-mail only, digest only, nothing
    bell, email, digest, nothing = (make_user("frontline") for _ in range(4))
    for user, channels in ((bell, BELL_ONLY), (email, EMAIL_ONLY), (digest, DIGEST_ONLY), (nothing, NOTHING)):
        notification_preferences_set(user=user, preferences={"rule": channels})
    # when a rule notification goes to all four
    _notify(django_capture_on_commit_callbacks, [bell, email, digest, nothing])
    # then: the bell user sees it in the bell and gets no mail; the e-mail user gets one mail and
    # no bell item; the digest user has it waiting for the digest; the last one has nothing at all
    rows = {n.recipient_id: n for n in Notification.objects.all()}
    assert set(rows) == {bell.pk, email.pk, digest.pk}
    assert (rows[bell.pk].in_app, rows[bell.pk].in_digest, rows[bell.pk].emailed_at) == (True, False, None)
    assert rows[email.pk].in_app is False and rows[email.pk].emailed_at is not None
    assert (rows[digest.pk].in_app, rows[digest.pk].in_digest, rows[digest.pk].emailed_at) == (
        False,
        True,
        None,
    )
    assert [m.to for m in mail.outbox] == [[email.email]]


def test_other_kinds_keep_their_defaults(make_user, email_on, django_capture_on_commit_callbacks):
    user = make_user("frontline")
    notification_preferences_set(user=user, preferences={"rule": NOTHING})
    _notify(django_capture_on_commit_callbacks, [user], kind="mention", title="有人提到了你")
    assert Notification.objects.get(recipient=user).in_app is True
    assert len(mail.outbox) == 1


def test_settings_page_saves_and_shows(make_user, client_for):
    user = make_user("frontline")
    client = client_for(user)
    page = client.get("/notifications/settings/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "Daily digest" in page.content.decode()
    data = {"language": "en"}
    for kind, channels in DEFAULT_CHANNELS.items():
        for channel in ("in_app", "email", "digest"):
            if getattr(channels, channel):
                data[f"{kind}-{channel}"] = "on"
    data.pop("rule-email")
    data["rule-digest"] = "on"
    response = client.post("/notifications/settings/", data)
    assert response.status_code == 302
    assert notification_preferences(user=user)["rule"] == Channels(in_app=True, email=False, digest=True)
    assert user.notification_settings.language == "en"
    # and the page is reachable from every page's header (the user menu) and from the bell's page
    assert 'href="/notifications/settings/"' in client.get("/notifications/").content.decode()
    chinese = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'href="/notifications/settings/"' in chinese and "通知设置" in chinese


def test_settings_page_refuses_a_bad_language(make_user, client_for):
    user = make_user("frontline")
    response = client_for(user).post("/notifications/settings/", {"language": "fr"})
    assert response.status_code == 200
    assert NotificationPreference.objects.filter(user=user).count() == 0


def test_api_reads_and_changes_only_ones_own(make_user, api_client_for):
    me, other = make_user("frontline"), make_user("frontline")
    client = api_client_for(me)
    body = client.get("/api/notifications/preferences/").json()
    assert body["language"] == "zh-hans"
    assert {p["kind"]: p["email"] for p in body["preferences"]}["rule"] is True
    response = client.put(
        "/api/notifications/preferences/",
        {"language": "en", "preferences": [{"kind": "rule", "in_app": True, "email": False, "digest": True}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert {p["kind"]: p for p in response.json()["preferences"]}["rule"]["digest"] is True
    assert notification_preferences(user=me)["rule"] == Channels(in_app=True, email=False, digest=True)
    assert notification_preferences(user=other)["rule"] == DEFAULT_CHANNELS["rule"]
    # a user key is not accepted (strict input): nobody sets someone else's preferences
    refused = client.put(
        "/api/notifications/preferences/",
        {
            "user": other.pk,
            "preferences": [{"kind": "rule", "in_app": False, "email": False, "digest": False}],
        },
        format="json",
    )
    assert refused.status_code == 400
    bad_kind = client.put(
        "/api/notifications/preferences/",
        {"preferences": [{"kind": "nope", "in_app": False, "email": False, "digest": False}]},
        format="json",
    )
    assert bad_kind.status_code == 400
    assert notification_preferences(user=other)["rule"] == DEFAULT_CHANNELS["rule"]
    assert api_client_for(None).get("/api/notifications/preferences/").status_code in (401, 403)


# --- one-click unsubscribe -----------------------------------------------------------------------


def test_every_email_carries_rfc_8058_headers_and_a_working_link(
    make_user, email_on, client, django_capture_on_commit_callbacks
):
    user = make_user("frontline")
    _notify(django_capture_on_commit_callbacks, [user])
    (message,) = mail.outbox
    header = message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert header.startswith("<https://cx.example.com/notifications/unsubscribe/") and header.endswith(">")
    link = header[1:-1]
    assert link in message.body and link in message.alternatives[0][0]
    path = urlsplit(link).path
    # when the link is opened (GET, no sign-in): a confirmation page, nothing changed yet
    page = client.get(path)
    assert page.status_code == 200
    assert notification_preferences(user=user)["rule"].email is True
    # when the mail client posts the one-click body (no cookie, no CSRF token)
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    # then e-mail of that kind is off, the bell kept, and the next rule notification sends no mail
    assert notification_preferences(user=user)["rule"] == Channels(in_app=True, email=False, digest=False)
    assert notification_preferences(user=user)["mention"].email is True
    _notify(django_capture_on_commit_callbacks, [user])
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(recipient=user, in_app=True).count() == 2


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_or_expired_tokens_get_a_clear_page(make_user, client, settings, method):
    user = make_user("frontline")
    token = unsubscribe_token(user_id=user.pk, kind="rule")
    tampered = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    response = getattr(client, method)(f"/notifications/unsubscribe/{tampered}/")
    assert response.status_code == 400
    assert "not valid" in response.content.decode() or "无效" in response.content.decode()
    # an expired one
    settings.CXOPS_UNSUBSCRIBE_MAX_AGE_DAYS = 1
    old = signing.TimestampSigner(salt=UNSUBSCRIBE_SALT)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            old, "timestamp", lambda: signing.b62_encode(int(timezone.now().timestamp()) - 3 * 86400)
        )
        expired = old.sign_object({"u": user.pk, "k": "rule"}, compress=True)
    response = getattr(client, method)(f"/notifications/unsubscribe/{expired}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "expired" in response.content.decode()
    # a validly signed token naming a kind that does not exist, or nobody
    for data in ({"u": user.pk, "k": "nope"}, {"u": 10**9, "k": "rule"}, ["x"]):
        forged = signing.dumps(data, salt=UNSUBSCRIBE_SALT, compress=True)
        assert getattr(client, method)(f"/notifications/unsubscribe/{forged}/").status_code == 400
    assert NotificationPreference.objects.count() == 0


# --- daily digest --------------------------------------------------------------------------------


def test_digest_groups_by_kind_in_the_users_language_once_a_day(
    make_user, email_on, django_capture_on_commit_callbacks
):
    # given an English reader who takes rules and evaluations in the digest, with three waiting
    reader = make_user("frontline")
    notification_preferences_set(
        user=reader, preferences={"rule": DIGEST_ONLY, "evaluation": DIGEST_ONLY}, language="en"
    )
    message = "Rule “%(name)s”: %(from)s → %(to)s"
    params = {"name": "飞信下载短信", "from": {"msgid": "Proposed"}, "to": {"msgid": "Approved"}}
    _notify(django_capture_on_commit_callbacks, [reader], title="规则", message=message, params=params)
    _notify(django_capture_on_commit_callbacks, [reader], title="规则二", message=message, params=params)
    _notify(django_capture_on_commit_callbacks, [reader], kind="evaluation", title="评估结果")
    assert mail.outbox == []
    # when the digest runs
    assert notification_digests_send(today=dt.date(2026, 12, 7)) == 1
    # then one e-mail, grouped by kind, in English, with absolute links and an unsubscribe
    (digest,) = mail.outbox
    assert digest.to == [reader.email]
    assert "3 notifications" in digest.subject
    assert "Rule (2)" in digest.body and "Evaluation (1)" in digest.body
    assert digest.body.count("Rule “飞信下载短信”: Proposed → Approved") == 2
    assert "https://cx.example.com/rules/1/" in digest.body
    assert 'href="https://cx.example.com/rules/1/"' in digest.alternatives[0][0]
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Notification.objects.filter(recipient=reader, digested_at__isnull=True).count() == 0
    # when it runs again the same day, even with a new item: nothing more that day
    _notify(django_capture_on_commit_callbacks, [reader], title="规则三")
    assert notification_digests_send(today=dt.date(2026, 12, 7)) == 0
    assert len(mail.outbox) == 1
    # the next day the new item goes out, alone
    assert notification_digests_send(today=dt.date(2026, 12, 8)) == 1
    assert "1 notification" in mail.outbox[1].subject
    assert list(NotificationDigest.objects.values_list("day", "item_count").order_by("day")) == [
        (dt.date(2026, 12, 7), 3),
        (dt.date(2026, 12, 8), 1),
    ]


def test_digest_in_chinese_by_default_and_its_unsubscribe(
    make_user, email_on, client, django_capture_on_commit_callbacks
):
    reader = make_user("frontline")
    _notify(django_capture_on_commit_callbacks, [reader], kind="edit", title="页面已编辑")  # edit: digest
    assert mail.outbox == []
    call_command("notification_digests")
    (digest,) = mail.outbox
    assert "每日摘要" in digest.subject and "== 页面已编辑 (1) ==" in digest.body
    path = urlsplit(digest.extra_headers["List-Unsubscribe"][1:-1]).path
    assert client.post(path).status_code == 200
    assert not any(channels.digest for channels in notification_preferences(user=reader).values())


def test_digest_task_runs_once_per_day_and_nobody_without_items(
    make_user, email_on, django_capture_on_commit_callbacks
):
    reader, idle = make_user("frontline"), make_user("frontline")
    notification_preferences_set(user=idle, preferences={"edit": DIGEST_ONLY})
    _notify(django_capture_on_commit_callbacks, [reader], kind="edit", title="页面已编辑")
    assert send_notification_digests.apply().get() == 1
    _notify(django_capture_on_commit_callbacks, [reader], kind="edit", title="又编辑了")
    send_notification_digests.apply()  # the same day's slot is taken: the task does nothing
    assert [m.to for m in mail.outbox] == [[reader.email]]


def test_no_digest_without_email(make_user, settings, django_capture_on_commit_callbacks):
    settings.CXOPS_EMAIL_NOTIFICATIONS = False
    reader = make_user("frontline")
    _notify(django_capture_on_commit_callbacks, [reader], kind="edit", title="页面已编辑")
    assert notification_digests_send() == 0
    assert mail.outbox == [] and NotificationDigest.objects.count() == 0


# --- the bell: de-duplicated, counted, marked read -----------------------------------------------


def test_one_event_told_by_two_paths_is_one_bell_item(
    make_user, client_for, django_capture_on_commit_callbacks
):
    reader = make_user("frontline")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient_ids=[reader.pk], kind="rule", title="规则上线", event_key="rule-transition:7")
        notify(
            recipient_ids=[reader.pk],
            kind="status",
            title="你的问题已变为规则",
            event_key="rule-transition:7",
        )
    assert Notification.objects.filter(recipient=reader).count() == 1
    # a different event is a different item
    _notify(django_capture_on_commit_callbacks, [reader], event_key="rule-transition:8")
    assert Notification.objects.filter(recipient=reader).count() == 2
    page = client_for(reader).get("/notifications/").content.decode()
    assert '<span class="badge">2</span>' in page


def test_badge_counts_only_unread_bell_items_and_mark_all_read(
    make_user, client_for, django_capture_on_commit_callbacks
):
    reader = make_user("frontline")
    notification_preferences_set(user=reader, preferences={"edit": DIGEST_ONLY})
    _notify(django_capture_on_commit_callbacks, [reader])
    _notify(django_capture_on_commit_callbacks, [reader], kind="mention", title="提到了你")
    _notify(django_capture_on_commit_callbacks, [reader], kind="edit", title="只进摘要")
    client = client_for(reader)
    page = client.get("/notifications/").content.decode()
    assert '<span class="badge">2</span>' in page and "只进摘要" not in page
    api = client.get("/api/notifications/").json()
    assert len(api["results"]) == 2
    one = Notification.objects.filter(recipient=reader, kind="rule").get()
    client.post("/notifications/read/", {"id": one.pk})
    assert '<span class="badge">1</span>' in client.get("/notifications/").content.decode()
    client.post("/notifications/read/")
    page = client.get("/notifications/").content.decode()
    assert 'class="badge"' not in page
    assert Notification.objects.filter(recipient=reader, in_app=True, read_at__isnull=True).count() == 0
    # the digest-only item is not "read" by the bell: it still waits for its digest
    assert Notification.objects.get(recipient=reader, kind="edit").in_digest is True
