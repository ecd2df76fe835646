"""At most one run per periodic job and time slot, however many beat schedulers are running.

    @shared_task
    @once_per_slot("evaluate-live-rules", minutes=24 * 60)
    def evaluate_all_rules(): ...

The slot is the start of the current period in local time; claiming it is an INSERT on a unique
constraint, so of two concurrent claims exactly one succeeds and the other run returns at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cxops.models import PeriodicRun


def slot_for(*, minutes: int, now: Any = None) -> str:
    moment = timezone.localtime(now or timezone.now())
    minute_of_day = moment.hour * 60 + moment.minute
    if minutes >= 24 * 60:
        return moment.strftime("%Y-%m-%d")
    start = minute_of_day - minute_of_day % minutes
    return f"{moment:%Y-%m-%d}T{start // 60:02d}:{start % 60:02d}"


def periodic_run_claim(*, job: str, slot: str) -> bool:
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(job=job, slot=slot)
    except IntegrityError:
        return False
    return True


def once_per_slot(job: str, *, minutes: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, force: bool = False, **kwargs: Any) -> Any:
            if not force and not periodic_run_claim(job=job, slot=slot_for(minutes=minutes)):
                return {"skipped": "already run in this slot"}
            return function(*args, **kwargs)

        return wrapper

    return decorator
