"""Large exports in the background (issue 19).

`export_job_start` records what was asked (dataset, format, the list's filters, the asker's language)
and queues `cxops.tasks.run_export_job` after commit; the task (`export_job_run`) reads the dataset
again *as its creator*, so the file holds exactly what the list shows them (visibility included),
writes it to a temporary file in constant memory (the same row iterators and writers as the streamed
exports), counts progress every few thousand rows, saves the file to the default storage and tells
the creator (a notification that opens the job's page).  Only the creator can see the job or
download its file.  `export_jobs_purge` deletes jobs and files older than
settings.CXOPS_EXPORT_JOB_KEEP_DAYS (beat, daily).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from cxops.exports import csv_stream, xlsx_file
from cxops.models import ExportJob, ExportJobStatus, NotificationKind
from cxops.selectors.exports import export_dataset
from cxops.services.notifications import notify

logger = logging.getLogger(__name__)

PROGRESS_EVERY_ROWS = 5000
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
        )
        from cxops.services.outbox import enqueue_task

        enqueue_task("cxops.tasks.run_export_job", job.pk)
    return job


def _counted(rows: Iterable[tuple[Any, ...]], job_id: int) -> Iterator[tuple[Any, ...]]:
    written = 0
    for row in rows:
        yield row
        written += 1
        if written % PROGRESS_EVERY_ROWS == 0:
            ExportJob.objects.filter(pk=job_id).update(rows_written=written)
    ExportJob.objects.filter(pk=job_id).update(rows_written=written)


def export_job_run(*, job_id: int) -> ExportJob:
    """Write the job's file; a job already running, finished or gone is left alone (a second
    delivery of the task does nothing)."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJobStatus.QUEUED).update(
        status=ExportJobStatus.RUNNING, started_at=timezone.now()
    )
    job = ExportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if not claimed or job is None:
        return job  # type: ignore[return-value]
    dataset = export_dataset(job.dataset)
    try:
        if dataset is None:
            raise ValidationError("unknown dataset")
        with translation.override(job.language):
            header, rows, queryset = dataset.build(job.created_by, job.params)
            total = queryset.order_by().count()
            ExportJob.objects.filter(pk=job.pk).update(total_rows=total)
            title = str(dataset.title)
            filename = f"{title}-{timezone.localdate():%Y%m%d}.{job.file_format}"
            counted = _counted(rows, job.pk)
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
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJobStatus.FAILED, error=str(error)[:500], finished_at=timezone.now()
        )
        _tell(job, message=FAILED, params={"name": {"msgid": _msgid(dataset)}})
        job.refresh_from_db()
        return job
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJobStatus.DONE, file=job.file.name, filename=filename, finished_at=timezone.now()
    )
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
