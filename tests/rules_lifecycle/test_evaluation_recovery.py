"""Evaluation runs carry a heartbeat; a run whose worker died (or whose messages the broker lost)
is completed by the sweep: every planned rule gets its result, exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rules_lifecycle.models import EvaluationRun
from rules_lifecycle.models import RuleEvaluation
from rules_lifecycle.models import RunTrigger
from rules_lifecycle.scoring.synthetic import Truth
from rules_lifecycle.services.evaluation import evaluation_run_dispatch
from rules_lifecycle.services.evaluation import evaluation_run_start
from rules_lifecycle.services.evaluation import rules_evaluate
from rules_lifecycle.services.recovery import evaluation_runs_recover
from tests.rules_lifecycle.test_evaluation import TODAY
from tests.rules_lifecycle.test_evaluation import live_rule

pytestmark = pytest.mark.django_db


def _stale() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.CXOPS_WORK_STALE_SECONDS + 1)


@pytest.fixture
def run_with_one_batch_lost():
    """Three rules dispatched in batches of one; only the first batch ever ran (the worker that held
    the others was killed, or the broker lost them): their tasks are never executed here."""
    rules = [live_rule(days_live=70, truth=Truth(complaint_rate=-0.3), seed=n) for n in range(3)]
    run = evaluation_run_start(trigger=RunTrigger.COMMAND, run_on=TODAY, rules_planned=3)
    with transaction.atomic():
        evaluation_run_dispatch(run=run, rule_ids=[rule.pk for rule in rules], batch_size=1)
    rules_evaluate(run=run, rule_ids=[rules[0].pk])
    run.refresh_from_db()
    assert (run.planned_rule_ids, run.finished_at) == (sorted(rule.pk for rule in rules), None)
    return run, rules


def test_a_stalled_run_is_completed_by_the_sweep(run_with_one_batch_lost, django_capture_on_commit_callbacks):
    run, rules = run_with_one_batch_lost
    first = RuleEvaluation.objects.get(run=run)
    EvaluationRun.objects.filter(pk=run.pk).update(heartbeat_at=_stale())
    # when the sweep runs
    with django_capture_on_commit_callbacks(execute=True):
        recovered = evaluation_runs_recover()
    # then the two rules without a result were sent again and the run is finished
    assert recovered == [run.pk]
    run.refresh_from_db()
    assert (run.recoveries, run.finished_at is not None) == (1, True)
    assert sorted(RuleEvaluation.objects.filter(run=run).values_list("rule_id", flat=True)) == sorted(
        rule.pk for rule in rules
    )
    assert RuleEvaluation.objects.get(pk=first.pk).updated_at == first.updated_at  # not rewritten
    # and a finished run is left alone from then on
    EvaluationRun.objects.filter(pk=run.pk).update(heartbeat_at=_stale())
    assert evaluation_runs_recover() == []


def test_a_run_with_a_recent_heartbeat_is_left_alone(
    run_with_one_batch_lost, django_capture_on_commit_callbacks
):
    run, _rules = run_with_one_batch_lost
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert evaluation_runs_recover() == []
    assert callbacks == []
    assert RuleEvaluation.objects.filter(run=run).count() == 1


def test_a_run_finishes_when_its_last_batch_is_written(django_capture_on_commit_callbacks):
    rules = [live_rule(days_live=70, truth=Truth(), seed=n) for n in range(2)]
    run = evaluation_run_start(trigger=RunTrigger.COMMAND, run_on=TODAY)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        evaluation_run_dispatch(run=run, rule_ids=[rule.pk for rule in rules], batch_size=1)
    run.refresh_from_db()
    assert run.finished_at is not None and run.heartbeat_at is not None
    assert RuleEvaluation.objects.filter(run=run).count() == 2


def test_beat_sweeps_for_stalled_evaluation_runs():
    assert settings.CELERY_BEAT_SCHEDULE["recover-stalled-evaluations"] == {
        "task": "rules_lifecycle.tasks.recover_stalled_evaluations",
        "schedule": settings.CXOPS_SWEEP_INTERVAL_SECONDS,
    }


def test_a_rule_whose_scoring_raises_costs_only_its_own_result_and_the_run_ends(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    """One rule's scoring raising every time: the rest of its batch is written, the sweep sends it
    again MAX_STALLS_WITHOUT_PROGRESS times, then closes the run (not for ever) and names the rule in the log."""
    from rules_lifecycle.services import evaluation
    from rules_lifecycle.services import recovery

    rules = [live_rule(days_live=70, truth=Truth(complaint_rate=-0.3), seed=n) for n in range(3)]
    poison = rules[1]
    real_score = evaluation.score_rule
    raising = {poison.pk}
    inputs_of = evaluation.evaluation_inputs

    def inputs(**kwargs):
        items = inputs_of(**kwargs)
        for item in items:
            if item.rule_id in raising:
                object.__setattr__(item, "treated", None)  # scoring this one raises below
        return items

    def score_or_raise(design, treated, control):
        if treated is None:
            raise FloatingPointError("bad series")
        return real_score(design, treated, control)

    monkeypatch.setattr(evaluation, "evaluation_inputs", inputs)
    monkeypatch.setattr(evaluation, "score_rule", score_or_raise)
    run = evaluation_run_start(trigger=RunTrigger.COMMAND, run_on=TODAY, rules_planned=3)
    with transaction.atomic():
        evaluation_run_dispatch(run=run, rule_ids=[rule.pk for rule in rules], batch_size=3)
    rules_evaluate(run=run, rule_ids=[rule.pk for rule in rules])
    scored = set(RuleEvaluation.objects.filter(run=run).values_list("rule_id", flat=True))
    assert scored == {rules[0].pk, rules[2].pk}  # the batch was written but for the one rule
    assert f"rule {poison.pk} could not be scored" in caplog.text
    for attempt in range(1, recovery.MAX_STALLS_WITHOUT_PROGRESS + 2):
        EvaluationRun.objects.filter(pk=run.pk).update(heartbeat_at=_stale())
        with django_capture_on_commit_callbacks(execute=True):
            evaluation_runs_recover()
        run.refresh_from_db()
        if attempt <= recovery.MAX_STALLS_WITHOUT_PROGRESS:
            assert (run.recoveries, run.finished_at) == (attempt, None)
    assert run.recoveries == recovery.MAX_STALLS_WITHOUT_PROGRESS and run.finished_at is not None
    assert f"never scored: [{poison.pk}]" in caplog.text


def test_a_run_that_gets_further_each_time_is_resumed_as_often_as_it_needs(
    run_with_one_batch_lost, django_capture_on_commit_callbacks
):
    from rules_lifecycle.services import recovery

    run, rules = run_with_one_batch_lost

    def sweep():
        EvaluationRun.objects.filter(pk=run.pk).update(heartbeat_at=_stale())
        with django_capture_on_commit_callbacks(execute=False):  # sent again, never run here
            evaluation_runs_recover()
        run.refresh_from_db()

    sweep()  # two rules without a result
    rules_evaluate(run=run, rule_ids=[rules[1].pk])  # a lost batch arrives late: progress
    sweep()  # one left, fewer than last time: not a stall
    assert (run.recoveries, run.stalls_without_progress, run.finished_at) == (2, 0, None)
    for stall in range(1, recovery.MAX_STALLS_WITHOUT_PROGRESS):
        sweep()
        assert (run.stalls_without_progress, run.finished_at) == (stall, None)
    sweep()
    assert run.finished_at is not None and run.recoveries == recovery.MAX_STALLS_WITHOUT_PROGRESS + 1
