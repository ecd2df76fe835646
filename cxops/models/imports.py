"""Bulk imports: one job per uploaded file, its rejected rows, and saved mappings per source system.

The import machinery itself (decoding, validation, the fast writers, resuming) lives in
`cxops/services/imports/`; these tables only record what a job is doing and has done.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxops.history import TrackedHistory
from cxops.roles import Role
from cxops.roles import has_role

from .choices import ImportKind
from .choices import ImportStatus
from .choices import choices_check
from .fields import optional_user_reference


class ImportMapping(models.Model):
    """How one source system names and fills its columns, saved once and reused for every file.

    `column_map`: target field → the source system's column header (e.g. "external_id" → "工单号").
    `value_maps`: target field → {source value → target code} (e.g. "product" → {"飞信业务": "fetion"}).
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    source_system = models.CharField(_("source system"), max_length=50)
    column_map = models.JSONField(_("column mapping"), default=dict, blank=True)
    value_maps = models.JSONField(_("value mappings"), default=dict, blank=True)
    updated_by = optional_user_reference()
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    history = TrackedHistory()

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        ordering = ["kind", "source_system"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "source_system"], name="import_mapping_unique"),
            choices_check("kind", ImportKind, "import_mapping_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.source_system} ({self.kind})"


class ImportJob(models.Model):
    """One file going through an import.  `processed_lines` is the checkpoint a re-run resumes from."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    source_system = models.CharField(_("source system"), max_length=50)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.MAPPING
    )
    original_name = models.CharField(_("file name"), max_length=255)
    # The file travels with the job (workers may run on other machines); commands may instead point
    # at a server-side path and leave `data` empty.
    data = models.BinaryField(null=True, blank=True, editable=False)
    source_path = models.CharField(max_length=1000, blank=True, editable=False)
    size_bytes = models.BigIntegerField(_("size"), default=0)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    header = models.JSONField(_("columns"), default=list, blank=True)
    column_map = models.JSONField(default=dict, blank=True)
    value_maps = models.JSONField(default=dict, blank=True)
    total_lines = models.PositiveBigIntegerField(_("lines in the file"), null=True, blank=True)
    processed_lines = models.PositiveBigIntegerField(_("lines processed"), default=0)
    rows_seen = models.PositiveBigIntegerField(_("rows read"), default=0)
    inserted = models.PositiveBigIntegerField(_("rows added"), default=0)
    duplicates = models.PositiveBigIntegerField(_("rows already present"), default=0)
    rejected = models.PositiveBigIntegerField(_("rows rejected"), default=0)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # The last sign of life: set when queued, when a worker takes the job and at every committed
    # chunk.  A queued or running job silent for longer than settings.CXOPS_WORK_STALE_SECONDS has
    # lost its worker or its broker message; `import_jobs_recover` (beat) queues it again.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    recoveries = models.PositiveIntegerField(_("times resumed after a stop"), default=0)
    # The automatic recoveries in a row that found the job where the one before left it (a file
    # whose next chunk kills every worker that takes it): at MAX_STALLS_WITHOUT_PROGRESS the job
    # fails instead, and its owner is told; `stalled_at_line` is processed_lines at the last one.
    stalls_without_progress = models.PositiveSmallIntegerField(default=0)
    stalled_at_line = models.PositiveBigIntegerField(null=True, blank=True)
    created_by = optional_user_reference(_("started by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            choices_check("kind", ImportKind, "import_job_kind_valid"),
            choices_check("status", ImportStatus, "import_job_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.source_system})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def can_start(self) -> bool:
        return self.status == ImportStatus.MAPPING

    @property
    def is_stalled(self) -> bool:
        """Queued or running, but no sign of life for longer than the stale limit."""
        if self.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
            return False
        last = self.heartbeat_at or self.started_at or self.created_at
        return timezone.now() - last > timedelta(seconds=settings.CXOPS_WORK_STALE_SECONDS)

    @property
    def is_resumable(self) -> bool:
        return self.status == ImportStatus.FAILED or self.is_stalled

    def may_resume(self, user: Any) -> bool:
        """Resuming is the owner's act (or a manager's)."""
        return (self.created_by_id is not None and self.created_by_id == user.pk) or has_role(
            user, Role.MANAGER
        )

    @property
    def progress_percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_lines:
            return 0
        return min(99, int(100 * self.processed_lines / self.total_lines))


class ImportRejectedRow(models.Model):
    """A row that was not imported, with the reason; (job, line) is unique so re-runs never repeat one."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejected_rows")
    line = models.PositiveBigIntegerField(_("line"))
    reason = models.CharField(_("reason"), max_length=500)
    raw = models.TextField(_("row as read"), blank=True)

    class Meta:
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        ordering = ["job", "line"]
        constraints = [models.UniqueConstraint(fields=["job", "line"], name="import_rejected_row_unique")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.line} {self.reason}"
