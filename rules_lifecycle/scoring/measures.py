"""The three measures (EVALUATION.md § Measures), each a difference-in-differences on daily data.

Rates (complaint rate, activity): d_t = log(r_T,t / r_C,t), the estimate mean(d_post) −
mean(d_pre) with a variance that stays valid when days are serially correlated (scoring.serial:
the larger of an AR(1)-corrected and a weekly-means variance); lift = e^Δ − 1.  Weekday
patterns and shocks shared by treated and control scopes cancel in d_t; what is left (scope
noise, persistent local shocks, overdispersion) is what the variance measures, which is why a
plain Poisson test is not used.  A rate uses (count + 0.5) / users so that a day with no
complaints stays finite; the reported baseline and after are the plain pooled rates.

Satisfaction: mean scores from exact score histograms, Δ = (ȳ_T,post − ȳ_T,pre) −
(ȳ_C,post − ȳ_C,pre) with SE² = Σ s²_g / n_g (normal), and the same serially robust test on
the daily mean differences; the wider 95 % interval is the one reported, with its test.

Windows: the baseline is the longest run of clean whole weeks before go-live (Design); each
measure finds its own, since survey days and metric days need not coincide.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import timedelta

import numpy as np
from scipy import special

from .sequential import Look
from .sequential import boundaries
from .sequential import information
from .sequential import look_at
from .sequential import planned_post_days
from .serial import SerialTest
from .serial import serial_difference
from .types import DailySeries
from .types import Design
from .types import Interval
from .types import Measure
from .types import MeasureResult

CONTINUITY = 0.5
CLEAN_WEEK_DAYS = 5  # a baseline week is clean with at least this many usable days


# scipy.special's distribution functions are the ones scipy.stats calls underneath, without
# its per-call argument handling (~1 ms a call, which a 10,000-rule run would feel); the tests
# check every number against scipy.stats and statsmodels computed directly.


def z_quantile(p: float) -> float:
    return float(special.ndtri(p))


def t_quantile(p: float, df: float | None) -> float:
    """Quantile of Student's t with df degrees of freedom (normal when df is None)."""
    return float(special.ndtri(p)) if df is None else float(special.stdtrit(df, p))


def two_sided_p(statistic: float, df: float | None) -> float:
    tail = special.ndtr(-abs(statistic)) if df is None else special.stdtr(df, -abs(statistic))
    return float(2 * tail)


@dataclass
class Windows:
    pre: np.ndarray  # day indices into the series
    post: np.ndarray
    post_days: int  # whole weeks in the post window (may be 0)
    pre_days: int  # whole weeks in the baseline, in days
    pre_first: int  # index of the baseline's first day (may be negative: before the data)
    post_first: int


def windows(design: Design, series: DailySeries, usable: np.ndarray | None = None) -> Windows:
    """The baseline and post windows as day indices.  With `usable` (a per-day mask), the
    baseline is the longest run of clean whole weeks before go-live, at least `pre_days`."""
    go_live = series.index_of(design.go_live)
    pre_days = design.pre_days
    if usable is not None:
        # Whole weeks back from go-live, most recent first; the run stops at the first week
        # with too few usable days (or at the start of the data).
        weeks_available = min(design.longest_pre_days, go_live) // 7 if 0 <= go_live <= series.days else 0
        if weeks_available:
            counts = usable[go_live - weeks_available * 7 : go_live].reshape(weeks_available, 7).sum(axis=1)
            short = np.flatnonzero(counts[::-1] < CLEAN_WEEK_DAYS)
            weeks = int(short[0]) if short.size else weeks_available
            pre_days = max(pre_days, weeks * 7)

    def index_range(first: int, days: int) -> np.ndarray:
        return np.arange(max(first, 0), max(min(first + days, series.days), 0))

    post_first = series.index_of(design.post_start)
    post_days = design.post_days_available
    return Windows(
        pre=index_range(go_live - pre_days, pre_days),
        post=index_range(post_first, post_days),
        post_days=post_days,
        pre_days=pre_days,
        pre_first=go_live - pre_days,
        post_first=post_first,
    )


def difference_test(daily: np.ndarray, win: Windows, pre: np.ndarray, post: np.ndarray) -> SerialTest | None:
    """The serially robust post − pre test on the usable days of the two windows."""
    return serial_difference(
        daily[post],
        daily[pre],
        post_days=post,
        pre_days=pre,
        post_first_day=win.post_first,
        pre_first_day=win.pre_first,
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


# --- the sequential plan, the MDE and when data will suffice --------------------------------


def plan_look(design: Design, n_pre: int) -> Look:
    return look_at(
        n_pre=n_pre,
        post_days=design.post_days_available,
        min_post_days=design.min_post_days,
        max_post_days=design.last_post_days,
        post_start=design.post_start,
        alpha=design.alpha,
    )


def mde_at(design: Design, se_at: Callable[[int], float], n_pre: int, post_days: int) -> float:
    """The effect (on the test's scale) detectable with 80 % power at the planned look that
    `post_days` of post data make, with that look's sequential boundary."""
    plan = planned_post_days(design.min_post_days, design.last_post_days)
    n_post = min(max(post_days, plan[0]), plan[-1])
    k = (n_post - plan[0]) // 7
    c_k = boundaries(information(max(n_pre, 1), plan), design.alpha)[k]
    return (c_k + z_quantile(design.power)) * se_at(plan[k])


def days_needed(design: Design, se_at: Callable[[int], float], n_pre: int, target: float) -> int | None:
    """Post-period days of the first planned look whose MDE (on the test's scale) reaches
    `target`; None when no look up to the last planned one would."""
    for post_days in planned_post_days(design.min_post_days, design.last_post_days):
        if mde_at(design, se_at, n_pre, post_days) <= target:
            return post_days
    return None


def _daily_pace(cells: dict[str, float], *, pre_days: int, post_days: int) -> dict[str, float]:
    """Each cell's count per day of its window ("treated_pre", "control_post", ...), the pace at
    which waiting adds to it.  A post cell with no day yet grows at its side's pre-period pace."""
    per_day = {
        cell: value / max(1, post_days if cell.endswith("post") else pre_days)
        for cell, value in cells.items()
    }
    if post_days == 0:
        for side in ("treated", "control"):
            if f"{side}_post" in per_day:
                per_day[f"{side}_post"] = per_day[f"{side}_pre"]
    return per_day


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


def _attach_test(result: MeasureResult, test: SerialTest, baseline_transform: str) -> None:
    result.p_value = test.p_value
    result._estimate, result._standard_error, result._df = test.estimate, test.standard_error, test.df
    result._transform = baseline_transform
    result._se_at = test.standard_error_at
    result.serial_correlation = test.rho
    result.variance = test.method


def rate_measure(
    measure: Measure, design: Design, treated: DailySeries, control: DailySeries | None, role: str
) -> MeasureResult:
    d, valid = rate_daily_effect(measure, treated, control)
    win = windows(design, treated, valid)
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
    per_day = _daily_pace(cells, pre_days=len(pre), post_days=len(post))
    missing, sufficient_by = _insufficiency(
        design, win, len(pre), len(post), cells, design.min_events, "events", per_day
    )
    test = difference_test(d, win, pre, post)
    sd_pre = float(np.std(d[pre], ddof=1)) if len(pre) >= 2 else None
    result = MeasureResult(
        measure=measure,
        role=role,
        test="serial_log_ratio" if control is not None else "serial_log_rate",
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
        sufficient_by=None if not missing else sufficient_by,
        margin=design.guardrail_margins.get(measure) if role == "guardrail" else None,
        baseline_from=design.go_live - timedelta(days=win.pre_days),
    )
    result._mde_sd = sd_pre
    if test is not None:
        result.lift = math.expm1(test.estimate)
        result.ci_95 = Interval(math.expm1(test.ci_95[0]), math.expm1(test.ci_95[1]), 0.95)
        _attach_test(result, test, "exp")
        result.mde = math.expm1(mde_at(design, test.standard_error_at, len(pre), len(post)))
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
    levels = np.asarray(treated.levels, dtype=float)
    daily = satisfaction_daily_effect(treated, control)
    day_ok = np.isfinite(daily)
    win = windows(design, treated, day_ok)
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
    per_day = _daily_pace(counts, pre_days=len(win.pre), post_days=len(win.post))
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
        sufficient_by=None if not missing else sufficient_by,
        margin=design.guardrail_margins.get(Measure.SATISFACTION) if role == "guardrail" else None,
        baseline_from=design.go_live - timedelta(days=win.pre_days),
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
    day_test = difference_test(daily, win, pre_days, post_days)

    # The wider 95 % interval, with its test, p-value and distribution, is the one reported.
    use_days = day_test is not None and (day_test.ci_95[1] - day_test.ci_95[0]) > (cell_ci[1] - cell_ci[0])
    baseline = t_pre.mean
    transform = f"scale:{baseline!r}"
    if use_days:
        assert day_test is not None  # noqa: S101
        result.test = "serial_daily_mean_difference" if control is not None else "serial_daily_mean"
        absolute = day_test.estimate
        low, high = day_test.ci_95
        _attach_test(result, day_test, transform)
    else:
        result.test = "cells_mean_difference" if control is not None else "cells_mean_change"
        absolute = delta
        low, high = cell_ci
        result.p_value = cell_p
        result._standard_error, result._df = se_cells, None
        result._transform = transform
        n_post_now = max(len(post_days), 1)

        def cells_se_at(n_post: int, se: float = se_cells, now: int = n_post_now) -> float:
            return se * math.sqrt(max(now, 1) / max(n_post, 1)) if n_post > now else se

        result._se_at = cells_se_at
    result._estimate = absolute
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
    result.mde = mde_at(design, result._se_at, len(pre_days), len(post_days)) / baseline
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
