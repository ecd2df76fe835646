"""The three measures (EVALUATION.md § Measures), each a difference-in-differences on daily data.

Rates (complaint rate, activity): d_t = log(r_T,t / r_C,t), Welch's t-test of the post-period
d_t against the pre-period d_t (scipy.stats.ttest_ind, equal_var=False); lift = e^Δ − 1.
Weekday patterns and shocks shared by treated and control scopes cancel in d_t; the day-to-day
spread that is left (scope noise, overdispersion) is what Welch's variance measures, which is
why a plain Poisson test is not used.  A rate uses (count + 0.5) / users so that a day with no
complaints stays finite; the reported baseline and after are the plain pooled rates.

Satisfaction: mean scores from exact score histograms, Δ = (ȳ_T,post − ȳ_T,pre) −
(ȳ_C,post − ȳ_C,pre) with SE² = Σ s²_g / n_g (normal), and Welch's t on the daily mean
differences; the wider 95 % interval is the one reported, with its test and p-value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from scipy import special

from .types import DailySeries, Design, Interval, Measure, MeasureResult

CONTINUITY = 0.5
MIN_TEST_DAYS = 3  # fewer days on either side: no estimate at all


# scipy.special's distribution functions are the ones scipy.stats calls underneath, without
# its per-call argument handling (~1 ms a call, which a 10,000-rule run would feel); the tests
# check every number against scipy.stats.ttest_ind and friends computed directly.


def z_quantile(p: float) -> float:
    return float(special.ndtri(p))


def t_quantile(p: float, df: float | None) -> float:
    """Quantile of Student's t with df degrees of freedom (normal when df is None)."""
    return float(special.ndtri(p)) if df is None else float(special.stdtrit(df, p))


def two_sided_p(statistic: float, df: float | None) -> float:
    tail = special.ndtr(-abs(statistic)) if df is None else special.stdtr(df, -abs(statistic))
    return float(2 * tail)


def mde_multiplier(design: Design) -> float:
    return z_quantile(1 - design.alpha / 2) + z_quantile(design.power)


@dataclass
class Windows:
    pre: np.ndarray  # day indices into the series
    post: np.ndarray
    post_days: int  # whole weeks in the post window (may be 0)


def windows(design: Design, series: DailySeries) -> Windows:
    def index_range(start: date, days: int) -> np.ndarray:
        first = series.index_of(start)
        idx = np.arange(first, first + days)
        return idx[(idx >= 0) & (idx < series.days)]

    post_days = design.post_days_available
    return Windows(
        pre=index_range(design.pre_start, design.pre_days),
        post=index_range(design.post_start, post_days),
        post_days=post_days,
    )


@dataclass
class WelchResult:
    estimate: float
    standard_error: float
    df: float
    p_value: float
    ci_95: tuple[float, float]


def welch(post: np.ndarray, pre: np.ndarray) -> WelchResult | None:
    """Welch's t-test of mean(post) − mean(pre), as scipy.stats.ttest_ind(post, pre,
    equal_var=False); None when either side is too short or has no spread."""
    n1, n2 = len(post), len(pre)
    if n1 < MIN_TEST_DAYS or n2 < MIN_TEST_DAYS:
        return None
    v1, v2 = np.var(post, ddof=1) / n1, np.var(pre, ddof=1) / n2
    variance = v1 + v2
    if not variance > 0:
        return None
    df = float(variance**2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1)))
    estimate = float(np.mean(post) - np.mean(pre))
    se = float(math.sqrt(variance))
    q = t_quantile(0.975, df)
    return WelchResult(
        estimate=estimate,
        standard_error=se,
        df=df,
        p_value=two_sided_p(estimate / se, df),
        ci_95=(estimate - q * se, estimate + q * se),
    )


def _rate_parts(measure: Measure, series: DailySeries) -> tuple[np.ndarray, np.ndarray]:
    numerator = series.complaints if measure == Measure.COMPLAINT_RATE else series.active_users
    return np.asarray(numerator, dtype=float), np.asarray(series.users, dtype=float)


def _valid(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.isfinite(numerator) & np.isfinite(denominator) & (denominator > 0)


def rate_daily_effect(
    measure: Measure, treated: DailySeries, control: DailySeries | None
) -> tuple[np.ndarray, np.ndarray]:
    """d_t (nan on unusable days) and the mask of usable days."""
    num_t, den_t = _rate_parts(measure, treated)
    valid = _valid(num_t, den_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.log((num_t + CONTINUITY) / den_t)
        if control is not None:
            num_c, den_c = _rate_parts(measure, control)
            valid &= _valid(num_c, den_c)
            d = d - np.log((num_c + CONTINUITY) / den_c)
    return np.where(valid, d, np.nan), valid


def _pooled(numerator: np.ndarray, denominator: np.ndarray, idx: np.ndarray) -> float | None:
    den = float(np.sum(denominator[idx]))
    return float(np.sum(numerator[idx])) / den if den > 0 else None


def _mde(design: Design, sd: float, days_pre: int, days_post: int) -> float:
    n_post = max(days_post, design.min_post_days)
    return math.exp(mde_multiplier(design) * sd * math.sqrt(1 / days_pre + 1 / n_post)) - 1


def days_needed(design: Design, sd: float, days_pre: int, target: float) -> int | None:
    """Post-period days (whole weeks) for the MDE (on the test's scale) to reach `target`;
    None when the fixed pre-period alone keeps it above."""
    if sd <= 0 or days_pre <= 0:
        return None
    room = (target / (mde_multiplier(design) * sd)) ** 2 - 1 / days_pre
    if room <= 0:
        return None
    days = max(design.min_post_days, math.ceil(1 / room))
    return days + (-days) % 7


def _insufficiency(
    design: Design,
    win: Windows,
    days_pre: int,
    days_post: int,
    cells: dict[str, float],
    minimum: int,
    kind: str,
    daily_cells: dict[str, float],
) -> tuple[list[str], date | None]:
    """What is missing, and the date by which waiting would supply it (None: waiting won't)."""
    missing: list[str] = []
    by = design.post_start + timedelta(days=design.min_post_days)
    reachable = True
    if days_pre < math.ceil(0.75 * design.pre_days):
        missing.append("pre_days")
        reachable = False
    if win.post_days < design.min_post_days or days_post < math.ceil(0.75 * win.post_days):
        missing.append("post_days")
    short = {cell: value for cell, value in cells.items() if value < minimum}
    if short:
        missing.append(kind)
        for cell in short:
            if cell.endswith("_pre"):
                reachable = False
                continue
            per_day = daily_cells.get(cell, 0.0)
            if per_day <= 0:
                reachable = False
                continue
            days = max(design.min_post_days, math.ceil(minimum / per_day))
            days += (-days) % 7
            by = max(by, design.post_start + timedelta(days=days))
    return missing, (by if reachable else None)


def rate_measure(
    measure: Measure, design: Design, treated: DailySeries, control: DailySeries | None, role: str
) -> MeasureResult:
    win = windows(design, treated)
    d, valid = rate_daily_effect(measure, treated, control)
    pre = win.pre[valid[win.pre]]
    post = win.post[valid[win.post]]
    num_t, den_t = _rate_parts(measure, treated)
    cells = {"treated_pre": float(np.sum(num_t[pre])), "treated_post": float(np.sum(num_t[post]))}
    control_baseline = control_after = None
    if control is not None:
        num_c, den_c = _rate_parts(measure, control)
        cells["control_pre"] = float(np.sum(num_c[pre]))
        cells["control_post"] = float(np.sum(num_c[post]))
        control_baseline, control_after = _pooled(num_c, den_c, pre), _pooled(num_c, den_c, post)
    per_day = {
        cell: value / max(1, len(post if cell.endswith("post") else pre)) for cell, value in cells.items()
    }
    # A cell that has no post data yet grows at the pre-period's pace.
    for side in ("treated", "control"):
        if f"{side}_post" in per_day and len(post) == 0:
            per_day[f"{side}_post"] = per_day[f"{side}_pre"]
    missing, sufficient_by = _insufficiency(
        design, win, len(pre), len(post), cells, design.min_events, "events", per_day
    )
    test = welch(d[post], d[pre])
    sd_pre = float(np.std(d[pre], ddof=1)) if len(pre) >= 2 else None
    result = MeasureResult(
        measure=measure,
        role=role,
        test="welch_log_ratio" if control is not None else "welch_log_rate",
        has_control=control is not None,
        sufficient=not missing,
        insufficient=missing,
        days_pre=len(pre),
        days_post=len(post),
        counts=cells,
        baseline=_pooled(num_t, den_t, pre),
        after=_pooled(num_t, den_t, post),
        control_baseline=control_baseline,
        control_after=control_after,
        lift=None,
        ci_95=None,
        ci_adjusted=None,
        p_value=None,
        p_adjusted=None,
        mde=_mde(design, sd_pre, len(pre), len(post)) if sd_pre and len(pre) >= 2 else None,
        sufficient_by=None if not missing else sufficient_by,
        margin=design.guardrail_margins.get(measure) if role == "guardrail" else None,
    )
    result._mde_sd = sd_pre
    if test is not None:
        result.lift = math.expm1(test.estimate)
        result.ci_95 = Interval(math.expm1(test.ci_95[0]), math.expm1(test.ci_95[1]), 0.95)
        result.p_value = test.p_value
        result._estimate, result._standard_error, result._df = test.estimate, test.standard_error, test.df
        result._transform = "exp"
    return result


# --- satisfaction ----------------------------------------------------------------------------


@dataclass
class Cell:
    n: float
    mean: float
    variance: float
    top2: float


def histogram_cell(counts: np.ndarray, levels: np.ndarray) -> Cell | None:
    """Exact mean, sample variance and top-2-box share of a summed score histogram."""
    n = float(counts.sum())
    if n < 2:
        return None
    mean = float((counts * levels).sum() / n)
    variance = float((counts * (levels - mean) ** 2).sum() / (n - 1))
    top2 = float(counts[np.argsort(levels)[-2:]].sum() / n)
    return Cell(n=n, mean=mean, variance=variance, top2=top2)


def _mean_of(cell: Cell | None) -> float | None:
    return cell.mean if cell is not None else None


def daily_means(series: DailySeries) -> np.ndarray:
    counts = np.asarray(series.satisfaction, dtype=float)
    n = counts.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = (counts * np.asarray(series.levels, dtype=float)).sum(axis=1) / n
    return np.where(n > 0, means, np.nan)


def satisfaction_daily_effect(treated: DailySeries, control: DailySeries | None) -> np.ndarray:
    diff = daily_means(treated)
    if control is not None:
        diff = diff - daily_means(control)
    return diff


def satisfaction_measure(
    design: Design, treated: DailySeries, control: DailySeries | None, role: str
) -> MeasureResult:
    win = windows(design, treated)
    levels = np.asarray(treated.levels, dtype=float)
    daily = satisfaction_daily_effect(treated, control)
    day_ok = np.isfinite(daily)
    pre_days = win.pre[day_ok[win.pre]]
    post_days = win.post[day_ok[win.post]]

    def cell(series: DailySeries, idx: np.ndarray) -> Cell | None:
        return histogram_cell(np.asarray(series.satisfaction, dtype=float)[idx].sum(axis=0), levels)

    # Cells use every day of the window with responses (a day without control responses still
    # carries treated ones); the day-level test needs both on the same day.
    cells = {"treated_pre": cell(treated, win.pre), "treated_post": cell(treated, win.post)}
    if control is not None:
        cells["control_pre"] = cell(control, win.pre)
        cells["control_post"] = cell(control, win.post)
    counts = {name: (c.n if c else 0.0) for name, c in cells.items()}
    per_day = {
        name: n / max(1, len(win.post if name.endswith("post") else win.pre)) for name, n in counts.items()
    }
    for side in ("treated", "control"):
        if f"{side}_post" in per_day and len(win.post) == 0:
            per_day[f"{side}_post"] = per_day[f"{side}_pre"]
    missing, sufficient_by = _insufficiency(
        design, win, len(pre_days), len(post_days), counts, design.min_responses, "responses", per_day
    )
    t_pre, t_post = cells["treated_pre"], cells["treated_post"]
    sd_pre = float(np.std(daily[pre_days], ddof=1)) if len(pre_days) >= 2 else None
    result = MeasureResult(
        measure=Measure.SATISFACTION,
        role=role,
        test="",
        has_control=control is not None,
        sufficient=not missing,
        insufficient=missing,
        days_pre=len(pre_days),
        days_post=len(post_days),
        counts=counts,
        baseline=t_pre.mean if t_pre else None,
        after=t_post.mean if t_post else None,
        control_baseline=_mean_of(cells.get("control_pre")),
        control_after=_mean_of(cells.get("control_post")),
        lift=None,
        ci_95=None,
        ci_adjusted=None,
        p_value=None,
        p_adjusted=None,
        mde=None,
        sufficient_by=None if not missing else sufficient_by,
        margin=design.guardrail_margins.get(Measure.SATISFACTION) if role == "guardrail" else None,
    )
    result._mde_sd = sd_pre
    if any(c is None for c in cells.values()):
        return result
    assert t_pre is not None and t_post is not None  # noqa: S101 — narrowed by the line above
    signs = {"treated_post": 1, "treated_pre": -1, "control_post": -1, "control_pre": 1}
    delta = sum(signs[name] * c.mean for name, c in cells.items() if c)
    se_cells = math.sqrt(sum(c.variance / c.n for c in cells.values() if c))
    top2 = sum(signs[name] * c.top2 for name, c in cells.items() if c)
    se_top2 = math.sqrt(sum(c.top2 * (1 - c.top2) / c.n for c in cells.values() if c))
    z = z_quantile(0.975)
    cell_ci = (delta - z * se_cells, delta + z * se_cells)
    cell_p = two_sided_p(delta / se_cells, None) if se_cells > 0 else 1.0
    day_test = welch(daily[post_days], daily[pre_days])

    # The wider 95 % interval, with its test, p-value and distribution, is the one reported.
    use_days = day_test is not None and (day_test.ci_95[1] - day_test.ci_95[0]) > (cell_ci[1] - cell_ci[0])
    baseline = t_pre.mean
    if use_days:
        assert day_test is not None  # noqa: S101
        result.test = "welch_daily_mean_difference" if control is not None else "welch_daily_mean"
        absolute = day_test.estimate
        low, high = day_test.ci_95
        result.p_value = day_test.p_value
        result._standard_error, result._df = day_test.standard_error, day_test.df
    else:
        result.test = "cells_mean_difference" if control is not None else "cells_mean_change"
        absolute = delta
        low, high = cell_ci
        result.p_value = cell_p
        result._standard_error, result._df = se_cells, None
    result._estimate = absolute
    result._transform = f"scale:{baseline!r}"
    result.absolute_change = absolute
    result.absolute_ci = Interval(low, high, 0.95)
    result.top2_change = top2
    result.top2_ci = Interval(top2 - z * se_top2, top2 + z * se_top2, 0.95)
    result.lift = absolute / baseline
    result.ci_95 = Interval(low / baseline, high / baseline, 0.95)
    # Relative lift with its own uncertainty (delta method over the four independent cell
    # means), reported second as EVALUATION.md asks; `lift` and its intervals are the absolute
    # change in units of the baseline, so the verdict compares it with the MWE and margins.
    relative_se = _relative_se(cells)
    result.relative_ci = Interval(
        delta / baseline - z * relative_se, delta / baseline + z * relative_se, 0.95
    )
    if sd_pre:
        # MDE in points over the baseline mean, from the pre-period spread of daily differences.
        n_post = max(len(post_days), design.min_post_days)
        points = mde_multiplier(design) * sd_pre * math.sqrt(1 / len(pre_days) + 1 / n_post)
        result.mde = points / baseline
    return result


def _relative_se(cells: dict[str, Cell | None]) -> float:
    """SE of Δ / ȳ_T,pre by the delta method (cells independent)."""
    a, b = cells["treated_post"], cells["treated_pre"]
    c, d = cells.get("control_post"), cells.get("control_pre")
    assert a is not None and b is not None  # noqa: S101
    shift = (d.mean - c.mean) if c and d else 0.0
    gradients = {
        "treated_post": 1 / b.mean,
        "treated_pre": -(a.mean + shift) / b.mean**2,
        "control_post": -1 / b.mean,
        "control_pre": 1 / b.mean,
    }
    return math.sqrt(
        sum(gradients[name] ** 2 * cell.variance / cell.n for name, cell in cells.items() if cell)
    )
