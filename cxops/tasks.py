"""Celery adapters for the ground floor: load by id, call a service, own the retries."""

from __future__ import annotations

from datetime import date

from celery import Task
from celery import shared_task
from django.utils import timezone

from cxops.models import WorkerHeartbeat
from cxops.services.export_jobs import export_job_run
from cxops.services.export_jobs import export_jobs_purge
from cxops.services.export_jobs import export_jobs_recover
from cxops.services.hotspots import hot_spots_detect
from cxops.services.imports.core import import_job_run
from cxops.services.imports.recovery import import_jobs_recover
from cxops.services.issue_clock import issues_escalate_breached
from cxops.services.matching import match_profiles_rebuild
from cxops.services.notifications import TRANSIENT_MAIL_ERRORS
from cxops.services.notifications import mail_error_is_transient
from cxops.services.notifications import notification_digests_send
from cxops.services.notifications import notification_emails_recover
from cxops.services.notifications import notification_send_emails
from cxops.services.outbox import outbox_drain
from cxops.services.periodic import once_per_slot
from cxops.services.retention import retention_purge
from cxops.services.webhooks import webhook_deliveries_retry_due
from cxops.services.webhooks import webhook_delivery_send

# Mail a transient error kept from going out (the server down, refusing for now, timing out) is
# tried again after 1, 2, 4, 8 and 16 minutes, then every 30 — a retry waiting longer than the
# broker's one-hour visibility timeout would be handed to a second worker — for about a day.
# What went out is not sent again.
MAIL_RETRY_FIRST_SECONDS = 60
MAIL_RETRY_MAX_SECONDS = 30 * 60
MAIL_MAX_RETRIES = 50


def mail_retry_countdown(retries: int) -> int:
    return min(MAIL_RETRY_MAX_SECONDS, MAIL_RETRY_FIRST_SECONDS * 2 ** min(retries, 16))


@shared_task(bind=True, acks_late=True, max_retries=MAIL_MAX_RETRIES)
def send_notification_emails(self: Task, notification_ids: list[int]) -> int:
    """E-mail the notifications not e-mailed yet; those a transient error kept back are retried."""
    try:
        return notification_send_emails(notification_ids=notification_ids)
    except TRANSIENT_MAIL_ERRORS as error:
        if self.request.is_eager or not mail_error_is_transient(error):  # no later, or no use
            raise
        raise self.retry(exc=error, countdown=mail_retry_countdown(self.request.retries)) from error


@shared_task(acks_late=True)
def recover_unsent_mail() -> int:
    """The mail sweep (beat, every 10 minutes): send the notification e-mails and digests that
    their own task did not get out (retries used up, a worker killed mid-send)."""
    return notification_emails_recover()


@shared_task(bind=True)
def worker_heartbeat(self) -> int:
    """Record that a worker took a task from the broker and could write to the database."""
    name = getattr(self.request, "hostname", None) or "eager"
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        worker=name, defaults={"seen_at": timezone.now()}
    )
    return heartbeat.pk


@shared_task
def drain_outbox() -> dict[str, int]:
    """Publish tasks whose after-commit publish failed (broker down at the time)."""
    return outbox_drain()


@shared_task
def recover_stalled_work() -> dict[str, list[int]]:
    """Queue again import and export jobs that lost their worker or their broker message (beat,
    every minute)."""
    return {"import_jobs": import_jobs_recover(), "export_jobs": export_jobs_recover()}


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> int:
    """Run or resume an import job; a redelivered task resumes after the last committed chunk."""
    return import_job_run(job_id=job_id).inserted


@shared_task(acks_late=True)
@once_per_slot("detect-hot-spots", minutes=30)
def detect_hot_spots() -> dict[str, int]:
    """Compare recent volumes with their baselines and raise hot-spot alerts (idempotent per day)."""
    return {"alerts": len(hot_spots_detect())}


@shared_task(acks_late=True)
def rebuild_match_profiles() -> int:
    """Re-read every issue with the lexicon in force (after an analyst changed it); safe to repeat."""
    return match_profiles_rebuild()


@shared_task(acks_late=True)
def deliver_webhook(delivery_id: int) -> str:
    """Attempt one webhook delivery; a delivery already sent (2xx) or being sent is left alone."""
    return webhook_delivery_send(delivery_id=delivery_id)


@shared_task
def retry_webhook_deliveries() -> int:
    """Send webhook deliveries whose retry is due (beat, every 30 s)."""
    return webhook_deliveries_retry_due()


@shared_task(acks_late=True)
def escalate_breached_issues() -> list[int]:
    """Escalate issues past their due time (beat, every minute; each issue once)."""
    return issues_escalate_breached()


@shared_task(acks_late=True)
def purge_expired_data() -> dict[str, int]:
    """Retention: purge personal data past its period (beat, daily; safe to run twice)."""
    return retention_purge()


@shared_task(bind=True, acks_late=True, max_retries=MAIL_MAX_RETRIES)
@once_per_slot("send-notification-digests", minutes=24 * 60)
def send_notification_digests(self: Task, slot: str | None = None) -> int:
    """Each user who chose the daily digest gets one e-mail with what waited for it (beat, daily;
    a second run the same day sends nothing more).  Digests a transient error kept back are
    retried (the failed run gives its slot back; the retry sends only those).  A retry keeps its
    day (`slot`, the local date of the first run): one that runs after midnight sends that day's
    digests, and the next day's run still runs."""
    try:
        return notification_digests_send(today=date.fromisoformat(slot) if slot else None)
    except TRANSIENT_MAIL_ERRORS as error:
        if self.request.is_eager or not mail_error_is_transient(error):  # no later, or no use
            raise
        raise self.retry(
            exc=error, countdown=mail_retry_countdown(self.request.retries), kwargs={"slot": slot}
        ) from error


@shared_task(acks_late=True)
def run_export_job(job_id: int) -> str:
    """Write a large export's file (queued by `export_job_start`); a second delivery does nothing."""
    job = export_job_run(job_id=job_id)
    return job.status if job is not None else "gone"


@shared_task(acks_late=True)
def purge_export_jobs() -> int:
    """Delete background exports older than CXOPS_EXPORT_JOB_KEEP_DAYS with their files (beat, daily)."""
    return export_jobs_purge()
