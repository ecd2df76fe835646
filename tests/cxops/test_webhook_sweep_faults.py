"""Webhook deliveries under faults: a slow retry sweep never sends a delivery twice and stops in
time; a delivery whose attempt raises (or whose sender dies) uses up its attempts like any failed
one, and the deliveries behind it in the sweep are still sent."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext

from cxops import webhooks as outbound
from cxops.models import DeliveryStatus
from cxops.models import WebhookDelivery
from cxops.models import WebhookEvent
from cxops.services import webhooks as webhook_service
from cxops.services.webhooks import webhook_deliveries_retry_due
from cxops.services.webhooks import webhook_delivery_send
from tests.cxops.test_webhooks import SECRET
from tests.cxops.test_webhooks import subscribe

pytestmark = pytest.mark.django_db

TARGET = "http://127.0.0.1:9/hook"  # never contacted: `outbound.send` is replaced in every test
BEAT_INTERVAL = dt.timedelta(seconds=30)  # CELERY_BEAT_SCHEDULE["retry-webhook-deliveries"]


class Clock:
    """Stands in for `django.utils.timezone` inside the webhook service: time moves when told to."""

    def __init__(self, start: dt.datetime):
        self.current = start

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    fake = Clock(timezone.now())
    monkeypatch.setattr(webhook_service, "timezone", fake)
    return fake


@pytest.fixture
def subscription(make_user, settings, monkeypatch):
    settings.CXOPS_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.CXOPS_WEBHOOK_TIMEOUT_SECONDS = 10  # a claim looks abandoned after 10 × 3 + 30 = 60 s
    monkeypatch.setattr(outbound, "resolve_target", lambda url, allowed_hosts: "127.0.0.1")
    return subscribe(make_user("admin"), TARGET, [WebhookEvent.HOT_SPOT_RAISED])


def delivery(subscription, n: int, **fields) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        subscription=subscription,
        event_id=f"00000000-0000-0000-0000-{n:012d}",
        event=WebhookEvent.HOT_SPOT_RAISED,
        payload={
            "data": {"n": n},
            "summary": {"title": f"热点 {n}", "facts": [], "url": "", "link_text": ""},
        },
        **fields,
    )


def lost(subscription, n: int) -> WebhookDelivery:
    """A delivery whose task was lost an hour ago: only the sweep sends it."""
    return delivery(subscription, n, created_at=timezone.now() - dt.timedelta(hours=1))


def delivered(request) -> str:
    return request.headers["X-Cxops-Delivery"]


OK = outbound.Outcome(status_code=200, duration_ms=5, body=b"")


# --- a slow sweep -----------------------------------------------------------------------------------


def test_a_slow_sweep_claims_each_delivery_when_it_sends_it_and_never_sends_one_twice(
    subscription, clock, monkeypatch
):
    # given ten deliveries due for their retry, and a receiver that answers only at the timeout
    deliveries = [
        delivery(
            subscription,
            n,
            status=DeliveryStatus.RETRYING,
            attempts=1,
            next_attempt_at=clock.current - dt.timedelta(minutes=5),
        )
        for n in range(10)
    ]
    sent: list[int] = []
    claimed_late: list[int] = []
    countdown_task = {"running": False}

    def slow_receiver(request, *, address, timeout):
        sending = WebhookDelivery.objects.get(uuid=delivered(request))
        sent.append(sending.pk)
        if sending.sending_since != clock.current:
            claimed_late.append(sending.pk)
        clock.advance(10)
        if not countdown_task["running"]:
            # meanwhile the delivery's own countdown task (or another sweep) comes for it
            countdown_task["running"] = True
            webhook_delivery_send(delivery_id=sending.pk)
            countdown_task["running"] = False
        return OK

    monkeypatch.setattr(outbound, "send", slow_receiver)
    # when the sweep runs, and beat starts the next one every 30 s until all are delivered
    started = clock.current
    first_sweep = webhook_deliveries_retry_due()
    first_sweep_took = clock.current - started
    for _beat in range(20):
        if not WebhookDelivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).exists():
            break
        clock.advance(BEAT_INTERVAL.total_seconds())
        webhook_deliveries_retry_due()
    # then each delivery was sent exactly once, each claimed when its turn came (not at the start)
    assert sorted(sent) == [d.pk for d in deliveries]
    assert claimed_late == []
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.SUCCEEDED, 2)}
    # and the first sweep stopped claiming in time and left the rest to the next ones
    assert first_sweep < 10
    assert first_sweep_took < BEAT_INTERVAL


# --- a delivery whose attempt raises --------------------------------------------------------------


def test_a_delivery_that_raises_is_retried_then_failed_and_the_one_behind_it_is_sent(
    subscription, settings, monkeypatch, caplog
):
    settings.CXOPS_WEBHOOK_MAX_ATTEMPTS = 3
    bad, good = lost(subscription, 1), lost(subscription, 2)
    calls: list[str] = []

    def send(request, *, address, timeout):
        calls.append(delivered(request))
        if delivered(request) == str(bad.uuid):
            raise RuntimeError(f"cannot encode for {SECRET}, caller 13812345678")
        return OK

    monkeypatch.setattr(outbound, "send", send)
    now = timezone.now()
    # when the sweep meets the delivery that raises first
    with caplog.at_level(logging.ERROR, logger="cxops.services.webhooks"):
        assert webhook_deliveries_retry_due(now=now) == 2
    # then the one behind it is delivered, and the raising one is a failed attempt, retried later
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == DeliveryStatus.SUCCEEDED
    assert (bad.status, bad.attempts, bad.sending_since) == (DeliveryStatus.RETRYING, 1, None)
    assert bad.next_attempt_at == now + dt.timedelta(seconds=30)
    # the error is stored like a network error's, with the signing secret and phone numbers masked
    assert bad.last_error.startswith("RuntimeError: cannot encode for ")
    assert SECRET not in bad.last_error
    assert "13812345678" not in bad.last_error
    assert any(record.exc_info for record in caplog.records)  # the traceback is in the log
    # when later sweeps come: retried with backoff, failed after the last attempt, then left alone
    webhook_deliveries_retry_due(now=now + dt.timedelta(minutes=5))
    bad.refresh_from_db()
    assert (bad.status, bad.attempts) == (DeliveryStatus.RETRYING, 2)
    webhook_deliveries_retry_due(now=now + dt.timedelta(minutes=15))
    bad.refresh_from_db()
    assert (bad.status, bad.attempts) == (DeliveryStatus.FAILED, 3)
    assert bad.last_error.startswith("RuntimeError")
    webhook_deliveries_retry_due(now=now + dt.timedelta(days=1))
    assert calls.count(str(bad.uuid)) == 3
    assert calls.count(str(good.uuid)) == 1


def test_a_delivery_whose_request_cannot_be_built_fails_like_an_attempt(subscription, settings, monkeypatch):
    settings.CXOPS_WEBHOOK_MAX_ATTEMPTS = 1
    broken = WebhookDelivery.objects.create(
        subscription=subscription,
        event_id="00000000-0000-0000-0000-000000000001",
        event=WebhookEvent.HOT_SPOT_RAISED,
        payload={"data": {}},  # no summary: building the request raises KeyError
    )
    monkeypatch.setattr(outbound, "send", lambda request, *, address, timeout: OK)
    assert webhook_delivery_send(delivery_id=broken.pk) == DeliveryStatus.FAILED
    broken.refresh_from_db()
    assert (broken.status, broken.attempts, broken.sending_since) == (DeliveryStatus.FAILED, 1, None)
    assert broken.last_error == "KeyError: 'summary'"


class WorkerLost(BaseException):
    """What the sweep sees when the worker is killed in the middle of a send."""


def test_a_sender_that_dies_in_the_middle_still_uses_up_the_attempts(subscription, settings, monkeypatch):
    settings.CXOPS_WEBHOOK_MAX_ATTEMPTS = 2
    dying = lost(subscription, 1)
    calls: list[str] = []

    def send(request, *, address, timeout):
        calls.append(delivered(request))
        raise WorkerLost

    monkeypatch.setattr(outbound, "send", send)
    now = timezone.now()
    # the first sender dies: the claim counted the attempt
    with pytest.raises(WorkerLost):
        webhook_delivery_send(delivery_id=dying.pk)
    dying.refresh_from_db()
    assert (dying.status, dying.attempts) == (DeliveryStatus.SENDING, 1)
    # the sweep takes the abandoned claim over once it is stale, and dies again on the last attempt
    with pytest.raises(WorkerLost):
        webhook_deliveries_retry_due(now=now + dt.timedelta(minutes=2))
    dying.refresh_from_db()
    assert (dying.status, dying.attempts) == (DeliveryStatus.SENDING, 2)
    # the next sweep gives up without sending it a third time
    webhook_deliveries_retry_due(now=now + dt.timedelta(minutes=4))
    dying.refresh_from_db()
    assert (dying.status, dying.attempts, dying.sending_since) == (DeliveryStatus.FAILED, 2, None)
    assert dying.last_error == gettext("The sender stopped during the last attempt.")
    assert len(calls) == 2


def test_the_sweep_logs_a_delivery_it_cannot_send_and_goes_on(subscription, monkeypatch, caplog):
    first, second = lost(subscription, 1), lost(subscription, 2)
    monkeypatch.setattr(outbound, "send", lambda request, *, address, timeout: OK)
    real_send = webhook_service.webhook_delivery_send

    def database_refuses_the_first(*, delivery_id, now=None):
        if delivery_id == first.pk:
            raise DatabaseError("could not serialize access")
        return real_send(delivery_id=delivery_id, now=now)

    monkeypatch.setattr(webhook_service, "webhook_delivery_send", database_refuses_the_first)
    with caplog.at_level(logging.ERROR, logger="cxops.services.webhooks"):
        webhook_deliveries_retry_due()
    second.refresh_from_db()
    assert second.status == DeliveryStatus.SUCCEEDED
    failures = [record for record in caplog.records if record.exc_info]
    assert len(failures) == 1
    assert str(first.pk) in failures[0].getMessage()
