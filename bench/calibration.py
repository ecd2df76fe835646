#!/usr/bin/env python
"""Calibration: are the verdicts honest on the product's own daily schedule?

    python bench/calibration.py            # 400 simulated rules per configuration
    python bench/calibration.py --quick    # 120 per configuration, weekly looks only
    python bench/calibration.py --cases 1000 --workers 2

Each simulated rule (rules_lifecycle.scoring.calibration) has 126 days of history before
go-live (28 days in the `_history_28` rows: the shortest baseline a rule may go live with), a
weekday pattern, shocks shared by every scope (in the `_shifts_treated` / `_shifts_control` rows
also 3–10-day level shifts on one scope alone), per-scope AR(1) noise with
ρ in 0, 0.3, 0.5, 0.8 at 15 % marginal spread, Poisson complaint counts and multinomial
survey answers; one control scope, or three summed.  It is scored with the defaults a new rule
gets, `score_rule(Design(go_live, as_of, primary=complaint_rate), …)`, at every daily look from
day 35 to day 90, the review date, after go-live (the full run; --quick scores once per new week of data, which
is the same verdict: a look's data change only when a week is added), each look seeing only
the data before its day.

Printed per configuration: coverage of the fixed-sample 95 % interval at the first and last
look, the share of rules whose decision interval covered the truth at every look, and the
share ever shown "keep" or "retire" at some look, with the median day of the first "keep".
For true effects of −10 % and −20 % "ever keep" is the power by the review date.

Baseline, in the same run: the scoring that shipped before sequential looks and serially
robust variances (Welch's t on daily log ratios, 28-day baseline, each look on its own) on the
same simulated rules, for the rows the issue quoted.

Ends with key=value lines (null_ever_keep_rho_0_5=, power_20_rho_0_5=, …).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxops.settings")

from rules_lifecycle.scoring.calibration import Config  # noqa: E402 — after sys.path
from rules_lifecycle.scoring.calibration import calibrate  # noqa: E402 — after sys.path
from rules_lifecycle.scoring.calibration import simulate_rule  # noqa: E402 — after sys.path

RHOS = (0.0, 0.3, 0.5, 0.8)
EFFECTS = (0.0, -0.10, -0.20)


def _job(args: tuple[Config, int, int]):
    config, cases, seed = args
    return calibrate(config, cases, seed)


def welch_baseline(config: Config, cases: int, seed: int) -> tuple[float, float, float]:
    """The old procedure on the same kind of rules: (ever keep, ever retire, last-look coverage).

    Welch's t on d_t, 28-day baseline, post window growing by weeks, a verdict per look with
    no sequential correction, "keep" when the 95 % interval is wholly good and the estimate
    reaches the 5 % MWE, "retire" when wholly harmful (the guardrails left out, which only
    makes this baseline look better than it was)."""
    from scipy import stats

    rng = np.random.default_rng(seed)
    keep = retire = covered = 0
    for _ in range(cases):
        treated, control = simulate_rule(rng, config)
        d = np.log((treated.complaints + 0.5) / treated.users) - np.log(
            (control.complaints + 0.5) / control.users
        )
        go = config.history_days
        pre = d[go - 28 : go]
        ever_keep = ever_retire = False
        last_cover = False
        for post_days in range(28, 92, 7):
            post = d[go + 7 : go + 7 + post_days]
            ci = stats.ttest_ind(post, pre, equal_var=False).confidence_interval(0.95)
            low, high = float(ci.low), float(ci.high)
            estimate = float(post.mean() - pre.mean())
            ever_keep |= high < 0 and -estimate >= math.log1p(0.05)
            ever_retire |= low > 0
            last_cover = low <= math.log1p(config.effect) <= high
        keep += ever_keep
        retire += ever_retire
        covered += last_cover
    return keep / cases, retire / cases, covered / cases


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="120 rules per configuration, weekly looks")
    parser.add_argument("--cases", type=int, default=None)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    cases = args.cases or (120 if args.quick else 400)
    every_day = not args.quick

    configs = [Config(rho=rho, effect=effect, every_day=every_day) for rho in RHOS for effect in EFFECTS]
    configs += [
        Config(rho=rho, effect=effect, controls=3, every_day=every_day)
        for rho in (0.5,)
        for effect in EFFECTS
    ]
    # A rule that goes live with four weeks of history: the shortest baseline the design allows,
    # where the variance rests on the fewest days (and weekly means are not yet a second opinion).
    configs += [
        Config(rho=rho, effect=effect, history_days=28, every_day=every_day)
        for rho in (0.0, 0.5)
        for effect in (0.0, -0.20)
    ]
    # Shocks that hold one scope for 3–10 days and then stop (an outage, a campaign), on the
    # treated scope or on the control, with four weeks of history: the EWC variance's case.
    configs += [
        Config(rho=0.5, effect=effect, history_days=28, shifts=shifts, every_day=every_day)
        for shifts in ("treated", "control")
        for effect in (0.0, -0.20)
    ]
    started = time.perf_counter()
    jobs = [(config, cases, args.seed + i) for i, config in enumerate(configs)]
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        summaries = pool.map(_job, jobs)
    print(
        f"# {cases} simulated rules per configuration; looks {'every day' if every_day else 'every week'}"
        f" from day {configs[0].first_look_day} to day {configs[0].last_look_day};"
        f" {time.perf_counter() - started:.0f} s"
    )
    header = "rho  controls history shifts  effect  cover_first cover_last cover_all_looks ever_keep ever_retire first_keep_day"
    print(header)
    keys: dict[str, float] = {}
    for s in summaries:
        c = s.config
        day = f"{s.median_first_keep_day:.0f}" if s.median_first_keep_day is not None else "-"
        print(
            f"{c.rho:<4} {c.controls:<8} {c.history_days:<7} {c.shifts or '-':<7} {c.effect:+.2f}   {s.coverage_first:<11.3f} {s.coverage_last:<10.3f}"
            f" {s.coverage_all_looks:<15.3f} {s.ever_keep:<9.3f} {s.ever_retire:<11.3f} {day}"
        )
        tag = (
            f"rho_{str(c.rho).replace('.', '_')}"
            + ("" if c.controls == 1 else f"_controls_{c.controls}")
            + ("" if c.history_days == Config.history_days else f"_history_{c.history_days}")
            + (f"_shifts_{c.shifts}" if c.shifts else "")
        )
        if c.effect == 0:
            keys[f"null_cover_first_{tag}"] = s.coverage_first
            keys[f"null_cover_last_{tag}"] = s.coverage_last
            keys[f"null_ever_keep_{tag}"] = s.ever_keep
            keys[f"null_ever_retire_{tag}"] = s.ever_retire
        else:
            keys[f"power_{round(-c.effect * 100)}_{tag}"] = s.ever_keep

    print("# baseline: Welch on daily log ratios, 28-day baseline, no sequential plan (same simulation)")
    for rho in (0.0, 0.5):
        keep, retire, cover = welch_baseline(Config(rho=rho), cases, args.seed + 100)
        print(
            f"# baseline rho={rho}: null ever keep {keep:.3f}, ever retire {retire:.3f}, last-look coverage {cover:.3f}"
        )
        tag = f"rho_{str(rho).replace('.', '_')}"
        keys[f"baseline_null_ever_keep_{tag}"] = keep
        keys[f"baseline_null_ever_retire_{tag}"] = retire
    for key, value in keys.items():
        print(f"{key}={value:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
