"""Synthetic daily metrics with a known true effect, for the calibration tests, the benchmark
and the demo.  The data-generating process follows EVALUATION.md § Must be shown to be right:
a weekday pattern and shocks shared by all scopes, and independent day-to-day noise per scope
(15 % on the complaint rate by default), with Poisson counts and multinomial survey answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta

import numpy as np

from .types import DailySeries
from .types import Design
from .types import Measure

WEEKDAY = np.array([1.10, 1.06, 1.00, 0.98, 1.02, 0.90, 0.84])
LEVELS = (1, 2, 3, 4, 5)
BASE_SCORES = np.array([0.05, 0.07, 0.16, 0.37, 0.35])  # mean ≈ 3.9 on a 1–5 scale


@dataclass(frozen=True)
class Truth:
    """True relative effects of the rule on the treated scope after go-live (burn-in included)."""

    complaint_rate: float = 0.0
    activity: float = 0.0
    satisfaction_points: float = 0.0


@dataclass(frozen=True)
class Scenario:
    users: float = 500_000
    complaint_rate: float = 0.002  # ≈ 1,000 complaints a day
    active_share: float = 0.55
    responses_per_day: float = 300
    complaint_noise: float = 0.15  # per-scope daily log-noise on the complaint rate
    activity_noise: float = 0.03
    satisfaction_noise: float = 0.04  # per-scope daily noise of the mean score, in points
    shared_shock: float = 0.10  # daily log-shock shared by every scope
    # Persistence of each scope's own noise: AR(1) with this lag-1 autocorrelation, at the
    # same marginal spread (a local outage or campaign moves one scope for days).
    noise_rho: float = 0.0


def level_shifts(
    rng: np.random.Generator,
    days: int,
    *,
    rate: float = 1 / 21,
    sd: float = 0.30,
    shortest: int = 3,
    longest: int = 10,
) -> np.ndarray:
    """Shocks that hold one scope for days and then stop: starting at `rate` a day, each lasting
    `shortest`..`longest` days (uniform) and moving the log rate by N(0, sd)."""
    out = np.zeros(days)
    starts = np.flatnonzero(rng.random(days + longest) < rate) - longest
    for first in starts.tolist():
        last = first + int(rng.integers(shortest, longest + 1))
        low, high = max(first, 0), min(last, days)
        if high > low:
            out[low:high] += rng.normal(0, sd)
    return out


def scope_pair(
    rng: np.random.Generator,
    *,
    start: date,
    days: int,
    go_live: date,
    truth: Truth,
    scenario: Scenario | None = None,
    control_scale: float = 1.3,
    shared_shock: np.ndarray | None = None,
    treated_shift: np.ndarray | None = None,
    control_shift: np.ndarray | None = None,
) -> tuple[DailySeries, DailySeries]:
    """A treated scope and a control scope on one date axis; the effect starts at go-live.
    `shared_shock` (log scale, one per day) lets several pairs share the same shocks;
    `treated_shift` / `control_shift` (log complaint rate, one per day) move one scope alone
    (`level_shifts`: an outage or a campaign)."""
    s = scenario or Scenario()
    weekday = WEEKDAY[(np.arange(days) + start.weekday()) % 7]
    shock = rng.normal(0, s.shared_shock, days) if shared_shock is None else shared_shock
    after = np.arange(days) >= (go_live - start).days

    def noise(sd: float) -> np.ndarray:
        return ar1_noise(rng, sd, s.noise_rho, days)

    def one(scale: float, treated: bool) -> DailySeries:
        users = np.round(s.users * scale * (1 + 0.0002 * np.arange(days)))
        log_complaint = np.log(s.complaint_rate) + np.log(weekday) + shock + noise(s.complaint_noise)
        own_shift = treated_shift if treated else control_shift
        if own_shift is not None:
            log_complaint = log_complaint + own_shift
        log_active = np.log(s.active_share) + 0.3 * np.log(weekday) + 0.2 * shock
        log_active = log_active + noise(s.activity_noise)
        score_shift = noise(s.satisfaction_noise) - 0.3 * shock
        if treated:
            log_complaint = log_complaint + after * np.log1p(truth.complaint_rate)
            log_active = log_active + after * np.log1p(truth.activity)
            score_shift = score_shift + after * truth.satisfaction_points
        complaints = rng.poisson(users * np.exp(log_complaint))
        active = rng.binomial(users.astype(np.int64), np.clip(np.exp(log_active), 0, 1))
        responses = rng.poisson(s.responses_per_day * scale, days)
        satisfaction = np.vstack(
            [
                rng.multinomial(n, _tilted(BASE_SCORES, shift))
                for n, shift in zip(responses, score_shift, strict=True)
            ]
        )
        return DailySeries(
            start=start,
            users=users.astype(float),
            active_users=active.astype(float),
            complaints=complaints.astype(float),
            satisfaction=satisfaction.astype(float),
            levels=LEVELS,
        )

    return one(1.0, True), one(control_scale, False)


def ar1_noise(rng: np.random.Generator, sd: float, rho: float, days: int) -> np.ndarray:
    """Stationary AR(1) noise with marginal standard deviation `sd` (independent when ρ = 0)."""
    innovations = rng.normal(0, sd, days)
    if rho == 0.0:
        return innovations
    out = np.empty(days)
    out[0] = innovations[0]
    scale = np.sqrt(1 - rho**2)
    for t in range(1, days):
        out[t] = rho * out[t - 1] + scale * innovations[t]
    return out


def _tilted(probabilities: np.ndarray, shift: float) -> np.ndarray:
    """Score probabilities whose mean moves by about `shift` points (exponential tilting)."""
    levels = np.arange(1, len(probabilities) + 1)
    # d mean / d theta = variance of the score (≈ 1.1 here), so theta ≈ shift / variance.
    mean = (probabilities * levels).sum()
    variance = (probabilities * (levels - mean) ** 2).sum()
    weights = probabilities * np.exp(shift / variance * levels)
    return weights / weights.sum()


def case(
    rng: np.random.Generator,
    *,
    truth: Truth,
    primary: Measure = Measure.COMPLAINT_RATE,
    post_days: int = 28,
    pre_days: int = 28,
    scenario: Scenario | None = None,
    go_live: date = date(2026, 3, 2),
) -> tuple[Design, DailySeries, DailySeries]:
    """One simulated evaluation: the design evaluated as soon as `post_days` are in."""
    design = Design(
        go_live=go_live, as_of=go_live + timedelta(days=7 + post_days), primary=primary, pre_days=pre_days
    )
    start = design.pre_start
    days = (design.as_of - start).days
    treated, control = scope_pair(
        rng, start=start, days=days, go_live=go_live, truth=truth, scenario=scenario
    )
    return design, treated, control
