"""Celery adapters for evaluations: take ids, call the service, safe to run twice.

`evaluate_all_rules` (the beat schedule, daily) starts or resumes the day's run and fans out
one `evaluate_rules` task per batch of rules.  Both are `acks_late`: a worker killed mid-task
leaves its message unacknowledged, the broker redelivers it, and the rerun writes each rule's
result exactly once (unique per rule and run, upserted, skipped when unchanged).
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from rules_lifecycle.models import EvaluationRun
from rules_lifecycle.models import RunTrigger
from rules_lifecycle.services.evaluation import DEFAULT_BATCH_SIZE
from rules_lifecycle.services.evaluation import evaluation_run_all
from rules_lifecycle.services.evaluation import rules_evaluate
from rules_lifecycle.services.recovery import evaluation_runs_recover


@shared_task(acks_late=True, reject_on_worker_lost=True)
def evaluate_all_rules(run_on: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    run = evaluation_run_all(
        trigger=RunTrigger.SCHEDULE,
        run_on=dt.date.fromisoformat(run_on) if run_on else None,
        batch_size=batch_size,
    )
    return run.pk


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def evaluate_rules(run_id: int, rule_ids: list[int]) -> int:
    run = EvaluationRun.objects.filter(pk=run_id).first()
    if run is None:  # the run was deleted since: nothing to do
        return 0
    return rules_evaluate(run=run, rule_ids=rule_ids)


@shared_task
def recover_stalled_evaluations() -> list[int]:
    """Send again the unevaluated rules of runs that lost their worker or messages (beat)."""
    return evaluation_runs_recover()
