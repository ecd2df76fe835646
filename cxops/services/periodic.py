"""At most one run per periodic job and time slot, however many beat schedulers are running.

    @shared_task
    @once_per_slot("evaluate-live-rules", minutes=24 * 60)
    def evaluate_all_rules(): ...

The slot is the start of the current period in local time; claiming it is an INSERT on a unique
constraint, so of two concurrent claims exactly one succeeds and the other run returns at once.
The claim records the Celery task's id.  A worker killed in the middle of the run leaves the slot
claimed but unfinished, and the broker redelivers that same task (acks_late): a claim by the task
that holds the slot, not yet finished, goes ahead, so the slot's work is not lost.  A run that
fails (its function raises) gives the slot back, so a retry of the task, or a run started by hand,
may do the slot's work.  The jobs are idempotent, so the resumed run makes the same result as one
clean run.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError
from django.db import transaction
from django.utils import timezone

from cxops.models import PeriodicRun

logger = logging.getLogger(__name__)


def slot_for(*, minutes: int, now: Any = None) -> str:
    moment = timezone.localtime(now or timezone.now())
    minute_of_day = moment.hour * 60 + moment.minute
    if minutes >= 24 * 60:
        return moment.strftime("%Y-%m-%d")
    start = minute_of_day - minute_of_day % minutes
    return f"{moment:%Y-%m-%d}T{start // 60:02d}:{start % 60:02d}"


def periodic_run_claim(*, job: str, slot: str, task_id: str = "") -> bool:
    """True if this run may do the slot's work: it claimed the slot, or it is the redelivery of
    the task that claimed it and did not finish."""
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(job=job, slot=slot, task_id=task_id)
    except IntegrityError:
        if not task_id:
            return False
        return PeriodicRun.objects.filter(job=job, slot=slot, task_id=task_id, finished_at=None).exists()
    return True


def periodic_run_finish(*, job: str, slot: str) -> None:
    PeriodicRun.objects.filter(job=job, slot=slot).update(finished_at=timezone.now())


def periodic_run_release(*, job: str, slot: str, task_id: str = "") -> None:
    """Give back a slot this task claimed and did not finish (its run failed): another run may
    claim it."""
    PeriodicRun.objects.filter(job=job, slot=slot, task_id=task_id, finished_at=None).delete()


def _current_task_id() -> str:
    from celery import current_task  # noqa: PLC0415

    request = getattr(current_task, "request", None)
    return str(getattr(request, "id", None) or "")


def once_per_slot(job: str, *, minutes: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The decorated run claims the slot of now, or the `slot` it is given: a retry passes its first
    run's slot on, so a retry that runs after the slot has ended still does that slot's work (and
    does not take the next slot's run).  A function with a `slot` parameter is told its slot."""

    def decorator(function: Callable[..., Any]) -> Callable[..., Any]:
        told = "slot" in inspect.signature(function).parameters

        @functools.wraps(function)
        def wrapper(*args: Any, force: bool = False, slot: str | None = None, **kwargs: Any) -> Any:
            slot = slot or slot_for(minutes=minutes)
            if told:
                kwargs["slot"] = slot
            if force:
                return function(*args, **kwargs)
            task_id = _current_task_id()
            if not periodic_run_claim(job=job, slot=slot, task_id=task_id):
                return {"skipped": "already run in this slot"}
            try:
                result = function(*args, **kwargs)
            except Exception:
                # Failed, not killed (a killed worker runs nothing more): give the slot back.
                try:
                    periodic_run_release(job=job, slot=slot, task_id=task_id)
                except Exception:  # the database is gone too: the run's own error matters more
                    logger.exception("periodic job %s: slot %s not released", job, slot)
                raise
            periodic_run_finish(job=job, slot=slot)
            return result

        return wrapper

    return decorator
