"""Import jobs that lost their worker or their broker message resume by themselves.

A job's `heartbeat_at` moves when it is queued, when a worker takes it and at every committed chunk
(`core.py`).  A job queued or running whose heartbeat is older than settings.CXOPS_WORK_STALE_SECONDS
has been abandoned: its worker was killed (the broker would redeliver the message only after its
visibility timeout, an hour) or the broker lost the message.  `import_jobs_recover` (beat, every
minute) queues it again; the run resumes after the last committed chunk, and a worker that was
merely slow loses the race for the next chunk and stops (`ConcurrentRun`), so nothing is written
twice.  The owner may also resume it by hand (`import_job_resume`), as a failed one.

A job that a worker takes MAX_STALLS_WITHOUT_PROGRESS times in a row at the same line without
getting further (a chunk that kills every worker taking it) is failed by the next worker instead
(`core.import_job_run`), whether the sweep or the broker (a message of a lost worker is delivered
again) handed it over; the owner's resume by hand starts the count again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cxops.errors import ApplicationError
from cxops.models import ImportJob
from cxops.models import ImportStatus
from cxops.roles import Role
from cxops.roles import require_role
from cxops.services.outbox import enqueue_task
from cxops.services.stalled_jobs import stalled_jobs_handle

logger = logging.getLogger(__name__)

# Named, not imported: cxops.tasks imports this module.
RUN_IMPORT_JOB = "cxops.tasks.run_import_job"

ACTIVE = (ImportStatus.QUEUED, ImportStatus.RUNNING)


def _requeue(job: ImportJob, *, now: datetime, fields: tuple[str, ...] = ()) -> None:
    """Caller holds the job's row lock inside a transaction; `fields`: others it set, saved too."""
    job.status = ImportStatus.QUEUED
    job.error = ""
    job.heartbeat_at = now
    job.recoveries = F("recoveries") + 1
    job.save(update_fields=["status", "error", "heartbeat_at", "recoveries", *fields])
    enqueue_task(RUN_IMPORT_JOB, job.pk)


def import_jobs_recover() -> list[int]:
    """Queue again every job queued or running without a sign of life; returns their ids."""
    now = timezone.now()

    def recover(job: ImportJob, last: datetime) -> None:
        logger.warning(
            "import job %s: %s with no sign of life since %s; queued again", job.pk, job.status, last
        )
        _requeue(job, now=now)

    return stalled_jobs_handle(
        ImportJob.objects.defer("data"),
        active=ACTIVE,
        queued=ImportStatus.QUEUED,
        task=RUN_IMPORT_JOB,
        now=now,
        handle=recover,
    )


def import_job_resume(*, actor: Any, job: ImportJob) -> ImportJob:
    """Resume a failed or stalled job from its last committed chunk: its owner's act (or a manager's)."""
    require_role(actor, Role.ANALYST)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("data").get(pk=job.pk)
        if not job.may_resume(actor):
            raise ApplicationError(
                _("Only the person who started this import, or a manager, may resume it."), code="forbidden"
            )
        if not job.is_resumable:
            raise ApplicationError(
                _("This import is not stopped: it is done, or a worker is still on it."), code="conflict"
            )
        job.stalls_without_progress, job.stalled_at_line = 0, None
        _requeue(job, now=timezone.now(), fields=("stalls_without_progress", "stalled_at_line"))
    job.refresh_from_db(fields=["status", "error", "heartbeat_at", "recoveries"])
    return job


__all__ = ["import_job_resume", "import_jobs_recover"]
