"""Large exports in the background (issue 19).

`export_job_start` records what was asked (dataset, format, the list's filters, the asker's language)
and queues `cxops.tasks.run_export_job` after commit; the task (`export_job_run`) reads the dataset
again *as its creator*, so the file holds exactly what the list shows them (visibility included),
writes it to a temporary file in constant memory (the same row iterators and writers as the streamed
exports), counts progress every few thousand rows, saves the file to the default storage and tells
the creator (a notification that opens the job's page).  Only the creator can see the job or
download its file.  `export_jobs_purge` deletes jobs and files older than
settings.CXOPS_EXPORT_JOB_KEEP_DAYS (beat, daily).

A job's `heartbeat_at` moves when it is queued, taken and every PROGRESS_EVERY_ROWS rows.  One queued
or running with a heartbeat older than settings.CXOPS_WORK_STALE_SECONDS lost its worker (killed) or
its broker message: `export_jobs_recover` (beat, every minute, with the import jobs) queues it again
and the file is written from the start; after MAX_RECOVERIES it is marked failed and its creator told.
Each run owns the job through the `started_at` it claimed, so a worker that was only slow cannot
overwrite the newer run's result (its file is deleted).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext_noop

from cxops.exports import csv_stream
from cxops.exports import xlsx_file
from cxops.models import ExportJob
from cxops.models import ExportJobStatus
from cxops.models import NotificationKind
from cxops.selectors.exports import export_dataset
from cxops.services.notifications import notify
from cxops.services.outbox import enqueue_task
from cxops.services.stalled_jobs import stalled_jobs_handle

logger = logging.getLogger(__name__)

PROGRESS_EVERY_ROWS = 5000
MAX_RECOVERIES = 3
RUN_EXPORT_JOB = "cxops.tasks.run_export_job"
ACTIVE = (ExportJobStatus.QUEUED, ExportJobStatus.RUNNING)
READY = gettext_noop("Your export “%(name)s” is ready: %(rows)s rows")
FAILED = gettext_noop("Your export “%(name)s” failed")


def export_job_start(
    *, user: Any, dataset_name: str, file_format: str, params: dict[str, str], total_rows: int = 0
) -> ExportJob:
    """Queue a background export for `user` (the caller checked the dataset, role and filters).  The
    same export still queued or running for the same user is returned instead of a second one."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with transaction.atomic():
        running = (
            ExportJob.objects.select_for_update()
            .filter(
                created_by=user,
                dataset=dataset_name,
                file_format=file_format,
                params=params,
                status__in=(ExportJobStatus.QUEUED, ExportJobStatus.RUNNING),
            )
            .first()
        )
        if running is not None:
            return running
        job = ExportJob.objects.create(
            created_by=user,
            dataset=dataset_name,
            file_format=file_format,
            params=params,
            language=language,
            total_rows=total_rows,
            heartbeat_at=timezone.now(),
        )
        enqueue_task(RUN_EXPORT_JOB, job.pk)
    return job


def _counted(rows: Iterable[tuple[Any, ...]], run: Any) -> Iterator[tuple[Any, ...]]:
    """`run`: the job's rows of this run (filtered by the `started_at` it claimed)."""
    written = 0
    for row in rows:
        yield row
        written += 1
        if written % PROGRESS_EVERY_ROWS == 0:
            run.update(rows_written=written, heartbeat_at=timezone.now())
    run.update(rows_written=written, heartbeat_at=timezone.now())


def export_job_run(*, job_id: int) -> ExportJob:
    """Write the job's file; a job already running, finished or gone is left alone (a second
    delivery of the task does nothing)."""
    claimed_at = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJobStatus.QUEUED).update(
        status=ExportJobStatus.RUNNING, started_at=claimed_at, heartbeat_at=claimed_at
    )
    job = ExportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if not claimed or job is None:
        return job  # type: ignore[return-value]
    run = ExportJob.objects.filter(pk=job_id, started_at=claimed_at, status=ExportJobStatus.RUNNING)
    dataset = export_dataset(job.dataset)
    try:
        if dataset is None:
            raise ValidationError("unknown dataset")
        with translation.override(job.language):
            header, rows, queryset = dataset.build(job.created_by, job.params)
            total = queryset.order_by().count()
            run.update(total_rows=total, heartbeat_at=timezone.now())
            title = str(dataset.title)
            filename = f"{title}-{timezone.localdate():%Y%m%d}.{job.file_format}"
            counted = _counted(rows, run)
            if job.file_format == "xlsx":
                document = xlsx_file(header, counted, sheet_title=title)
            else:
                document = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
                for chunk in csv_stream(header, counted):
                    document.write(chunk)
                document.seek(0)
        with document:
            job.file.save(f"{job.pk}-{job.dataset}.{job.file_format}", File(document), save=False)
    except Exception as error:  # noqa: BLE001 — any failure is the job's state, shown on its page
        logger.exception("export job %s failed", job.pk)
        if run.update(status=ExportJobStatus.FAILED, error=str(error)[:500], finished_at=timezone.now()):
            _tell(job, message=FAILED, params={"name": {"msgid": _msgid(dataset)}})
        job.refresh_from_db()
        return job
    if not run.update(
        status=ExportJobStatus.DONE, file=job.file.name, filename=filename, finished_at=timezone.now()
    ):
        # queued again while this worker was silent: the newer run owns the job
        logger.warning("export job %s: finished after it was queued again; file discarded", job.pk)
        job.file.delete(save=False)
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    _tell(job, message=READY, params={"name": {"msgid": _msgid(dataset)}, "rows": job.rows_written})
    return job


def _msgid(dataset: Any) -> str:
    if dataset is None:
        return ""
    with translation.override(None):
        return str(dataset.title)


def _tell(job: ExportJob, *, message: str, params: dict[str, Any]) -> None:
    with translation.override(job.language):
        notify(
            recipient_ids=[job.created_by_id],
            kind=NotificationKind.EXPORT,
            message=message,
            params=params,
            url=reverse("exports:job", args=[job.pk]),
            event_key=f"export-job:{job.pk}",
        )


def export_jobs_recover(*, now: datetime | None = None) -> list[int]:
    """Queue again every job queued or running without a sign of life for
    settings.CXOPS_WORK_STALE_SECONDS (its worker was killed or its message lost); one recovered
    MAX_RECOVERIES times already is marked failed instead, and its creator told.  Returns the ids."""
    now = now or timezone.now()

    def recover(job: ExportJob, last: datetime) -> None:
        if job.recoveries >= MAX_RECOVERIES:
            logger.error("export job %s: no sign of life after %s recoveries; failed", job.pk, job.recoveries)
            job.status = ExportJobStatus.FAILED
            job.error = "the worker stopped without finishing"
            job.finished_at = now
            job.save(update_fields=["status", "error", "finished_at"])
            transaction.on_commit(partial(_tell_failed, job))
        else:
            logger.warning(
                "export job %s: %s with no sign of life since %s; queued again", job.pk, job.status, last
            )
            job.status = ExportJobStatus.QUEUED
            job.rows_written = 0
            job.heartbeat_at = now
            job.recoveries = F("recoveries") + 1
            job.save(update_fields=["status", "rows_written", "heartbeat_at", "recoveries"])
            enqueue_task(RUN_EXPORT_JOB, job.pk)

    return stalled_jobs_handle(
        ExportJob.objects.select_related("created_by"),
        active=ACTIVE,
        queued=ExportJobStatus.QUEUED,
        task=RUN_EXPORT_JOB,
        now=now,
        handle=recover,
    )


def _tell_failed(job: ExportJob) -> None:
    _tell(job, message=FAILED, params={"name": {"msgid": _msgid(export_dataset(job.dataset))}})


def export_jobs_purge(*, now: datetime | None = None) -> int:
    """Delete jobs (and their files) created more than CXOPS_EXPORT_JOB_KEEP_DAYS ago."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CXOPS_EXPORT_JOB_KEEP_DAYS)
    purged = 0
    for job in ExportJob.objects.filter(created_at__lt=cutoff).exclude(status=ExportJobStatus.RUNNING):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        purged += 1
    return purged
