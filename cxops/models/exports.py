"""Large exports run in the background (issue 19): a file written by a Celery task, its progress,
downloadable only by the person who asked for it, deleted after settings.CXOPS_EXPORT_JOB_KEEP_DAYS.

Written only by `cxops.services.export_jobs`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ExportFormat
from .choices import ExportJobStatus
from .choices import choices_check
from .fields import user_reference


class ExportJob(models.Model):
    created_by = user_reference(_("created by"), on_delete=models.CASCADE)
    dataset = models.CharField(_("dataset"), max_length=40)
    file_format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    # The list's filters as they were asked for (read again by the dataset: visibility is the
    # creator's at the time the file is written).
    params = models.JSONField(_("filters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportJobStatus.choices, default=ExportJobStatus.QUEUED
    )
    total_rows = models.PositiveBigIntegerField(_("rows expected"), default=0)
    rows_written = models.PositiveBigIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Moves when the job is queued, taken and every few thousand rows; a job queued or running
    # with an old heartbeat lost its worker and is queued again (`export_jobs_recover`).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    recoveries = models.PositiveSmallIntegerField(_("times queued again"), default=0)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "created_at"], name="export_job_mine")]
        constraints = [
            choices_check("status", ExportJobStatus, "export_job_status_valid"),
            choices_check("file_format", ExportFormat, "export_job_format_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset}.{self.file_format} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == ExportJobStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.rows_written * 100 / self.total_rows))

    def is_finished(self) -> bool:
        return self.status in (ExportJobStatus.DONE, ExportJobStatus.FAILED)
