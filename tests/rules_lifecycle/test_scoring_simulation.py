"""Calibration on the product's own schedule (EVALUATION.md § Must be shown to be right).

A seeded, fast subset of bench/calibration.py: simulated rules with 126 days of history, a
weekday pattern and shocks shared by all scopes, 15 % per-scope noise on the complaint rate
that is independent (ρ = 0) or persistent (AR(1), ρ = 0.5), Poisson complaint counts and
multinomial survey answers, scored with a new rule's default design at every planned look
from day 35 to day 90 (the review date) after go-live, each look seeing only the data before its day.  The
bench runs 400 rules per configuration at every daily look; the bounds here allow for the
smaller sample (about ±2.5 points on a share near 5 % with 150 rules).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from rules_lifecycle.scoring import Reason
from rules_lifecycle.scoring import Verdict
from rules_lifecycle.scoring import score_rule
from rules_lifecycle.scoring.calibration import Config
from rules_lifecycle.scoring.calibration import calibrate
from rules_lifecycle.scoring.synthetic import Truth
from rules_lifecycle.scoring.synthetic import case

CASES = 150


@pytest.mark.parametrize("rho", [0.0, 0.5])
def test_a_rule_that_does_nothing_is_rarely_ever_shown_keep_or_retire_across_all_looks(rho):
    # given rules that truly do nothing, looked at every week of their evaluation
    summary = calibrate(Config(rho=rho, every_day=False), CASES, seed=2026)
    # then the 95 % intervals cover the truth at the first and last look
    assert summary.coverage_first >= 0.90
    assert summary.coverage_last >= 0.90
    # and across all ten looks a wrong "keep" or "retire" stays near α/2, nowhere near the
    # one in five that Welch's t on the same data showed with ρ = 0.5
    assert summary.ever_keep <= 0.06
    assert summary.ever_retire <= 0.06
    assert summary.coverage_all_looks >= 0.92


def test_a_true_20_percent_reduction_is_kept_by_the_review_date_despite_persistent_shocks():
    # given rules that truly cut complaints by 20 %, with AR(1) scope noise ρ = 0.5
    summary = calibrate(Config(rho=0.5, effect=-0.20, every_day=False), 100, seed=7)
    # then "keep" is shown by the last look in at least 80 % of cases (the bench: 97-98 %)
    assert summary.ever_keep >= 0.85
    assert summary.ever_retire <= 0.05


def test_the_old_test_on_the_same_data_was_wrong_one_time_in_five():
    """The yardstick: on persistent noise, Welch's t per look (the scoring before this plan)
    shows a rule that does nothing as "keep" or "retire" at some look far more often."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.calibration import welch_baseline

    keep, retire, _coverage = welch_baseline(Config(rho=0.5), 100, seed=99)
    assert keep + retire >= 0.2


def test_a_harmful_rule_is_never_kept():
    # given rules that truly raise complaints by 15 %, at their last planned look
    rng = np.random.default_rng(11)
    verdicts: Counter = Counter()
    for _ in range(100):
        design, treated, control = case(rng, truth=Truth(complaint_rate=0.15), post_days=91)
        verdicts[score_rule(design, treated, control).verdict] += 1
    # then none is kept, and retire is common
    assert verdicts[Verdict.KEEP] == 0
    assert verdicts[Verdict.RETIRE] >= 60


def test_short_windows_are_undecided_for_insufficient_data():
    # given rules with only 14 days after the burn-in, even with a large true effect
    rng = np.random.default_rng(3)
    verdicts: Counter = Counter()
    for _ in range(50):
        design, treated, control = case(rng, truth=Truth(complaint_rate=-0.30), post_days=14)
        score = score_rule(design, treated, control)
        verdicts[(score.verdict, score.reason)] += 1
    # then every one is "undecided: insufficient data"
    assert verdicts == Counter({(Verdict.UNDECIDED, Reason.INSUFFICIENT_DATA): 50})
