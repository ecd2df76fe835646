"""Writes for evaluations: start a run, fan it out, score a batch of rules, flag repeated
"retire" verdicts for the manager.  Tasks, the command and the pages all come through here.

Idempotency: a run is unique per (day, trigger); a rule's result is unique per (rule, run) and
written with an upsert, skipped when the stored inputs' fingerprint matches.  A task delivered
twice, or a run started twice, therefore leaves exactly one row per rule and run, and the
retirement flag's notification goes out once (compare-and-set under the rule's row lock).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_noop

from cxops.errors import ApplicationError
from cxops.models import NotificationKind
from cxops.roles import Role
from cxops.roles import has_role
from cxops.roles import users_holding
from cxops.services.notifications import notify
from cxops.services.outbox import enqueue_task
from rules_lifecycle.models import EvaluationRun
from rules_lifecycle.models import EvaluationVerdict
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleEvaluation
from rules_lifecycle.models import RunTrigger
from rules_lifecycle.models.evaluation import RESULT_FIELDS
from rules_lifecycle.scoring import RuleScore
from rules_lifecycle.scoring import score_rule
from rules_lifecycle.selectors.evaluation import EVALUATED_STATUSES
from rules_lifecycle.selectors.evaluation import RuleInputs
from rules_lifecycle.selectors.evaluation import evaluable_rule_ids
from rules_lifecycle.selectors.evaluation import evaluation_inputs
from rules_lifecycle.selectors.evaluation import evaluation_run_pending
from rules_lifecycle.selectors.evaluation import previous_retire_streaks

logger = logging.getLogger(__name__)

# A rule whose verdict is "retire" at this many consecutive *looks* of its sequential plan (weeks
# of new data, not daily re-runs of the same week), or at its concluding look, is flagged for
# the manager.  Each look's verdict already holds across all looks (scoring.sequential), so the
# streak is not treated as independent evidence: it only asks for the verdict to have
# survived a week of new data before anyone is notified.  Flags never retire a rule: only a
# person does, through rule_transition.
RETIRE_FLAG_AFTER_RUNS = 2
# Rules per fanned-out task.  One task per rule is the unit of work in principle; batches keep
# the broker round trip and the series query from dominating (bench/evaluate.py measures both).
DEFAULT_BATCH_SIZE = 50

UPDATED_FIELDS = [*RESULT_FIELDS, "results", "updated_at"]


def evaluation_run_start(
    *, trigger: str, run_on: dt.date | None = None, actor: Any = None, rules_planned: int = 0
) -> EvaluationRun:
    """Today's (or `run_on`'s) run for this trigger: created once, reused after that."""
    run_on = run_on or timezone.localdate()
    run, created = EvaluationRun.objects.get_or_create(
        run_on=run_on,
        trigger=trigger,
        defaults={
            "requested_by": actor if getattr(actor, "pk", None) else None,
            "rules_planned": rules_planned,
        },
    )
    if not created and rules_planned > run.rules_planned:
        EvaluationRun.objects.filter(pk=run.pk).update(rules_planned=rules_planned)
        run.rules_planned = rules_planned
    return run


def evaluation_run_dispatch(
    *, run: EvaluationRun, rule_ids: Sequence[int], batch_size: int = DEFAULT_BATCH_SIZE
) -> int:
    """Queue one `evaluate_rules` task per batch, after commit (through the outbox, so a broker
    outage delays the run but loses nothing).  Returns the number of tasks."""
    batches = [list(rule_ids[i : i + batch_size]) for i in range(0, len(rule_ids), batch_size)]
    with transaction.atomic():
        locked = EvaluationRun.objects.select_for_update().get(pk=run.pk)
        planned = sorted({*locked.planned_rule_ids, *(int(pk) for pk in rule_ids)})
        EvaluationRun.objects.filter(pk=run.pk).update(
            planned_rule_ids=planned, heartbeat_at=timezone.now(), finished_at=None
        )
        for batch in batches:
            enqueue_task("rules_lifecycle.tasks.evaluate_rules", run.pk, batch)
    return len(batches)


def evaluation_run_all(
    *, trigger: str = RunTrigger.SCHEDULE, run_on: dt.date | None = None, batch_size: int = DEFAULT_BATCH_SIZE
) -> EvaluationRun:
    """Start (or resume) the day's run over every running rule and fan it out."""
    rule_ids = evaluable_rule_ids()
    run = evaluation_run_start(trigger=trigger, run_on=run_on, rules_planned=len(rule_ids))
    evaluation_run_dispatch(run=run, rule_ids=rule_ids, batch_size=batch_size)
    return run


def rule_evaluate_on_demand(*, rule: ExperienceRule, actor: Any) -> EvaluationRun:
    """Score one rule now (the button on its evaluation page): today's on-demand run."""
    if not has_role(actor, Role.MANAGER, Role.ANALYST) and not (
        actor.pk == rule.owner_id and has_role(actor, Role.PRODUCT_OWNER)
    ):
        raise ApplicationError(
            gettext("Only managers, analysts and the rule's owner may run an evaluation."), code="forbidden"
        )
    if rule.status not in EVALUATED_STATUSES or rule.go_live_on is None:
        raise ApplicationError(gettext("Only a rule that has gone live can be evaluated."), code="invalid")
    run = evaluation_run_start(trigger=RunTrigger.ON_DEMAND, actor=actor)
    evaluation_run_dispatch(run=run, rule_ids=[rule.pk])
    return run


def _row(
    run: EvaluationRun, item: RuleInputs, score: RuleScore, streak: int, now: dt.datetime
) -> RuleEvaluation:
    primary = score.primary_result
    # The page shows the interval the decision used: the look's repeated interval.
    interval = primary.ci_sequential or primary.ci_95
    concluding = score.look is not None and score.look.final
    return RuleEvaluation(
        rule_id=item.rule_id,
        run=run,
        run_on=run.run_on,
        verdict=score.verdict.value,
        reason=score.reason.value,
        primary_measure=score.primary.value,
        has_control=score.has_control,
        go_live_on=item.design.go_live,
        pre_start=primary.baseline_from or item.design.pre_start,
        post_start=item.design.post_start,
        post_days=item.design.post_days_available,
        primary_lift=primary.lift,
        primary_ci_low=interval.low if interval else None,
        primary_ci_high=interval.high if interval else None,
        primary_p_adjusted=primary.p_adjusted,
        primary_mde=primary.mde,
        sufficient_by=score.sufficient_by,
        no_measurable_effect=score.no_measurable_effect,
        placebo_suspect=bool(score.placebo and score.placebo.suspect),
        retire_streak=streak,
        flagged_for_retirement=score.verdict == EvaluationVerdict.RETIRE
        and (streak >= RETIRE_FLAG_AFTER_RUNS or concluding),
        fingerprint=item.fingerprint,
        results=score.as_dict(),
        created_at=now,
        updated_at=now,
    )


def rules_evaluate(*, run: EvaluationRun, rule_ids: Sequence[int]) -> int:
    """Score these rules for `run` and store the results; returns how many rows were written.

    Safe to call any number of times for the same run and rules: unchanged inputs are skipped,
    changed ones (late metric data) replace the run's row in place.  A rule whose scoring raises is
    logged and left without a result, so the rest of the batch is written; the run's recovery sends
    it again while that brings new results (`recovery.MAX_STALLS_WITHOUT_PROGRESS`), and its
    earlier result stays shown meanwhile.
    """
    inputs = evaluation_inputs(rule_ids=rule_ids, as_of=run.run_on)
    stored = dict(
        RuleEvaluation.objects.filter(run=run, rule_id__in=[i.rule_id for i in inputs]).values_list(
            "rule_id", "fingerprint"
        )
    )
    pending = [item for item in inputs if stored.get(item.rule_id) != item.fingerprint]
    if not pending:
        evaluation_run_progress(run=run)
        return 0
    streaks = previous_retire_streaks(rule_ids=[i.rule_id for i in pending], before=run.run_on)
    now = timezone.now()
    rows = []
    for item in pending:
        try:
            score = score_rule(item.design, item.treated, item.control)
        except Exception:  # noqa: BLE001 — one rule's data must not cost the other rules their result
            logger.exception("evaluation run %s: rule %s could not be scored", run.pk, item.rule_id)
            continue
        previous_streak, previous_post_days = streaks.get(item.rule_id, (0, None))
        if score.verdict != EvaluationVerdict.RETIRE:
            streak = 0
        elif previous_post_days is not None and previous_post_days >= item.design.post_days_available:
            streak = max(previous_streak, 1)  # the same look again (no new week of data)
        else:
            streak = previous_streak + 1
        rows.append(_row(run, item, score, streak, now))
    with transaction.atomic():
        RuleEvaluation.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["rule", "run"], update_fields=UPDATED_FIELDS
        )
        for row in rows:
            if row.flagged_for_retirement:
                _flag_for_retirement(rule_id=row.rule_id, run=run)
    evaluation_run_progress(run=run)
    return len(rows)


def evaluation_run_progress(*, run: EvaluationRun) -> None:
    """A sign of life after each batch; the run is finished once every planned rule has a result."""
    now = timezone.now()
    EvaluationRun.objects.filter(pk=run.pk).update(heartbeat_at=now)
    if not evaluation_run_pending(run_id=run.pk):
        EvaluationRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(finished_at=now)


def _flag_for_retirement(*, rule_id: int, run: EvaluationRun) -> None:
    """Tell the managers and the owner, once per streak.  Caller is inside a transaction."""
    rule = ExperienceRule.objects.select_for_update().get(pk=rule_id)
    evaluations = RuleEvaluation.objects.filter(rule_id=rule_id)
    current = evaluations.get(run=run)
    # Told already in this streak (an earlier day, or another run today)?  Then stay quiet.
    streak_start = _streak_first_day(rule_id=rule_id, before=run.run_on)
    if evaluations.filter(flag_notified=True, run_on__gte=streak_start).exists():
        return
    RuleEvaluation.objects.filter(pk=current.pk).update(flag_notified=True)
    managers = users_holding(Role.MANAGER).values_list("pk", flat=True)
    notify(
        recipient_ids=[*managers, rule.owner_id],
        kind=NotificationKind.EVALUATION,
        message=gettext_noop("Rule “%(name)s”: “retire” at %(count)d consecutive weekly looks"),
        params={"name": rule.name, "count": current.retire_streak},
        body=gettext("The evaluation suggests retiring this rule. Only a manager can decide; review it."),
        body_message=gettext_noop(
            "The evaluation suggests retiring this rule. Only a manager can decide; review it."
        ),
        url=reverse("evaluation:rule", args=[rule.pk]),
        target=rule,
    )


def _streak_first_day(*, rule_id: int, before: dt.date) -> dt.date:
    """The day after the latest non-retire evaluation before `before` (the current streak's start)."""
    last_other = (
        RuleEvaluation.objects.filter(rule_id=rule_id, run_on__lt=before)
        .exclude(verdict=EvaluationVerdict.RETIRE)
        .order_by("-run_on")
        .values_list("run_on", flat=True)
        .first()
    )
    return (last_other + dt.timedelta(days=1)) if last_other else dt.date.min
