"""The product's own schedule, simulated: what a manager would have seen at every daily look.

Used by bench/calibration.py (the full table) and by the test suite (a seeded, fast subset).
One simulated rule: a treated scope and `controls` control scopes (summed, as the product sums
a rule's control scopes) with `history_days` of history before go-live, a weekday pattern,
shocks shared by all scopes, per-scope AR(1) noise (`rho`) at 15 % marginal spread on the
complaint rate, Poisson complaint counts and multinomial survey answers (scoring.synthetic).
The rule is scored with `score_rule(Design(go_live, as_of, primary), …)` — the defaults a new
rule gets — at every daily look from `first_look_day` to `last_look_day` after go-live, each
look seeing only the data before its day, exactly as the daily run does.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import date
from datetime import timedelta

import numpy as np

from .synthetic import Scenario
from .synthetic import Truth
from .synthetic import level_shifts
from .synthetic import scope_pair
from .types import DailySeries
from .types import Design
from .types import Measure
from .types import Verdict
from .verdict import score_rule

GO_LIVE = date(2026, 3, 2)
FIRST_LOOK_DAY = 35  # 7 days of burn-in + 28 days of post data
LAST_LOOK_DAY = 90  # the review date: the plan's last look is on day 84 (77 days of post data)


@dataclass(frozen=True)
class Config:
    rho: float = 0.0
    effect: float = 0.0  # true relative change of the complaint rate (primary)
    controls: int = 1
    history_days: int = 126
    first_look_day: int = FIRST_LOOK_DAY
    last_look_day: int = LAST_LOOK_DAY
    every_day: bool = True  # score at each daily look (False: once per new week of data)
    shifts: str = ""  # "treated" or "control": 3–10-day level shifts on that scope alone


@dataclass
class Outcome:
    covered_first: bool  # the first look's 95 % interval covers the true effect
    covered_last: bool
    covered_always: bool  # the decision interval covered the truth at every look
    ever_keep: bool
    ever_retire: bool
    first_keep_day: int | None
    final_verdict: str
    verdicts: dict[str, int] = field(default_factory=dict)


def _slice(series: DailySeries, days: int) -> DailySeries:
    return DailySeries(
        start=series.start,
        users=series.users[:days],
        active_users=series.active_users[:days],
        complaints=series.complaints[:days],
        satisfaction=series.satisfaction[:days],
        levels=series.levels,
    )


def _sum(series: list[DailySeries]) -> DailySeries:
    return DailySeries(
        start=series[0].start,
        users=np.sum([s.users for s in series], axis=0),
        active_users=np.sum([s.active_users for s in series], axis=0),
        complaints=np.sum([s.complaints for s in series], axis=0),
        satisfaction=np.sum([s.satisfaction for s in series], axis=0),
        levels=series[0].levels,
    )


def simulate_rule(rng: np.random.Generator, config: Config) -> tuple[DailySeries, DailySeries]:
    """One treated scope and its (summed) control on one date axis."""
    start = GO_LIVE - timedelta(days=config.history_days)
    days = config.history_days + config.last_look_day
    scenario = replace(Scenario(), noise_rho=config.rho)
    shock = rng.normal(0, scenario.shared_shock, days)
    truth = Truth(complaint_rate=config.effect)
    treated, control = scope_pair(
        rng,
        start=start,
        days=days,
        go_live=GO_LIVE,
        truth=truth,
        scenario=scenario,
        shared_shock=shock,
        treated_shift=level_shifts(rng, days) if config.shifts == "treated" else None,
        control_shift=level_shifts(rng, days) if config.shifts == "control" else None,
    )
    controls = [control]
    for _ in range(config.controls - 1):
        _other, extra = scope_pair(
            rng, start=start, days=days, go_live=GO_LIVE, truth=truth, scenario=scenario, shared_shock=shock
        )
        controls.append(extra)
    return treated, _sum(controls)


def run_schedule(rng: np.random.Generator, config: Config) -> Outcome:
    """Score one simulated rule at every look of the product's schedule."""
    treated, control = simulate_rule(rng, config)
    truth = config.effect
    outcome = Outcome(False, False, True, False, False, None, "")
    step = 1 if config.every_day else 7
    looks = list(range(config.first_look_day, config.last_look_day + 1, step))
    for i, day in enumerate(looks):
        as_of = GO_LIVE + timedelta(days=day)
        n = (as_of - treated.start).days
        design = Design(go_live=GO_LIVE, as_of=as_of, primary=Measure.COMPLAINT_RATE)
        score = score_rule(design, _slice(treated, n), _slice(control, n))
        primary = score.primary_result
        outcome.verdicts[score.verdict.value] = outcome.verdicts.get(score.verdict.value, 0) + 1
        if primary.ci_95 is not None:
            covered = primary.ci_95.low <= truth <= primary.ci_95.high
            if i == 0:
                outcome.covered_first = covered
            if i == len(looks) - 1:
                outcome.covered_last = covered
        decision = primary.ci_sequential
        if decision is not None and not decision.low <= truth <= decision.high:
            outcome.covered_always = False
        if score.verdict == Verdict.KEEP:
            outcome.ever_keep = True
            if outcome.first_keep_day is None:
                outcome.first_keep_day = day
        if score.verdict == Verdict.RETIRE:
            outcome.ever_retire = True
        outcome.final_verdict = score.verdict.value
    return outcome


@dataclass
class Summary:
    config: Config
    cases: int
    coverage_first: float
    coverage_last: float
    coverage_all_looks: float
    ever_keep: float
    ever_retire: float
    median_first_keep_day: float | None


def summarise(config: Config, outcomes: list[Outcome]) -> Summary:
    n = len(outcomes)
    keep_days = [o.first_keep_day for o in outcomes if o.first_keep_day is not None]
    return Summary(
        config=config,
        cases=n,
        coverage_first=sum(o.covered_first for o in outcomes) / n,
        coverage_last=sum(o.covered_last for o in outcomes) / n,
        coverage_all_looks=sum(o.covered_always for o in outcomes) / n,
        ever_keep=sum(o.ever_keep for o in outcomes) / n,
        ever_retire=sum(o.ever_retire for o in outcomes) / n,
        median_first_keep_day=float(np.median(keep_days)) if keep_days else None,
    )


def calibrate(config: Config, cases: int, seed: int) -> Summary:
    rng = np.random.default_rng(seed)
    return summarise(config, [run_schedule(rng, config) for _ in range(cases)])
