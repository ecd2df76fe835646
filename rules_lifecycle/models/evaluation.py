"""Evaluation runs and their per-rule results (EVALUATION.md § Verdict per rule).

An `EvaluationRun` is one pass over rules on one local day, started by the schedule, on demand
from a page, or by the `evaluate_rules` command; there is at most one run per (day, trigger), so
a retried or repeated start reuses it.  A `RuleEvaluation` is one rule's result in one run,
unique per (rule, run): writing it again for the same run replaces nothing unless the inputs'
fingerprint changed (late or corrected metric data), so re-running a run is idempotent and a
redelivered task never duplicates.  Results keep every measure's row (JSON, as
`rules_lifecycle.scoring.RuleScore.as_dict` gives it) beside the columns the review page sorts
and filters on.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxops.models.choices import choices_check
from cxops.models.fields import optional_user_reference

from .choices import EvaluationVerdict
from .choices import RunTrigger
from .choices import VerdictReason
from .rules import MEASURE_LABELS
from .rules import ExperienceRule


class EvaluationRun(models.Model):
    run_on = models.DateField(_("evaluation date"))
    trigger = models.CharField(_("started by"), max_length=20, choices=RunTrigger.choices)
    requested_by = optional_user_reference(_("requested by"))
    rules_planned = models.PositiveIntegerField(_("rules planned"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Every rule sent for this run, and the run's last sign of life (a batch dispatched or written).
    # A run not finished and silent for longer than settings.CXOPS_WORK_STALE_SECONDS lost a worker
    # or its messages; `evaluation_runs_recover` (beat) sends its unevaluated rules again.
    planned_rule_ids = models.JSONField(default=list, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    recoveries = models.PositiveIntegerField(_("times resumed after a stop"), default=0)
    # Rules still without a result when it was last resumed, and how many resumptions in a row found
    # no fewer: a run that makes no progress is closed after a few (services/recovery.py).
    pending_at_recovery = models.PositiveIntegerField(null=True, blank=True)
    stalls_without_progress = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")
        ordering = ["-run_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["run_on", "trigger"], name="evaluation_run_once_per_day"),
            choices_check("trigger", RunTrigger, "evaluation_run_trigger_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.run_on} ({self.get_trigger_display()})"


# One rule's result of one run, as the scoring writes it (the evaluation service upserts exactly
# these; the API answers them).
RESULT_FIELDS = (
    "run_on",
    "verdict",
    "reason",
    "primary_measure",
    "has_control",
    "go_live_on",
    "pre_start",
    "post_start",
    "post_days",
    "primary_lift",
    "primary_ci_low",
    "primary_ci_high",
    "primary_p_adjusted",
    "primary_mde",
    "sufficient_by",
    "no_measurable_effect",
    "placebo_suspect",
    "retire_streak",
    "flagged_for_retirement",
    "fingerprint",
)


class RuleEvaluation(models.Model):
    rule = models.ForeignKey(
        ExperienceRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="evaluations"
    )
    run = models.ForeignKey(
        EvaluationRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="evaluations"
    )
    run_on = models.DateField(_("evaluation date"))  # the run's date, kept here for ordering
    verdict = models.CharField(_("verdict"), max_length=20, choices=EvaluationVerdict.choices)
    reason = models.CharField(_("reason"), max_length=30, choices=VerdictReason.choices)
    primary_measure = models.CharField(_("primary measure"), max_length=20)
    has_control = models.BooleanField(_("has a control scope"))
    go_live_on = models.DateField(_("go-live date"))
    pre_start = models.DateField(_("baseline from"))
    post_start = models.DateField(_("compared from"))
    post_days = models.PositiveSmallIntegerField(_("days compared"))
    # The primary measure's figures, for sorting and the portfolio (the rest is in `results`).
    primary_lift = models.FloatField(_("primary lift"), null=True, blank=True)
    primary_ci_low = models.FloatField(null=True, blank=True)
    primary_ci_high = models.FloatField(null=True, blank=True)
    primary_p_adjusted = models.FloatField(null=True, blank=True)
    primary_mde = models.FloatField(null=True, blank=True)
    sufficient_by = models.DateField(_("data sufficient by"), null=True, blank=True)
    no_measurable_effect = models.BooleanField(_("no measurable effect"), default=False)
    placebo_suspect = models.BooleanField(_("design suspect (placebo check)"), default=False)
    retire_streak = models.PositiveSmallIntegerField(_("consecutive retire verdicts"), default=0)
    flagged_for_retirement = models.BooleanField(_("flagged for retirement"), default=False)
    flag_notified = models.BooleanField(default=False)
    fingerprint = models.CharField(_("inputs' fingerprint"), max_length=64)
    results = models.JSONField(_("results"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("rule evaluation")
        verbose_name_plural = _("rule evaluations")
        ordering = ["-run_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "run"], name="rule_evaluation_once_per_run"),
            choices_check("verdict", EvaluationVerdict, "rule_evaluation_verdict_valid"),
            choices_check("reason", VerdictReason, "rule_evaluation_reason_valid"),
            models.CheckConstraint(
                condition=Q(primary_measure__in=list(MEASURE_LABELS)), name="rule_evaluation_measure_valid"
            ),
            models.CheckConstraint(
                condition=Q(flagged_for_retirement=False) | Q(verdict=EvaluationVerdict.RETIRE),
                name="rule_evaluation_flag_only_on_retire",
            ),
        ]
        indexes = [models.Index(fields=["rule", "-run_on", "-id"], name="rule_evaluation_latest")]

    def __str__(self) -> str:
        return f"{self.rule_id} @ {self.run_on}: {self.verdict}"

    @property
    def measures(self) -> list[dict[str, Any]]:
        return list(self.results.get("measures", []))

    @property
    def is_pre_post_only(self) -> bool:
        return not self.has_control
