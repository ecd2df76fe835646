"""Send Celery tasks after commit, without losing them when the broker is down.

    from cxops.services.outbox import enqueue_task
    enqueue_task(run_import_job, job.pk)          # inside the service's transaction

Embedded mode (no broker): the task runs inline after commit, as `delay_on_commit` would.
With a broker: an `OutboxMessage` row is written in the caller's transaction; after commit we try
to publish once with a short timeout and mark the row sent.  If the broker is unreachable the
request is not held up: the row stays pending and the `drain_outbox` periodic task publishes it
later.  A message may therefore be published twice (published, then the mark-sent update lost),
so outbox tasks must be idempotent — every task in cxops is.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cxops.models import OutboxMessage

logger = logging.getLogger(__name__)

# Rows younger than this are left to their own after-commit publish.
DRAIN_GRACE_SECONDS = 30


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def enqueue_task(task: Task, *args: Any, **kwargs: Any) -> None:
    """Publish `task(*args, **kwargs)` once the current transaction commits.  Arguments must be JSON."""
    if _eager():
        transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))
        return
    message = OutboxMessage.objects.create(task_name=task.name, args=list(args), kwargs=kwargs)
    message_id = message.pk
    transaction.on_commit(lambda: _publish(message_id))


def _publish(message_id: int) -> bool:
    message = OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).first()
    if message is None:
        return True
    try:
        current_app.send_task(
            message.task_name,
            args=message.args,
            kwargs=message.kwargs,
            retry=False,  # fail fast (see CELERY_BROKER_TRANSPORT_OPTIONS); the drain task retries
        )
    except Exception as error:  # any broker failure: keep the row for the drain task
        logger.warning("broker unavailable, outbox message %s left pending: %s", message_id, error)
        OutboxMessage.objects.filter(pk=message_id).update(
            attempts=F("attempts") + 1, last_error=str(error)[:2000]
        )
        return False
    OutboxMessage.objects.filter(pk=message_id).update(sent_at=timezone.now(), attempts=F("attempts") + 1)
    return True


def outbox_drain(*, limit: int = 500) -> dict[str, int]:
    """Publish pending messages older than the grace period, oldest first.  Stops at the first
    broker failure (the broker is down: trying the rest would only wait on timeouts)."""
    cutoff = timezone.now() - timezone.timedelta(seconds=DRAIN_GRACE_SECONDS)
    pending = list(
        OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for message_id in pending:
        if not _publish(message_id):
            break
        sent += 1
    return {"pending": len(pending), "sent": sent}


def outbox_pending_count() -> int:
    return OutboxMessage.objects.filter(sent_at__isnull=True).count()


__all__ = ["enqueue_task", "outbox_drain", "outbox_pending_count"]
