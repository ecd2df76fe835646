"""From measures to a verdict (EVALUATION.md § Verdict per rule), and the portfolio's FDR.

Every decision is made on repeated confidence intervals of the rule's sequential plan
(scoring.sequential), so the chance that a rule with no effect is *ever* shown "keep", or
*ever* shown "retire" for harm, across all the daily looks up to the end of its evaluation
stays within α/2 each (bench/calibration.py measures it on the product's own schedule).
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
from scipy import special
from statsmodels.stats.multitest import multipletests

from .measures import days_needed
from .measures import difference_test
from .measures import plan_look
from .measures import rate_daily_effect
from .measures import rate_measure
from .measures import satisfaction_daily_effect
from .measures import satisfaction_measure
from .measures import t_quantile
from .measures import windows
from .sequential import Look
from .sequential import boundary_at
from .types import DailySeries
from .types import Design
from .types import Interval
from .types import Measure
from .types import MeasureResult
from .types import Placebo
from .types import Reason
from .types import RuleScore
from .types import Verdict


def holm_p_values(p_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Holm's step-down adjustment: (adjusted p capped at 1, uncapped p̃).

    p̃ for the k-th smallest p is max over j ≤ k of (m − j)·p_(j); the adjusted value is
    min(1, p̃), exactly what statsmodels' multipletests(method="holm") returns (the tests check
    it).  It is computed here because that statsmodels path calls gc.collect() on every call,
    ~50 ms in a full process: 8 minutes over 10,000 rules.
    """
    m = len(p_values)
    order = np.argsort(p_values, kind="stable")
    uncapped = np.empty(m)
    uncapped[order] = np.maximum.accumulate(p_values[order] * np.arange(m, 0, -1))
    return np.minimum(uncapped, 1.0), uncapped


def holm_adjust(results: list[MeasureResult], alpha: float) -> None:
    """Holm-adjust the fixed-sample p-values of the tested measures (what the portfolio's
    Benjamini–Hochberg step reads).  Measures without sufficient data are reported but are
    not part of the family."""
    family = [r for r in results if r.sufficient and r.p_value is not None]
    if not family:
        return
    p = np.array([r.p_value for r in family], dtype=float)
    adjusted, _uncapped = holm_p_values(p)
    for result, p_adj in zip(family, adjusted, strict=True):
        result.p_adjusted = float(p_adj)


def sequential_intervals(design: Design, results: list[MeasureResult], look: Look) -> None:
    """Each tested measure's repeated intervals at this look: at α (`ci_sequential`, what keep
    and improve read, an intersection of conditions) and at α/m across the m tested measures
    (`ci_adjusted`, what each of retire's alternative claims reads, a union)."""
    if look.number == 0:
        return
    family = [r for r in results if r.sufficient and r._estimate is not None]
    for result in results:
        if result._estimate is None or result._standard_error is None:
            continue
        n_pre = max(result.days_pre, 1)
        plan = {"n_pre": n_pre, "min_post_days": design.min_post_days, "max_post_days": design.last_post_days}
        c = boundary_at(look=look, alpha=design.alpha, **plan)
        result.ci_sequential = _interval(result, 1 - 2 * float(special.ndtr(-c)))
        if result in family:
            c_m = boundary_at(look=look, alpha=design.alpha / len(family), **plan)
            result.ci_adjusted = _interval(result, 1 - 2 * float(special.ndtr(-c_m)))


def _interval(result: MeasureResult, level: float) -> Interval:
    assert result._estimate is not None and result._standard_error is not None  # noqa: S101
    q = t_quantile((1 + level) / 2, result._df)
    low = result._estimate - q * result._standard_error
    high = result._estimate + q * result._standard_error
    if result._transform == "exp":
        return Interval(math.expm1(low), math.expm1(high), level)
    baseline = float(result._transform.split(":", 1)[1])
    return Interval(low / baseline, high / baseline, level)


def placebo_check(design: Design, treated: DailySeries, control: DailySeries | None) -> Placebo | None:
    """Rerun the primary test with a fake go-live halfway through the baseline (whole weeks),
    with the same serially robust variance."""
    if design.primary == Measure.SATISFACTION:
        daily = satisfaction_daily_effect(treated, control)
        usable = np.isfinite(daily)
    else:
        daily, usable = rate_daily_effect(design.primary, treated, control)
    win = windows(design, treated, usable)
    half = (win.pre_days // 14) * 7
    if half == 0:
        return None  # a one-week baseline cannot be split into whole weeks
    first = win.pre_first
    fake = type(win)(
        pre=np.arange(first, first + half),
        post=np.arange(first + half, first + win.pre_days),
        post_days=win.pre_days - half,
        pre_days=half,
        pre_first=first,
        post_first=first + half,
    )
    idx_a, idx_b = (i[(i >= 0) & (i < treated.days)] for i in (fake.pre, fake.post))
    idx_a, idx_b = idx_a[usable[idx_a]], idx_b[usable[idx_b]]
    test = difference_test(daily, fake, idx_a, idx_b)
    if test is None:
        return None
    # Rates: the fake lift; satisfaction: the fake change in points.
    lift = test.estimate if design.primary == Measure.SATISFACTION else math.expm1(test.estimate)
    return Placebo(
        lift=lift, p_value=test.p_value, suspect=test.p_value < design.alpha, days=len(idx_a) + len(idx_b)
    )


def _verdict(
    design: Design, primary: MeasureResult, guardrails: list[MeasureResult]
) -> tuple[Verdict, Reason]:
    """EVALUATION.md's verdict rules.

    Which interval decides: "retire" fires when any one of several claims holds (primary
    harmful, primary negligible, a guardrail harmed), a union of claims, so each is judged on
    its interval at α/m (Bonferroni across the m tested measures).  "keep" and "improve" need every condition at once (primary good
    AND no guardrail harmed): an intersection–union test (Berger 1982), whose error rate is at
    most α with each condition at level α, so the primary's interval at α decides them.  Both are repeated (sequential) intervals, so each holds across all looks.
    """
    mwe = design.minimum_worthwhile_effect
    if not primary.sufficient or primary.ci_adjusted is None:
        return Verdict.UNDECIDED, Reason.INSUFFICIENT_DATA
    adjusted_low, adjusted_high = primary.benefit_interval(adjusted=True)  # type: ignore[misc]
    low, high = primary.benefit_interval(adjusted=False)  # type: ignore[misc]
    estimate = primary.benefit()
    assert estimate is not None  # noqa: S101 — an interval implies an estimate

    judged = [g for g in guardrails if g.sufficient and g.ci_adjusted is not None]
    harmed = [g for g in judged if g.benefit_interval()[1] < 0]  # type: ignore[index]
    # "Crosses its margin": the estimate is worse than the margin, without being significant.
    crossing = [g for g in judged if g not in harmed and g.benefit() < -(g.margin or 0.0)]  # type: ignore[operator]

    retire: Reason | None = None
    if harmed:
        retire = Reason.GUARDRAIL_HARMED
    elif adjusted_high < 0:
        retire = Reason.HARMFUL
    elif -mwe < adjusted_low and adjusted_high < mwe and low <= 0:
        # Inside ±MWE and not demonstrably good; a demonstrably good but small effect is
        # "improve" (too small), which EVALUATION.md names separately.
        retire = Reason.NEGLIGIBLE
    if retire is not None:
        if not primary.has_control:
            # Pre/post only is weaker evidence: it never retires a rule on its own.
            return Verdict.UNDECIDED, Reason.NO_CONTROL
        return Verdict.RETIRE, retire
    if low > 0:
        if crossing:
            return Verdict.IMPROVE, Reason.GUARDRAIL_MARGIN
        if estimate >= mwe:
            return Verdict.KEEP, Reason.WORTHWHILE
        if high < mwe:
            return Verdict.IMPROVE, Reason.TOO_SMALL
    return Verdict.UNDECIDED, Reason.INCONCLUSIVE


def score_rule(design: Design, treated: DailySeries, control: DailySeries | None) -> RuleScore:
    """Score one rule: three measures, Holm across them, the placebo check and the verdict."""
    if control is not None and (control.start != treated.start or control.days != treated.days):
        raise ValueError("treated and control series must share one date axis")
    results: list[MeasureResult] = []
    for measure in (Measure.ACTIVITY, Measure.COMPLAINT_RATE, Measure.SATISFACTION):
        role = "primary" if measure == design.primary else "guardrail"
        if measure == Measure.SATISFACTION:
            results.append(satisfaction_measure(design, treated, control, role))
        else:
            results.append(rate_measure(measure, design, treated, control, role))
    holm_adjust(results, design.alpha)
    primary = next(r for r in results if r.role == "primary")
    look = plan_look(design, max(primary.days_pre, 1))
    sequential_intervals(design, results, look)
    guardrails = [r for r in results if r.role == "guardrail"]
    verdict, reason = _verdict(design, primary, guardrails)

    sufficient_by = None
    if reason == Reason.INSUFFICIENT_DATA:
        sufficient_by = primary.sufficient_by
    elif reason == Reason.INCONCLUSIVE and primary._se_at is not None and primary.lift is not None:
        # The day of the first planned look at which an effect the size of the current
        # estimate (at least the MWE) would be detectable with 80 % power; None when no look
        # up to the end of the evaluation would.
        target_relative = max(design.minimum_worthwhile_effect, abs(primary.lift))
        if primary.measure == Measure.SATISFACTION:
            target = target_relative * (primary.baseline or 0.0)
        else:
            target = math.log1p(target_relative)
        days = days_needed(design, primary._se_at, primary.days_pre, target)
        if days is not None:
            sufficient_by = max(design.post_start + timedelta(days=days), design.as_of + timedelta(days=7))

    no_effect = (
        verdict == Verdict.UNDECIDED
        and design.as_of >= design.effective_review_date
        and primary.lift is not None
        and abs(primary.lift) < design.minimum_worthwhile_effect
    )
    return RuleScore(
        verdict=verdict,
        reason=reason,
        has_control=control is not None,
        primary=design.primary,
        measures=results,
        placebo=placebo_check(design, treated, control),
        sufficient_by=sufficient_by,
        no_measurable_effect=no_effect,
        design=design,
        look=look,
    )


def portfolio_fdr(p_values: list[float | None], alpha: float = 0.05) -> list[tuple[bool, float | None]]:
    """Benjamini–Hochberg across rules (statsmodels): (discovery?, q-value) per input, in order.
    Rules without a p-value (insufficient data) are not tested and never discoveries."""
    tested = [i for i, p in enumerate(p_values) if p is not None]
    out: list[tuple[bool, float | None]] = [(False, None)] * len(p_values)
    if not tested:
        return out
    reject, q, _sidak, _bonf = multipletests([p_values[i] for i in tested], alpha=alpha, method="fdr_bh")
    for i, r, qv in zip(tested, reject, q, strict=True):
        out[i] = (bool(r), float(qv))
    return out
