"""A Celery worker SIGKILLed in the middle of a large import loses nothing and duplicates nothing.

Real PostgreSQL, Redis and worker.  The import task is `acks_late`, so the killed worker's message
stays unacknowledged; Redis hands it back after `visibility_timeout` (an hour in production).  The
test does what the broker does when that timeout passes — restores the dead worker's unacknowledged
messages to the queue (kombu's `restore_visible`) — rather than wait an hour.  The redelivered task
resumes after the last committed chunk.
(The same fault for an evaluation run: tests/rules_lifecycle/test_evaluation_worker.py.)
"""

from __future__ import annotations

import os

import pytest
from kombu import Connection

from cxops.models import ExperienceReport
from cxops.models import ImportJob
from cxops.services.rollups import rollups_verify
from tests.conftest import wait_for
from tests.cxops.test_import_pages import _big_file

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

ROWS = 100_000
BAD_ROWS = 100  # _big_file writes one unreadable time per thousand rows


def _redeliver_unacknowledged() -> int:
    with Connection(
        os.environ["CELERY_BROKER_URL"], transport_options={"visibility_timeout": 0}
    ) as connection:
        channel = connection.default_channel
        pending = channel.client.hlen(channel.unacked_key)
        channel.qos.restore_visible(start=0, num=10_000)
        return pending


def test_a_worker_killed_mid_import_resumes_and_every_row_exists_exactly_once(
    celery_worker_process, analyst, reference_data
):
    from cxops.services.imports.core import import_job_create
    from cxops.services.imports.core import import_job_start

    # given a 100,000-row import running on the worker
    job = import_job_create(
        actor=analyst, kind="reports", source_system="断电测试", original_name="big.csv", data=_big_file(ROWS)
    )
    import_job_start(actor=analyst, job=job)
    # when the whole worker is SIGKILLed once the first chunk is committed
    wait_for(
        lambda: ImportJob.objects.defer("data").get(pk=job.pk).processed_lines > 0, timeout=300, interval=0.05
    )
    celery_worker_process.kill()
    at_kill = ImportJob.objects.defer("data").get(pk=job.pk)
    assert at_kill.status != "done", "the import finished before the kill; nothing was tested"
    assert 0 < at_kill.processed_lines < ROWS
    # and a new worker starts and the broker redelivers the unacknowledged task
    celery_worker_process.restart()
    assert _redeliver_unacknowledged() >= 1

    # then the import completes, every good row exactly once, every bad row rejected once
    def finished():
        current = ImportJob.objects.defer("data").get(pk=job.pk)
        return current if current.status in ("done", "failed") else None

    done = wait_for(finished, timeout=600, interval=0.5)
    assert (done.status, done.inserted, done.rejected) == ("done", ROWS - BAD_ROWS, BAD_ROWS)
    reports = ExperienceReport.objects.filter(source_system="断电测试")
    assert reports.count() == ROWS - BAD_ROWS
    assert reports.values("external_id").distinct().count() == ROWS - BAD_ROWS
    assert done.rejected_rows.count() == BAD_ROWS
    # and the daily rollups equal a clean recomputation from the rows
    assert rollups_verify() == []
