"""Notification e-mails and digests when the mail server fails: nothing is lost, nothing is sent
twice, one reader's failure costs nobody else their mail, and the failed mail is tried again."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.mail.backends import locmem
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import connection
from django.utils import timezone

from cxops import tasks
from cxops.models import Notification
from cxops.models import NotificationDigest
from cxops.models import PeriodicRun
from cxops.services.notifications import MAIL_CLAIM_STALE
from cxops.services.notifications import notification_digests_send
from cxops.services.notifications import notification_emails_recover
from cxops.services.notifications import notification_send_emails
from cxops.services.periodic import once_per_slot
from cxops.tasks import send_notification_digests
from cxops.tasks import send_notification_emails

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 7)


class MailServer:
    """The locmem backend with faults: a send to an address in `failing` raises its error (as many
    times as given), every other send is delivered to mail.outbox."""

    def __init__(self) -> None:
        self.failing: dict[str, tuple[Exception, int]] = {}
        self.attempts: list[str] = []
        self.on_send = lambda message: None

    def fail(self, address: str, error: Exception, times: int = 1) -> None:
        self.failing[address] = (error, times)


@pytest.fixture
def smtp(settings, monkeypatch):
    settings.CXOPS_EMAIL_NOTIFICATIONS = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    server = MailServer()
    deliver = locmem.EmailBackend.send_messages

    def send_messages(backend, messages):
        for message in messages:
            (address,) = message.to
            server.attempts.append(address)
            server.on_send(message)
            error, times = server.failing.get(address, (None, 0))
            if error is not None and times > 0:
                server.failing[address] = (error, times - 1)
                raise error
        return deliver(backend, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", send_messages)
    return server


def _alerts(users):
    return [Notification.objects.create(recipient=u, kind="alert", title=f"热点 {u.pk}") for u in users]


def _emailed(notifications):
    return [Notification.objects.get(pk=n.pk).emailed_at is not None for n in notifications]


# --- one e-mail per notification ----------------------------------------------------------------


def test_a_mail_the_server_refuses_is_given_back_and_the_others_still_go_out(make_user, smtp):
    users = [make_user("analyst") for _ in range(3)]
    notifications = _alerts(users)
    ids = [n.pk for n in notifications]
    smtp.fail(users[0].email, ConnectionRefusedError("smtp down"))
    # when the server refuses the first mail, the run sends the other two and then says so
    with pytest.raises(ConnectionRefusedError):
        notification_send_emails(notification_ids=ids)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users[1:])
    # the refused one is not marked e-mailed: the retry sends it, and only it
    assert _emailed(notifications) == [False, True, True]
    assert notification_send_emails(notification_ids=ids) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert _emailed(notifications) == [True, True, True]
    assert notification_send_emails(notification_ids=ids) == 0 and len(mail.outbox) == 3


def test_a_mail_server_that_times_out_is_not_waited_for_once_per_mail(make_user, smtp):
    """A hung server costs the run one EMAIL_TIMEOUT, not one per recipient: the rest are left
    unclaimed for the retry."""
    users = [make_user("analyst") for _ in range(3)]
    notifications = _alerts(users)
    first = min(notifications, key=lambda n: n.pk)
    smtp.fail(first.recipient.email, TimeoutError("timed out"))
    with pytest.raises(TimeoutError):
        notification_send_emails(notification_ids=[n.pk for n in notifications])
    assert smtp.attempts == [first.recipient.email] and mail.outbox == []
    assert _emailed(notifications) == [False, False, False]
    assert notification_send_emails(notification_ids=[n.pk for n in notifications]) == 3


def test_the_email_task_retries_a_transient_failure_later(make_user, smtp):
    users = [make_user("analyst") for _ in range(2)]
    notifications = _alerts(users)
    ids = [n.pk for n in notifications]
    smtp.fail(users[1].email, smtplib.SMTPServerDisconnected("connection lost"))
    # as a worker runs it (not inline): the failure schedules a retry a minute later ...
    send_notification_emails.push_request(
        id="outbox-1", args=[ids], kwargs={}, retries=0, is_eager=False, called_directly=False
    )
    try:
        with pytest.raises(Retry) as retry:
            send_notification_emails.run(ids)
    finally:
        send_notification_emails.pop_request()
    assert retry.value.when == 60
    assert isinstance(retry.value.exc, smtplib.SMTPServerDisconnected)
    # ... (run at once here: no broker in the tests) which sends what was kept back, once
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert sorted(smtp.attempts) == sorted([users[0].email, users[1].email, users[1].email])
    assert _emailed(notifications) == [True, True]


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"no such user")}),
        smtplib.SMTPDataError(554, b"rejected as spam"),
    ],
)
def test_a_mail_refused_for_good_is_not_retried(make_user, smtp, error):
    """A refused address or a 5xx reply will not pass later: the task does not retry it for a day."""
    users = [make_user("analyst") for _ in range(2)]
    ids = [n.pk for n in _alerts(users)]
    smtp.fail(users[1].email, error)
    send_notification_emails.push_request(
        id="outbox-2", args=[ids], kwargs={}, retries=0, is_eager=False, called_directly=False
    )
    try:
        with pytest.raises(type(error)):
            send_notification_emails.run(ids)
    finally:
        send_notification_emails.pop_request()
    assert [m.to[0] for m in mail.outbox] == [users[0].email]  # the other still went out


def test_retries_back_off_to_every_half_hour():
    assert [tasks.mail_retry_countdown(n) for n in range(7)] == [60, 120, 240, 480, 960, 1800, 1800]
    assert tasks.mail_retry_countdown(49) == 1800
    assert send_notification_emails.max_retries == send_notification_digests.max_retries == 50


def test_inline_the_task_raises_without_retrying(make_user, smtp):
    """No broker (tasks run inline after commit): there is no later, so no retry loop in the
    request; what could be sent was sent and the failed one waits unmarked."""
    users = [make_user("analyst") for _ in range(2)]
    notifications = _alerts(users)
    smtp.fail(users[0].email, OSError("network unreachable"), times=5)
    with pytest.raises(OSError, match="network unreachable"):
        send_notification_emails.apply(args=[[n.pk for n in notifications]])
    assert smtp.attempts.count(users[0].email) == 1
    assert [m.to for m in mail.outbox] == [[users[1].email]]
    assert _emailed(notifications) == [False, True]


def test_smtp_connections_time_out():
    from django.conf import settings

    assert settings.EMAIL_TIMEOUT == 30
    assert SmtpBackend().timeout == 30


# --- the daily digest ---------------------------------------------------------------------------


def _digest_readers(make_user, count):
    users = [make_user("analyst") for _ in range(count)]
    for user in users:
        Notification.objects.create(recipient=user, kind="edit", title="页面已编辑", in_digest=True)
    return users


def test_one_failed_digest_costs_nobody_else_theirs_and_is_sent_by_the_retry(make_user, smtp):
    users = _digest_readers(make_user, 3)
    smtp.fail(users[0].email, smtplib.SMTPDataError(451, b"try again later"))
    # the day's run: the first reader's digest fails, the other two go out
    with pytest.raises(smtplib.SMTPDataError):
        send_notification_digests.apply()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users[1:])
    # the failed reader has no digest row and their item still waits; the slot was given back
    assert not NotificationDigest.objects.filter(user=users[0]).exists()
    assert Notification.objects.get(recipient=users[0]).digested_at is None
    assert not PeriodicRun.objects.filter(job="send-notification-digests").exists()
    # the retry the same day sends that reader theirs, and nobody a second one
    assert send_notification_digests.apply().get() == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert NotificationDigest.objects.count() == 3
    assert Notification.objects.filter(digested_at__isnull=True).count() == 0
    # the slot is done now
    assert send_notification_digests.apply().get() == {"skipped": "already run in this slot"}
    assert len(mail.outbox) == 3


def test_a_failed_digest_waits_for_the_next_run_when_there_is_no_retry(make_user, smtp):
    users = _digest_readers(make_user, 2)
    smtp.fail(users[0].email, ValueError("a template broke"))
    with pytest.raises(ValueError, match="a template broke"):
        notification_digests_send(today=DAY)
    assert [m.to for m in mail.outbox] == [[users[1].email]]
    assert list(NotificationDigest.objects.values_list("user_id", "item_count")) == [(users[1].pk, 1)]
    # tomorrow's run carries it
    assert notification_digests_send(today=DAY + dt.timedelta(days=1)) == 1
    assert [m.to for m in mail.outbox] == [[users[1].email], [users[0].email]]


def test_a_digest_is_sent_outside_the_transaction_that_locks_its_items_and_once(make_user, smtp):
    (reader,) = _digest_readers(make_user, 1)
    depth = len(connection.atomic_blocks)  # the test's own transaction
    seen = {}

    def during_send(message):
        seen["depth"] = len(connection.atomic_blocks)
        # a second run meanwhile (another worker, a hand-started command) sends nothing
        seen["concurrent"] = notification_digests_send(today=DAY)

    smtp.on_send = during_send
    assert notification_digests_send(today=DAY) == 1
    assert seen == {"depth": depth, "concurrent": 0}
    assert [m.to for m in mail.outbox] == [[reader.email]]
    assert NotificationDigest.objects.get(user=reader).item_count == 1


# --- once per slot ------------------------------------------------------------------------------


def test_a_failed_periodic_run_gives_its_slot_back():
    calls = []

    @once_per_slot("test-failing-job", minutes=60)
    def job(fail: bool = False):
        calls.append(fail)
        if fail:
            raise RuntimeError("boom")
        return "ran"

    with pytest.raises(RuntimeError):
        job(fail=True)
    assert not PeriodicRun.objects.filter(job="test-failing-job").exists()
    assert job() == "ran"
    assert job() == {"skipped": "already run in this slot"}
    assert calls == [True, False]


# --- the mail sweep: what a dead worker or spent retries left unsent ------------------------------


class WorkerKilled(BaseException):
    """A worker killed mid-send (SIGKILL, an OOM kill): no `except Exception` sees it."""


def _wanted(users, *, age=dt.timedelta(minutes=20)):
    notifications = _alerts(users)
    Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
        email_wanted=True, created_at=timezone.now() - age
    )
    return notifications


def test_a_mail_whose_worker_died_mid_send_is_sent_by_the_sweep_once(make_user, smtp):
    """Before: the claim (`emailed_at`) outlived the worker, so the redelivered task skipped the
    notification as sent, and its mail was never sent."""
    (reader,) = users = [make_user("analyst")]
    (notification,) = _wanted(users)

    def killed(message):
        raise WorkerKilled

    smtp.on_send = killed
    with pytest.raises(WorkerKilled):
        notification_send_emails(notification_ids=[notification.pk])
    smtp.on_send = lambda message: None
    row = Notification.objects.get(pk=notification.pk)
    assert row.email_claimed_at is not None and row.emailed_at is None
    # the broker hands the task to another worker at once: the claim is fresh, so nothing is sent twice
    assert notification_send_emails(notification_ids=[notification.pk]) == 0
    assert notification_emails_recover() == 0
    # ten minutes on, the claim is stale: the sweep sends it, once
    Notification.objects.filter(pk=notification.pk).update(
        email_claimed_at=timezone.now() - MAIL_CLAIM_STALE - dt.timedelta(seconds=1)
    )
    assert notification_emails_recover() == 1
    assert [m.to for m in mail.outbox] == [[reader.email]]
    assert Notification.objects.get(pk=notification.pk).emailed_at is not None
    assert notification_emails_recover() == 0 and len(mail.outbox) == 1
    assert tasks.recover_unsent_mail.apply().get() == 0


def test_the_sweep_sends_what_the_task_never_got_out_but_not_old_news(make_user, smtp):
    users = [make_user("analyst") for _ in range(4)]
    spent, old, fresh, bell_only = _alerts(users)
    Notification.objects.filter(pk=spent.pk).update(
        email_wanted=True, created_at=timezone.now() - dt.timedelta(hours=3)
    )
    Notification.objects.filter(pk=old.pk).update(
        email_wanted=True, created_at=timezone.now() - dt.timedelta(days=2)
    )
    Notification.objects.filter(pk=fresh.pk).update(email_wanted=True)  # its task may still be on its way
    Notification.objects.filter(pk=bell_only.pk).update(created_at=timezone.now() - dt.timedelta(hours=3))
    assert notification_emails_recover() == 1
    assert [m.to for m in mail.outbox] == [[users[0].email]]
    assert _emailed([spent, old, fresh, bell_only]) == [True, False, False, False]
    assert notification_emails_recover() == 0


def test_a_mail_that_can_never_go_stops_waiting(make_user, smtp):
    no_address, refused = users = [make_user("analyst"), make_user("analyst")]
    type(no_address).objects.filter(pk=no_address.pk).update(email="")
    notifications = _wanted(users)
    smtp.fail(refused.email, smtplib.SMTPRecipientsRefused({refused.email: (550, b"no such user")}), times=5)
    assert notification_emails_recover() == 0
    assert list(
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).values_list(
            "email_wanted", flat=True
        )
    ) == [False, False]
    assert notification_emails_recover() == 0 and smtp.attempts == [refused.email]


def test_notify_marks_the_mail_wanted_only_for_readers_who_chose_it(
    make_user, smtp, django_capture_on_commit_callbacks
):
    from cxops.services.notifications import Channels
    from cxops.services.notifications import notification_preferences_set
    from cxops.services.notifications import notify

    mailed, bell = make_user("analyst"), make_user("analyst")
    notification_preferences_set(
        user=bell, preferences={"alert": Channels(in_app=True, email=False, digest=False)}
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient_ids=[mailed.pk, bell.pk], kind="alert", title="热点")
    rows = dict(Notification.objects.values_list("recipient_id", "email_wanted"))
    assert rows == {mailed.pk: True, bell.pk: False}
    assert [m.to for m in mail.outbox] == [[mailed.email]]


def test_a_digest_whose_worker_died_mid_send_is_sent_again_by_the_sweep(make_user, smtp):
    """Before: the digest row and its items' marks were committed before the send, so a worker killed
    during the send lost that reader's digest for good."""
    (reader,) = _digest_readers(make_user, 1)

    def killed(message):
        raise WorkerKilled

    smtp.on_send = killed
    with pytest.raises(WorkerKilled):
        notification_digests_send(today=DAY)
    smtp.on_send = lambda message: None
    digest = NotificationDigest.objects.get(user=reader)
    assert digest.sent_at is None
    # a second run the same day sends nothing (the day is claimed), nor does a sweep while it is fresh
    assert notification_digests_send(today=DAY) == 0
    assert notification_emails_recover() == 0 and mail.outbox == []
    # once the claim is stale, the sweep gives the items back and sends the digest for that day
    later = timezone.now() + MAIL_CLAIM_STALE + dt.timedelta(seconds=1)
    assert notification_emails_recover(now=later) == 1
    assert [m.to for m in mail.outbox] == [[reader.email]]
    (again,) = NotificationDigest.objects.filter(user=reader)
    assert again.day == DAY and again.sent_at is not None and again.item_count == 1
    assert Notification.objects.get(recipient=reader).digested_at == again.claimed_at
    assert notification_emails_recover(now=later) == 0 and len(mail.outbox) == 1


def test_beat_runs_the_mail_sweep_every_ten_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["recover-unsent-mail"]
    assert entry["task"] == "cxops.tasks.recover_unsent_mail" == tasks.recover_unsent_mail.name
    assert entry["schedule"].minute == set(range(0, 60, 10))


def test_a_digest_retry_after_midnight_sends_its_own_day_and_leaves_the_next_days_run(
    make_user, smtp, monkeypatch
):
    """Before: the retry (they go on for about a day) took the slot and the date of the moment it ran,
    so a retry at 00:30 sent tomorrow's digest and the 08:00 run then skipped: "already run"."""
    from cxops.services import periodic

    first, second = _digest_readers(make_user, 2)
    clock = {"slot": DAY.isoformat()}
    monkeypatch.setattr(periodic, "slot_for", lambda minutes, now=None: clock["slot"])
    smtp.fail(first.email, smtplib.SMTPServerDisconnected("connection lost"))
    scheduled = []

    def retry(*, exc, countdown, kwargs=None):  # the broker's side: record what the retry will carry
        scheduled.append(kwargs)
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(send_notification_digests, "retry", retry)
    # the day's run, as a worker runs it: one digest fails, a retry is scheduled with the day's slot
    send_notification_digests.push_request(
        id="digests-1", args=[], kwargs={}, retries=0, is_eager=False, called_directly=False
    )
    try:
        with pytest.raises(Retry):
            send_notification_digests.run()
    finally:
        send_notification_digests.pop_request()
    assert scheduled == [{"slot": DAY.isoformat()}]
    # the retry runs after midnight: it sends the first reader the digest of DAY
    clock["slot"] = (DAY + dt.timedelta(days=1)).isoformat()
    assert send_notification_digests.apply(kwargs=scheduled[0]).get() == 1
    assert sorted(NotificationDigest.objects.values_list("user_id", "day")) == [
        (first.pk, DAY),
        (second.pk, DAY),
    ]
    # the next day's run is its own: it runs, and sends what came since
    Notification.objects.create(recipient=second, kind="edit", title="又编辑了", in_digest=True)
    assert send_notification_digests.apply().get() == 1
    assert NotificationDigest.objects.filter(user=second, day=DAY + dt.timedelta(days=1)).exists()
