"""Background jobs whose worker stopped: the sweep that the import and the export recoveries share.

A job (`ImportJob`, `ExportJob`) queued or running whose heartbeat — else its creation — is older than
settings.CXOPS_WORK_STALE_SECONDS has stalled: its worker was killed or its broker message lost.  One
still queued whose message waits in the outbox has not: the outbox sends the message again itself.
What to do with a stalled job (queue it again, give up on it) is the caller's.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Collection
from datetime import datetime
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models import QuerySet

from cxops.models import ExportJob
from cxops.models import ImportJob
from cxops.services.outbox import outbox_has_unstarted

JobT = TypeVar("JobT", ExportJob, ImportJob)


def stalled_jobs_handle(
    jobs: QuerySet[JobT],
    *,
    active: Collection[str],
    queued: str,
    task: str,
    now: datetime,
    handle: Callable[[JobT, datetime], None],
) -> list[int]:
    """Call `handle(job, its last sign of life)` for every stalled job of `jobs` (`active`: the
    statuses of a job not finished; `task`: the one that runs a job), each in its own transaction
    holding the job's row lock; `jobs` also says how the locked row is read.  Returns the ids handled."""
    stale_before = now - timedelta(seconds=settings.CXOPS_WORK_STALE_SECONDS)
    candidates = jobs.filter(status__in=active).filter(
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, created_at__lt=stale_before)
    )
    handled = []
    for job_id in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            job = jobs.select_for_update().get(pk=job_id)
            last = job.heartbeat_at or job.created_at
            if job.status not in active or last >= stale_before:
                continue  # moved on since the query
            if job.status == queued and outbox_has_unstarted(task=task, args=[job.pk]):
                continue  # its message waits in the outbox, which sends it again itself
            handle(job, last)
            handled.append(job_id)
    return handled


__all__ = ["stalled_jobs_handle"]
