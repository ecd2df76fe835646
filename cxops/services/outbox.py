"""Send Celery tasks after commit, without losing them when the broker is down.

    from cxops.services.outbox import enqueue_task
    enqueue_task("cxops.tasks.run_import_job", job.pk)   # inside the service's transaction

Services name the task rather than import it: the tasks modules import the services (a task is an
adapter that calls one), so an import the other way would be a cycle.  Each app's `ready()` imports
its tasks module, so every name is registered in the web process too; an unknown name raises here.

Embedded mode (no broker): the task runs inline after commit, as `delay_on_commit` would.
With a broker: an `OutboxMessage` row is written in the caller's transaction; after commit we try
to publish once with a short timeout and mark the row sent.  If the broker is unreachable the
request is not held up: the row stays pending and the `drain_outbox` periodic task publishes it
later.  A message may therefore be published twice (published, then the mark-sent update lost),
so outbox tasks must be idempotent — every task in cxops is.

The row is kept after publishing, until a worker begins the task (the task id is `outbox-<pk>`; the
`task_prerun` hook in `cxops/celery.py` records the start).  A broker without persistence that
restarts loses whatever it held; `outbox_drain` publishes a message again when it has waited for a
worker longer than settings.CXOPS_WORK_STALE_SECONDS (then twice as long, and so on: a long queue
that is merely slow gets few duplicates, and duplicates are harmless).  Started rows are purged
after a day.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from celery import Task
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cxops.models import OutboxMessage

logger = logging.getLogger(__name__)

# Rows younger than this are left to their own after-commit publish.
DRAIN_GRACE_SECONDS = 30
# After a failed after-commit publish, requests in this process stop trying for this long and
# leave their messages to the drain task: a broker that hangs (paused, or behind a network fault)
# would otherwise cost every request its socket timeout, not only the first.
BROKER_BACKOFF_SECONDS = 10.0
_broker_down_until = 0.0
# Celery task ids of outbox messages: the worker finds its message by it.
TASK_ID_PREFIX = "outbox-"
# A message not started is published again after the stale limit, then after 2, 4, 8, 16 times it.
RESEND_BACKOFF_MAX_DOUBLINGS = 4
KEEP_STARTED = timedelta(days=1)


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def task_name_of(task: Task | str) -> str:
    """The registered name of `task` (a task or its name); KeyError for a name no app registers."""
    name = task if isinstance(task, str) else task.name
    current_app.tasks[name]  # noqa: B018 -- raises KeyError for a misspelt name, in the caller
    return name


def enqueue_task(task: Task | str, *args: Any, **kwargs: Any) -> None:
    """Publish `task(*args, **kwargs)` once the current transaction commits.  Arguments must be JSON."""
    name = task_name_of(task)
    if _eager():
        transaction.on_commit(lambda: current_app.tasks[name].apply_async(args=args, kwargs=kwargs))
        return
    message = OutboxMessage.objects.create(task_name=name, args=list(args), kwargs=kwargs)
    message_id = message.pk
    transaction.on_commit(lambda: _publish_after_commit(message_id))


def _publish_after_commit(message_id: int) -> None:
    """The request's own publish: skipped while the broker recently failed in this process (the
    message stays pending; `outbox_drain` sends it, typically within a minute)."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return
    if not _publish(message_id):
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS


def _publish(message_id: int, *, again: bool = False) -> bool:
    """Publish a message not yet sent (or, `again`, one sent but never started)."""
    message = OutboxMessage.objects.filter(
        pk=message_id, started_at__isnull=True, sent_at__isnull=not again
    ).first()
    if message is None:
        return True
    try:
        current_app.send_task(
            message.task_name,
            args=message.args,
            kwargs=message.kwargs,
            task_id=f"{TASK_ID_PREFIX}{message.pk}",
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
    """Publish pending messages older than the grace period, oldest first, then again those a
    worker has not started within the stale limit (with backoff); purge old started ones.  Stops
    at the first broker failure (the broker is down: trying the rest would only wait on timeouts)."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=DRAIN_GRACE_SECONDS)
    pending = list(
        OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = resent = 0
    for message_id in pending:
        if not _publish(message_id):
            return {"pending": len(pending), "sent": sent, "resent": resent}
        sent += 1
    stale = timedelta(seconds=settings.CXOPS_WORK_STALE_SECONDS)
    unstarted = OutboxMessage.objects.filter(
        sent_at__isnull=False, started_at__isnull=True, sent_at__lte=now - stale
    ).order_by("sent_at")
    for message_id, sent_at, attempts in unstarted.values_list("pk", "sent_at", "attempts")[:limit]:
        if sent_at is None or now - sent_at < stale * 2 ** min(
            max(attempts - 1, 0), RESEND_BACKOFF_MAX_DOUBLINGS
        ):
            continue
        logger.warning(
            "outbox message %s not started by a worker since %s: publishing again", message_id, sent_at
        )
        if not _publish(message_id, again=True):
            break
        resent += 1
    OutboxMessage.objects.filter(started_at__lte=now - KEEP_STARTED).delete()
    return {"pending": len(pending), "sent": sent, "resent": resent}


def outbox_message_started(*, task_id: str | None) -> bool:
    """Record that a worker began the task of an outbox message (no-op for other tasks)."""
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return False
    try:
        message_id = int(task_id.removeprefix(TASK_ID_PREFIX))
    except ValueError:
        return False
    return bool(
        OutboxMessage.objects.filter(pk=message_id, started_at__isnull=True).update(started_at=timezone.now())
    )


def outbox_has_unstarted(*, task: Task | str, args: list[Any]) -> bool:
    """True while a message for `task(*args)` waits to be started (the outbox will see to it)."""
    return OutboxMessage.objects.filter(
        task_name=task_name_of(task), args=args, started_at__isnull=True
    ).exists()


def outbox_pending_count() -> int:
    return OutboxMessage.objects.filter(sent_at__isnull=True).count()


__all__ = [
    "enqueue_task",
    "outbox_drain",
    "outbox_has_unstarted",
    "outbox_message_started",
    "outbox_pending_count",
]
