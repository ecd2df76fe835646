"""Demo evaluation data: metric histories in which the demo rules truly worked, truly did not,
harmed a guardrail, or have too little data — then evaluation runs, so every verdict shows on
the review page.  Called by the rules demo (`rules_lifecycle.demo`) after it has created rules.

For each running rule, the treated and control scopes get synthetic daily figures over the
rule's evaluation range (baseline to yesterday), written through the metric service like any
import.  They are scaled to the level each scope had before (the dashboard's two-year history
carries on without a jump), generated from a seed per rule, so a second run finds every value
unchanged.  Which truth a rule gets is fixed by its position among the running rules.
"""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

import numpy as np
from django.utils import timezone

from cxops.models import MetricScope
from cxops.selectors.metrics import metric_daily_series
from cxops.services.metrics import MetricRecord
from cxops.services.metrics import ScopeKey
from cxops.services.metrics import metric_records_apply
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RunTrigger
from rules_lifecycle.scoring import DailySeries
from rules_lifecycle.scoring import Measure
from rules_lifecycle.scoring.synthetic import Scenario
from rules_lifecycle.scoring.synthetic import Truth
from rules_lifecycle.scoring.synthetic import scope_pair
from rules_lifecycle.selectors.evaluation import EVALUATED_STATUSES
from rules_lifecycle.selectors.evaluation import rule_design
from rules_lifecycle.selectors.evaluation import rule_scope_keys
from rules_lifecycle.services.evaluation import evaluation_run_all

# The truths handed out, in this order, to the running rules that have had time to show an
# effect; "too_small" (a real but unprofitable gain, so "improve") only suits activity, whose
# daily figures are precise enough to show a 2.5 % gain with confidence.
SCENARIOS = ("too_small", "worked", "guardrail_harmed", "harmful", "no_effect", "too_little_data")


def _truth(scenario: str, primary: Measure) -> Truth:
    good = {"worked": 1.0, "guardrail_harmed": 1.0, "harmful": -1.0, "too_small": 0.3}.get(scenario, 0.0)
    truth = {
        Measure.COMPLAINT_RATE: {"complaint_rate": -0.40 * good},
        Measure.ACTIVITY: {"activity": 0.08 * good},
        Measure.SATISFACTION: {"satisfaction_points": 0.30 * good},
    }[primary]
    if scenario == "guardrail_harmed":
        # Works on its own measure but makes customers clearly less satisfied (or less active).
        if primary == Measure.SATISFACTION:
            truth["complaint_rate"] = 0.35
        else:
            truth["satisfaction_points"] = -0.35
    return Truth(**truth)


def _level(scope_id: int | None, before: dt.date) -> dict[str, float]:
    """The scope's typical figures over the four weeks before `before` (defaults without data)."""
    defaults = {"users": 400_000.0, "complaint_rate": 0.0015, "active_share": 0.5, "responses": 200.0}
    if scope_id is None:
        return defaults
    series = metric_daily_series(
        scopes=[scope_id], start=before - dt.timedelta(days=28), end=before - dt.timedelta(days=1)
    )[scope_id]
    users = np.nanmean(series.values["users"]) if np.isfinite(series.values["users"]).any() else np.nan
    if not np.isfinite(users) or users <= 0:
        return defaults
    with np.errstate(invalid="ignore", divide="ignore"):
        complaints = np.nanmean(series.values["complaints"] / series.values["users"])
        active = np.nanmean(series.values["active_users"] / series.values["users"])
    responses_daily = series.satisfaction_responses()
    responses = np.nanmean(responses_daily) if np.isfinite(responses_daily).any() else np.nan
    return {
        "users": float(users),
        "complaint_rate": float(complaints)
        if np.isfinite(complaints) and complaints > 0
        else defaults["complaint_rate"],
        "active_share": float(active) if np.isfinite(active) and active > 0 else defaults["active_share"],
        "responses": float(responses) if np.isfinite(responses) and responses > 0 else defaults["responses"],
    }


def metric_records_for_series(
    key: ScopeKey, series: DailySeries, *, stop_after: dt.date | None = None
) -> list[MetricRecord]:
    records = []
    for i in range(series.days):
        day = series.start + dt.timedelta(days=i)
        reported = stop_after is None or day <= stop_after
        counts = [int(n) for n in series.satisfaction[i]]
        values: dict[str, int | None] = {
            "users": int(series.users[i]),
            "active_users": int(series.active_users[i]) if reported else None,
            "complaints": int(series.complaints[i]) if reported else None,
        }
        if reported:
            values.update(
                {
                    "satisfaction_scale": 5,
                    "surveys_sent": int(sum(counts) / 0.3),
                    **{f"satisfaction_{level}": n for level, n in enumerate(counts, start=1)},
                    **{f"satisfaction_{level}": None for level in range(6, 11)},
                }
            )
        else:
            values.update(
                {"satisfaction_scale": None, "surveys_sent": None}
                | {f"satisfaction_{level}": None for level in range(1, 11)}
            )
        records.append(MetricRecord(scope=key, day=day, values=values))
    return records


def write_rule_history(*, rule: ExperienceRule, scenario: str, today: dt.date) -> None:
    """Synthetic treated / control figures for one rule's evaluation range, with a known truth."""
    design = rule_design(rule, today)
    treated_keys, control_keys = rule_scope_keys(rule)
    start, days = design.pre_start, (today - design.pre_start).days
    rng = np.random.default_rng(zlib.crc32(f"demo-evaluation-{rule.pk}-{rule.name}".encode()))
    scope_ids: dict[tuple[int, int | None, int | None, int | None], int] = {
        (product, channel, segment, region): pk
        for pk, product, channel, segment, region in MetricScope.objects.values_list(
            "pk", "product_id", "channel_id", "segment_id", "region_id"
        )
    }
    keys = [(k, True) for k in treated_keys] + [(k, False) for k in control_keys]
    shock = rng.normal(0, 0.10, days)  # shared by every scope of this rule, as real shocks are
    records: list[MetricRecord] = []
    for key, is_treated in keys:
        level = _level(scope_ids.get(key), start)
        scenario_numbers = Scenario(
            users=level["users"],
            complaint_rate=level["complaint_rate"],
            active_share=level["active_share"],
            responses_per_day=level["responses"],
            complaint_noise=0.08,
            activity_noise=0.015 if scenario == "too_small" else 0.03,
        )
        treated, control = scope_pair(
            rng,
            start=start,
            days=days,
            go_live=design.go_live,
            truth=_truth(scenario, design.primary),
            scenario=scenario_numbers,
            control_scale=1.0,
            shared_shock=shock,
        )
        stop = (
            design.post_start + dt.timedelta(days=13)
            if scenario == "too_little_data" and is_treated
            else None
        )
        records += metric_records_for_series(
            ScopeKey(*key), treated if is_treated else control, stop_after=stop
        )
    if records:
        metric_records_apply(actor=None, records=records)


def load(*, users: dict[str, Any], log: Any) -> None:
    today = timezone.localdate()
    rules = list(
        ExperienceRule.objects.filter(status__in=EVALUATED_STATUSES, go_live_on__isnull=False).order_by(
            "go_live_on", "pk"
        )
    )
    if not rules:
        log("evaluation: no running rules, nothing to score")
        return
    assigned: dict[str, list[str]] = {}
    queue = list(SCENARIOS)
    for rule in rules:
        design = rule_design(rule, today)
        if rule.regions.exists():
            scenario = "worked"  # the city pilot has a real effect, measured against the other cities
        elif design.post_days_available < design.min_post_days:
            scenario = "worked"  # too recent to tell: undecided for insufficient data whatever it does
        else:
            fitting = [s for s in queue if (s == "too_small") == (design.primary == Measure.ACTIVITY)]
            scenario = fitting[0] if fitting else "worked"
            if scenario in queue:
                queue.remove(scenario)
        write_rule_history(rule=rule, scenario=scenario, today=today)
        assigned.setdefault(scenario, []).append(rule.name)
    # Three weekly runs, so the history shows a trend and a repeated "retire" is flagged.
    for weeks_ago in (2, 1, 0):
        evaluation_run_all(trigger=RunTrigger.SCHEDULE, run_on=today - dt.timedelta(days=7 * weeks_ago))
    log("evaluation: " + "; ".join(f"{k}: {len(v)}" for k, v in assigned.items()) + "; three runs scored")
