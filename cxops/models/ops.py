from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """Last time each Celery worker answered a ping task: shows operators the queue is alive."""

    worker = models.CharField(_("worker"), max_length=200, unique=True)
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.worker


class OutboxMessage(models.Model):
    """A task to send to the broker, written in the same transaction as the change that needs it.

    If the broker is down when the transaction commits, the row stays pending and the
    `drain_outbox` periodic task sends it once the broker is back: work is never lost and pages
    never wait on the broker.  Tasks sent through the outbox must be idempotent.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Set by the worker when the task begins (the Celery task id is `outbox-<pk>`).  Until then the
    # message is kept: a broker that restarts empty has lost it, and `outbox_drain` publishes it
    # again once it has waited longer than settings.CXOPS_WORK_STALE_SECONDS.
    started_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="outbox_pending"
            ),
            models.Index(
                fields=["sent_at"],
                condition=models.Q(sent_at__isnull=False, started_at__isnull=True),
                name="outbox_unstarted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"


class PeriodicRun(models.Model):
    """One row per periodic job and time slot: the unique constraint lets exactly one beat (or
    worker) run a slot even if two schedulers are started by mistake."""

    job = models.CharField(max_length=200)
    slot = models.CharField(max_length=40)
    started_at = models.DateTimeField(default=timezone.now)
    # The Celery task that claimed the slot: the broker redelivers the same task (same id) when
    # its worker died mid-run, and that one may finish the slot; another scheduler's task may not.
    task_id = models.CharField(max_length=255, blank=True, default="")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="periodic_run_once_per_slot")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot}"
