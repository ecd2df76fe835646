"""Evaluation runs that lost a worker or their broker messages finish by themselves.

A run records the rules sent for it (`planned_rule_ids`) and its last sign of life (`heartbeat_at`,
moved by every dispatch and every batch written, `services/evaluation.py`).  A run not finished
whose heartbeat is older than settings.CXOPS_WORK_STALE_SECONDS has stalled: a worker was killed
mid-batch (the broker would redeliver only after its visibility timeout, an hour) or the broker
lost the messages.  `evaluation_runs_recover` (beat, every minute) sends the rules still without a
result again; results are unique per rule and run and upserted, so nothing is written twice.

A run sent again MAX_STALLS_WITHOUT_PROGRESS times in a row without a single new result (a rule
whose scoring raises every time: `rules_evaluate` logs it and writes the others) is closed as it
stands instead, with an error in the log naming the rules: their pages keep their latest result,
and tomorrow's run tries again.  A long run that stops now and then but gets further each time is
resumed as often as it needs.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from rules_lifecycle.models import EvaluationRun
from rules_lifecycle.selectors.evaluation import evaluation_run_pending
from rules_lifecycle.services.evaluation import evaluation_run_dispatch

logger = logging.getLogger(__name__)

MAX_STALLS_WITHOUT_PROGRESS = 3


def evaluation_runs_recover() -> list[int]:
    """Send again the unevaluated rules of every stalled run; returns the runs' ids."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.CXOPS_WORK_STALE_SECONDS)
    recovered = []
    candidates = EvaluationRun.objects.filter(finished_at__isnull=True, heartbeat_at__lt=stale_before)
    for run_id in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            run = EvaluationRun.objects.select_for_update().get(pk=run_id)
            if run.finished_at is not None or run.heartbeat_at is None or run.heartbeat_at >= stale_before:
                continue
            pending = evaluation_run_pending(run_id=run.pk)
            if not pending:
                EvaluationRun.objects.filter(pk=run.pk).update(finished_at=now)
                continue
            stalls = run.stalls_without_progress + 1 if run.pending_at_recovery == len(pending) else 0
            if stalls >= MAX_STALLS_WITHOUT_PROGRESS:
                logger.error(
                    "evaluation run %s: closed after %d recoveries with %d rules never scored: %s",
                    run.pk,
                    run.recoveries,
                    len(pending),
                    sorted(pending)[:50],
                )
                EvaluationRun.objects.filter(pk=run.pk).update(finished_at=now)
                continue
            logger.warning(
                "evaluation run %s: %d rules without a result and no sign of life since %s; sent again",
                run.pk,
                len(pending),
                run.heartbeat_at,
            )
            EvaluationRun.objects.filter(pk=run.pk).update(
                recoveries=F("recoveries") + 1,
                pending_at_recovery=len(pending),
                stalls_without_progress=stalls,
            )
            evaluation_run_dispatch(run=run, rule_ids=pending)
            recovered.append(run.pk)
    return recovered


__all__ = ["evaluation_run_pending", "evaluation_runs_recover"]
