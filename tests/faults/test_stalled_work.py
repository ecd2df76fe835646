"""Stuck work recovers by itself, against a real worker, beat and broker (PostgreSQL + Redis).

1. A worker SIGKILLed mid-import: its message stays unacknowledged in Redis until the visibility
   timeout (an hour).  Nothing here redelivers it: beat's `recover-stalled-work` finds the job
   running without a heartbeat and queues it again; it resumes after the last committed chunk.
2. Redis (the broker, without persistence) killed and restarted empty while a job is queued: the
   message is gone.  The outbox still holds it (no worker began the task), and beat's
   `drain-outbox` publishes it again.

The stale limit and beat's interval are seconds here (CXOPS_WORK_STALE_SECONDS,
CXOPS_SWEEP_INTERVAL_SECONDS), minutes in production.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from cxops.models import ExperienceReport
from cxops.models import ImportJob
from cxops.models import OutboxMessage
from cxops.services.rollups import rollups_verify
from tests.conftest import CeleryBeat
from tests.conftest import CeleryWorker
from tests.conftest import wait_for
from tests.cxops.test_import_pages import _big_file

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

STALE_SECONDS = 10
FAST_SWEEP = {"CXOPS_WORK_STALE_SECONDS": str(STALE_SECONDS), "CXOPS_SWEEP_INTERVAL_SECONDS": "1"}


def _finished(job_id: int):
    def check():
        current = ImportJob.objects.defer("data").get(pk=job_id)
        return current if current.status in ("done", "failed") else None

    return check


def _assert_exact(job: ImportJob, source_system: str, rows: int) -> None:
    bad = rows // 1000  # _big_file spoils one row in a thousand
    assert (job.status, job.inserted, job.rejected, job.duplicates) == ("done", rows - bad, bad, 0)
    reports = ExperienceReport.objects.filter(source_system=source_system)
    assert reports.count() == rows - bad
    assert reports.values("external_id").distinct().count() == rows - bad
    assert job.rejected_rows.count() == bad
    assert rollups_verify() == []


def test_a_worker_killed_mid_import_is_resumed_by_the_sweep_within_a_minute(
    celery_worker_process, analyst, reference_data, tmp_path
):
    from cxops.services.imports.core import import_job_create
    from cxops.services.imports.core import import_job_start

    rows = 100_000
    # given a 100,000-row import running on the worker
    job = import_job_create(
        actor=analyst, kind="reports", source_system="断电续跑", original_name="big.csv", data=_big_file(rows)
    )
    import_job_start(actor=analyst, job=job)
    # when the whole worker is SIGKILLed once the first chunk is committed
    wait_for(
        lambda: ImportJob.objects.defer("data").get(pk=job.pk).processed_lines > 0, timeout=300, interval=0.05
    )
    celery_worker_process.kill()
    killed_at = time.monotonic()
    at_kill = ImportJob.objects.defer("data").get(pk=job.pk)
    assert (at_kill.status, at_kill.recoveries) == ("running", 0)
    assert 0 < at_kill.processed_lines < rows
    # and a new worker and beat run, with nobody redelivering the dead worker's message
    celery_worker_process.restart(env=FAST_SWEEP)
    beat = CeleryBeat(tmp_path, env=FAST_SWEEP)
    try:
        # then the sweep queues the job again and it completes within a minute of the kill
        done = wait_for(_finished(job.pk), timeout=180, interval=0.5)
        took = time.monotonic() - killed_at
    finally:
        beat.stop()
        celery_worker_process.restart(env={})
    print(f"killed at line {at_kill.processed_lines}; done {took:.1f} s after the kill")
    assert took < 60
    assert done.recoveries >= 1
    # and every good row exists exactly once, every bad row rejected once, the rollups exact
    _assert_exact(done, "断电续跑", rows)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server of this test's own, without persistence (it restarts empty)."""

    def __init__(self, port: int):
        self.port = port
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: self.cli("ping") == "PONG", timeout=10)

    def cli(self, *args: str) -> str:
        return subprocess.run(
            ["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True
        ).stdout.strip()

    def kill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()


@pytest.fixture
def own_broker(monkeypatch):
    """Celery (this process, and the worker and beat started by the test) on an own redis-server."""
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server")
    from cxops.celery import app

    redis = OwnRedis(_free_port())
    url = f"redis://127.0.0.1:{redis.port}/0"
    previous = app.conf.broker_url
    app.conf.broker_url = url
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    app._pool = None
    app.amqp._producer_pool = None
    yield redis
    app.conf.broker_url = previous
    app._pool = None
    app.amqp._producer_pool = None
    redis.stop()


def test_a_job_queued_when_the_broker_restarts_empty_is_done_after_recovery(
    own_broker, analyst, reference_data, tmp_path
):
    from cxops.services.imports.core import import_job_create
    from cxops.services.imports.core import import_job_start

    rows = 5_000
    # given an import queued: its message is in Redis, no worker has taken it yet
    job = import_job_create(
        actor=analyst, kind="reports", source_system="队列丢失", original_name="q.csv", data=_big_file(rows)
    )
    import_job_start(actor=analyst, job=job)
    message = OutboxMessage.objects.get()
    assert (message.sent_at is not None, message.started_at) == (True, None)
    assert own_broker.cli("llen", "celery") == "1"
    # when Redis is killed and comes back empty
    own_broker.kill()
    own_broker.start()
    assert own_broker.cli("llen", "celery") == "0"
    restarted_at = time.monotonic()
    # and a worker and beat run against it
    env = {**FAST_SWEEP, "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"]}
    worker = CeleryWorker(env=env, name="pytest-empty-broker")
    beat = CeleryBeat(tmp_path, env=env)
    try:
        # then the outbox publishes the lost message again and the job is done, exactly
        done = wait_for(_finished(job.pk), timeout=120, interval=0.5)
        took = time.monotonic() - restarted_at
    finally:
        beat.stop()
        worker.stop()
    print(f"done {took:.1f} s after the broker came back empty")
    assert took < 60
    message.refresh_from_db()
    assert message.started_at is not None
    assert message.attempts == 2  # published, lost with the broker, published again
    _assert_exact(done, "队列丢失", rows)


def test_a_worker_killed_mid_evaluation_run_is_completed_by_the_sweep(celery_worker_process, tmp_path):
    from django.db import transaction

    from rules_lifecycle.models import EvaluationRun
    from rules_lifecycle.models import RuleEvaluation
    from rules_lifecycle.models import RunTrigger
    from rules_lifecycle.services.evaluation import evaluation_run_dispatch
    from rules_lifecycle.services.evaluation import evaluation_run_start
    from tests.rules_lifecycle.test_evaluation_worker import TODAY
    from tests.rules_lifecycle.test_evaluation_worker import live_rules

    rule_ids = live_rules(24)
    run = evaluation_run_start(trigger=RunTrigger.COMMAND, run_on=TODAY, rules_planned=len(rule_ids))
    # given one task per rule queued through the broker
    with transaction.atomic():
        evaluation_run_dispatch(run=run, rule_ids=rule_ids, batch_size=1)
    # when the whole worker is SIGKILLed as soon as the first results land
    wait_for(lambda: RuleEvaluation.objects.filter(run=run).exists(), timeout=60, interval=0.02)
    celery_worker_process.kill()
    killed_at = time.monotonic()
    finished = dict(RuleEvaluation.objects.filter(run=run).values_list("rule_id", "updated_at"))
    assert len(finished) < len(rule_ids), "the run finished before the kill; nothing was tested"
    # and a new worker and beat run, with nobody redelivering or sending anything again by hand
    celery_worker_process.restart(env=FAST_SWEEP)
    beat = CeleryBeat(tmp_path, env=FAST_SWEEP)
    try:
        # then the run is finished: every rule evaluated exactly once
        wait_for(lambda: EvaluationRun.objects.get(pk=run.pk).finished_at, timeout=180, interval=0.5)
        took = time.monotonic() - killed_at
        time.sleep(2)  # duplicates still in flight must change nothing
    finally:
        beat.stop()
        celery_worker_process.restart(env={})
    print(f"{len(finished)} of {len(rule_ids)} evaluated at the kill; run finished {took:.1f} s after it")
    assert took < 60
    assert sorted(RuleEvaluation.objects.filter(run=run).values_list("rule_id", flat=True)) == sorted(
        rule_ids
    )
    assert RuleEvaluation.objects.count() == len(rule_ids)
    after = dict(RuleEvaluation.objects.filter(rule_id__in=finished).values_list("rule_id", "updated_at"))
    assert after == finished  # results written before the kill were not rewritten
