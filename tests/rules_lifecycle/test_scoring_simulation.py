"""Calibration on synthetic data with known truth (EVALUATION.md § Must be shown to be right).

A seeded simulation of a few hundred rules per scenario on the reference design: 28 + 28 days
(7-day burn-in), a weekday pattern and shocks shared by all scopes, 15 % daily noise per scope
on the complaint rate, Poisson complaint counts (~1,000 a day), multinomial survey answers.
Every case's interval is also recomputed directly with scipy.stats.ttest_ind on the same d_t.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from scipy import stats

from rules_lifecycle.scoring import Measure, Reason, Verdict, score_rule
from rules_lifecycle.scoring.synthetic import Truth, case

CASES = 300


def simulate(seed: int, truth: Truth, post_days: int = 28, cases: int = CASES):
    """(verdict counts, share of 95 % intervals covering the truth, worst disagreement with scipy)."""
    rng = np.random.default_rng(seed)
    verdicts: Counter = Counter()
    covered = 0
    worst = 0.0
    for _ in range(cases):
        design, treated, control = case(rng, truth=truth, post_days=post_days)
        score = score_rule(design, treated, control)
        verdicts[(score.verdict, score.reason)] += 1
        primary = score.measure(Measure.COMPLAINT_RATE)
        if primary.ci_95 is None:
            continue
        covered += primary.ci_95.low <= truth.complaint_rate <= primary.ci_95.high
        # the same interval straight from scipy on the same daily log ratios
        first, post = design.pre_start, design.post_start
        pre_idx = np.arange(treated.index_of(first), treated.index_of(first) + design.pre_days)
        post_idx = np.arange(treated.index_of(post), treated.index_of(post) + post_days)
        d = np.log((treated.complaints + 0.5) / treated.users) - np.log(
            (control.complaints + 0.5) / control.users
        )
        ci = stats.ttest_ind(d[post_idx], d[pre_idx], equal_var=False).confidence_interval(0.95)
        worst = max(
            worst, abs(primary.ci_95.low - np.expm1(ci.low)), abs(primary.ci_95.high - np.expm1(ci.high))
        )
    return verdicts, covered / cases, worst


def share(verdicts: Counter, verdict: Verdict) -> float:
    return sum(n for (v, _reason), n in verdicts.items() if v == verdict) / sum(verdicts.values())


def test_null_effect_intervals_cover_zero_and_verdicts_are_rarely_wrong():
    # given rules that truly do nothing
    verdicts, coverage, worst = simulate(seed=2026, truth=Truth())
    # then the 95 % intervals cover 0 about 95 % of the time (well above 90 %)
    assert coverage >= 0.90
    assert coverage == pytest.approx(0.95, abs=0.03)
    # and a wrong "keep" is rare; most stay undecided (the MDE is ~18 %)
    assert share(verdicts, Verdict.KEEP) <= 0.05
    assert share(verdicts, Verdict.UNDECIDED) >= 0.85
    # and the intervals are scipy's to rounding
    assert worst < 1e-9


def test_a_true_20_percent_reduction_is_kept_and_almost_never_retired():
    # given rules that truly cut complaints by 20 % (guardrails untouched)
    verdicts, coverage, worst = simulate(seed=7, truth=Truth(complaint_rate=-0.20))
    # then "keep" in at least 90 % of cases, and a wrong "retire" in at most 5 %
    assert share(verdicts, Verdict.KEEP) >= 0.90
    assert share(verdicts, Verdict.RETIRE) <= 0.05
    assert coverage >= 0.90
    assert worst < 1e-9


def test_a_harmful_rule_is_never_kept():
    # given rules that truly raise complaints by 15 %
    verdicts, _coverage, _worst = simulate(seed=11, truth=Truth(complaint_rate=0.15), cases=200)
    # then none is kept, and retire is common (the MDE is about the size of the harm)
    assert share(verdicts, Verdict.KEEP) == 0
    assert share(verdicts, Verdict.RETIRE) >= 0.35


def test_short_windows_are_undecided_for_insufficient_data():
    # given rules with only 14 days after the burn-in, even with a large true effect
    verdicts, _coverage, _worst = simulate(seed=3, truth=Truth(complaint_rate=-0.30), post_days=14, cases=100)
    # then every one is "undecided: insufficient data"
    assert verdicts == Counter({(Verdict.UNDECIDED, Reason.INSUFFICIENT_DATA): 100})
