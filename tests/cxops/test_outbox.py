"""The outbox: work queued while the broker is down is kept and sent once it is back."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time

import pytest
from django.utils import timezone

from cxops.models import OutboxMessage
from cxops.models import PeriodicRun
from cxops.models import WorkerHeartbeat
from cxops.services.outbox import enqueue_task
from cxops.services.outbox import outbox_drain
from cxops.services.periodic import once_per_slot
from cxops.services.periodic import periodic_run_claim
from cxops.services.periodic import slot_for
from cxops.tasks import worker_heartbeat
from tests.conftest import wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _reset_connections(app) -> None:
    """Forget pooled broker connections so the new broker URL takes effect."""
    # Not force_close_all(): kombu's shared producer pools may still hand out the old pool's
    # connections to later tests ("Acquire on closed pool"); dropping our references is enough.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings, monkeypatch):
    """Point Celery at a port where no broker listens (yet); yields a function that starts one."""
    from cxops.celery import app

    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    previous = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = url
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    app.conf.task_always_eager = False
    _reset_connections(app)
    started = []

    def start_broker():
        if not shutil.which("redis-server"):
            pytest.skip("redis-server is not installed")
        proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        started.append(proc)
        wait_for(
            lambda: (
                subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout.strip()
                == b"PONG"
            ),
            timeout=10,
        )
        return port

    yield start_broker
    app.conf.broker_url, app.conf.task_always_eager = previous
    _reset_connections(app)
    for proc in started:
        proc.terminate()
        proc.wait()


@pytest.mark.django_db(transaction=True)
def test_broker_down_keeps_the_message_and_does_not_hold_up_the_request(broker_down):
    # when a service enqueues work while the broker is unreachable
    started = time.monotonic()
    from django.db import transaction

    with transaction.atomic():
        enqueue_task(worker_heartbeat)
    elapsed = time.monotonic() - started
    # then the caller got on within the 2 s budget and the message waits in the outbox
    assert elapsed < 2.0
    message = OutboxMessage.objects.get()
    assert message.sent_at is None
    assert message.attempts == 1
    assert "6" in message.last_error or message.last_error  # the connection error is kept for operators

    # when the broker comes back and the drain task runs (after the grace period)
    port = broker_down()
    OutboxMessage.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    result = outbox_drain()
    # then the message is published exactly once and marked sent
    assert result == {"pending": 1, "sent": 1, "resent": 0}
    assert OutboxMessage.objects.get().sent_at is not None
    queued = subprocess.run(
        ["redis-cli", "-p", str(port), "llen", "celery"], capture_output=True, text=True
    ).stdout
    assert queued.strip() == "1"
    assert outbox_drain() == {"pending": 0, "sent": 0, "resent": 0}


@pytest.mark.django_db
def test_embedded_mode_runs_the_task_after_commit_without_an_outbox_row(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_task(worker_heartbeat)
    assert OutboxMessage.objects.count() == 0
    assert WorkerHeartbeat.objects.count() == 1


@pytest.mark.django_db
def test_a_periodic_slot_is_claimed_once():
    slot = slot_for(minutes=30, now=dt.datetime(2026, 11, 23, 1, 44, tzinfo=dt.UTC))
    assert slot == "2026-11-23T09:30"  # local (Asia/Shanghai) half-hour
    assert periodic_run_claim(job="x", slot=slot) is True
    assert periodic_run_claim(job="x", slot=slot) is False
    assert PeriodicRun.objects.count() == 1


@pytest.mark.django_db
def test_second_scheduler_in_the_same_slot_does_nothing():
    calls = []

    @once_per_slot("test-job", minutes=60)
    def job():
        calls.append(1)
        return "ran"

    assert job() == "ran"
    assert job() == {"skipped": "already run in this slot"}
    assert calls == [1]


@pytest.mark.django_db
def test_a_redelivered_task_finishes_its_slot_and_another_schedulers_does_not(monkeypatch):
    """A worker killed mid-run leaves the slot claimed but unfinished; the broker redelivers the
    same task (same id), which may finish the work; a second beat's task (another id) may not,
    and nothing runs the slot again once it is finished."""
    from cxops.services import periodic

    calls = []
    task_id = {"value": "task-A"}
    monkeypatch.setattr(periodic, "_current_task_id", lambda: task_id["value"])

    @once_per_slot("test-redelivery", minutes=60)
    def job(crash: bool = False):
        calls.append(task_id["value"])
        if crash:
            raise SystemExit("worker killed")
        return "ran"

    with pytest.raises(SystemExit):
        job(crash=True)  # claimed by task-A, which dies before finishing
    run = PeriodicRun.objects.get(job="test-redelivery")
    assert (run.task_id, run.finished_at) == ("task-A", None)
    task_id["value"] = "task-B"  # a second scheduler's task in the same slot
    assert job() == {"skipped": "already run in this slot"}
    task_id["value"] = "task-A"  # the redelivery
    assert job() == "ran"
    assert PeriodicRun.objects.get(job="test-redelivery").finished_at is not None
    assert job() == {"skipped": "already run in this slot"}  # finished: not again, not even by A
    assert calls == ["task-A", "task-A"]


@pytest.mark.django_db(transaction=True)
def test_a_paused_broker_costs_one_request_its_timeout_and_the_next_ones_nothing(broker_down):
    """A broker that accepts connections and never answers (SIGSTOP, a network fault) held every
    upload up for the 5 s socket timeout; now the first request waits the 2 s timeout, later ones
    leave their message to the drain task at once, and nothing is lost."""
    import os
    import signal

    from django.db import transaction

    from cxops.celery import app

    port = broker_down()
    info = subprocess.run(["redis-cli", "-p", str(port), "info", "server"], capture_output=True, text=True)
    pid = int(info.stdout.split("process_id:")[1].split()[0])
    _reset_connections(app)
    os.kill(pid, signal.SIGSTOP)
    try:
        timings = []
        for _ in range(3):
            started = time.monotonic()
            with transaction.atomic():
                enqueue_task(worker_heartbeat)
            timings.append(time.monotonic() - started)
    finally:
        os.kill(pid, signal.SIGCONT)
    # the first waits at most about the socket timeout, the next ones not at all
    assert timings[0] < 3.5
    assert max(timings[1:]) < 0.5
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 3
    # and once the broker answers again, the drain sends every message once
    _reset_connections(app)
    OutboxMessage.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert outbox_drain()["sent"] == 3
    queued = subprocess.run(["redis-cli", "-p", str(port), "llen", "celery"], capture_output=True, text=True)
    assert queued.stdout.strip() == "3"
