"""Classify the consultation cycle curve and the product lifecycle curve (seed 001 p.10).

Consultation cycle curve 咨询周期曲线 — daily consultations after a launch or campaign:

- **A** rises gradually to a peak, then falls gradually;
- **B** rises fast and falls fast (a warm market response);
- **C** rises slowly, falls slowly and stays high.

Figures reported with it: peak height (above the pre-launch baseline), peak width (days at or
above half the peak height), rise speed and fall speed (consultations per day, per day).  The
ideal is narrow, low, slow to rise and fast to fall.

Product lifecycle curve — subscribers over time:

- **A** mature: rose to a peak, then stable;
- **B** growth: keeps rising;
- **C** decline: falls after a peak;
- **D** renewed: stable, then rising again.

Both work on a 7-day (consultations) or 28-day (users) centred moving average, so weekday
patterns and daily noise do not decide the class.  A curve that fits no type is "unclassified",
with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

UNCLASSIFIED = "unclassified"


class CurveReason(StrEnum):
    """Why a curve got its class (or none).  The value is what the API reports; pages look the
    reason up by member (`cxops.presenters.dashboard.CURVE_REASON_TEXT`), never by its wording."""

    # consultation cycle curve
    TOO_FEW_DAYS_AFTER_LAUNCH = "too few days after the launch (need six weeks)"
    NO_CLEAR_PEAK = "no clear peak above the usual level"
    NEW_LEVEL = "rose fast but did not come down: a new level, not a cycle"
    SLOW_RISE_SLOW_FALL = "slow rise, slow fall, stays high"
    NOT_HALF_DOWN = "has not come down to half its peak yet"
    PART_WAY_DOWN = "came down only part of the way"
    FAST_RISE_FAST_FALL = "fast rise, fast fall"
    GRADUAL_RISE_GRADUAL_FALL = "gradual rise to a peak, gradual fall"
    MIXED = "mixed: one side fast, the other slow"
    # product lifecycle curve
    TOO_FEW_DAYS = "too few days (need six months)"
    STABLE_THEN_RISING = "stable for a while, then rising again"
    STILL_RISING = "still rising"
    FALLING_AFTER_PEAK = "falling after its peak"
    ROSE_THEN_STABLE = "rose to its peak, then stable"
    STABLE_THROUGHOUT = "stable at its peak level throughout the window"
    NO_CONSISTENT_TREND = "no consistent trend"


# Consultation curve thresholds (days).  Launch campaigns are short-lived: a peak within a week
# and a halving within two weeks of it are "fast"; stays high = the last two weeks hold at
# least half the peak height.
FAST_RISE_DAYS = 10
FAST_FALL_DAYS = 14
STAYS_HIGH_SHARE = 0.5
BACK_DOWN_SHARE = 0.3
# Lifecycle thresholds, as shares of the peak level.
STABLE_BAND = 0.04
GROWTH_MIN = 0.03
DECLINE_BELOW_PEAK = 0.9
RENEWAL_RISE = 0.08
PLATEAU_DAYS = 90
RECENT_DAYS = 90


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average that ignores NaN and shrinks at the edges."""
    values = np.asarray(values, dtype=float)
    mask = ~np.isnan(values)
    filled = np.where(mask, values, 0.0)
    kernel = np.ones(window)
    sums = np.convolve(filled, kernel, mode="same")
    counts = np.convolve(mask.astype(float), kernel, mode="same")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


@dataclass(frozen=True, slots=True)
class ConsultationCurve:
    kind: str  # "A", "B", "C" or "unclassified"
    reason: CurveReason | None  # None only while `classify_consultation_curve` measures it
    baseline: float
    peak_day: int | None  # days after the launch
    peak_height: float  # above the baseline
    peak_width_days: int
    rise_days: int | None  # from the launch until 90% of the peak height
    fall_days: int | None  # from the peak until back below half the height; None if never
    rise_speed: float  # consultations/day gained per day on the way up
    fall_speed: float  # consultations/day lost per day on the way down (to half height)
    tail_share: float  # last two weeks' level above baseline, as a share of the peak height
    smoothed: tuple[float, ...]


def classify_consultation_curve(after: np.ndarray, *, before: np.ndarray | None = None) -> ConsultationCurve:
    """`after`: daily consultations from the launch day on (≥ 42 days); `before`: the days before it
    (none for a new product: the baseline is then zero)."""
    after = np.asarray(after, dtype=float)
    smoothed = moving_average(after, 7)
    if before is not None and np.isfinite(before).sum() >= 7:
        baseline = float(np.nanmedian(before))
        noise = float(1.4826 * np.nanmedian(np.abs(before - baseline)))
    else:  # a new product: nobody asked about it before the launch
        baseline, noise = 0.0, 0.0
    empty = ConsultationCurve(UNCLASSIFIED, None, baseline, None, 0.0, 0, None, None, 0.0, 0.0, 0.0, tuple())
    if len(after) < 42 or np.isnan(smoothed).all():
        return _with(empty, reason=CurveReason.TOO_FEW_DAYS_AFTER_LAUNCH, smoothed=smoothed)
    peak_day = int(np.nanargmax(smoothed))
    height = float(smoothed[peak_day] - baseline)
    minimum_height = max(3 * noise, 0.2 * abs(baseline), 3 * np.sqrt(max(baseline, 1.0)))
    half = baseline + height / 2
    above = smoothed >= half
    start = peak_day
    while start > 0 and above[start - 1]:
        start -= 1
    end = peak_day
    while end < len(smoothed) - 1 and above[end + 1]:
        end += 1
    width = end - start + 1
    fall_days = (end + 1 - peak_day) if end < len(smoothed) - 1 else None
    # Rise time: until 90% of the height is reached (the exact argmax of a flat top is noise).
    rise_days = max(int(np.argmax(smoothed >= baseline + 0.9 * height)), 1) if height > 0 else 1
    tail = float(np.nanmean(smoothed[-14:]) - baseline) / height if height > 0 else 0.0
    figures = ConsultationCurve(
        kind=UNCLASSIFIED,
        reason=None,
        baseline=round(baseline, 2),
        peak_day=peak_day,
        peak_height=round(height, 2),
        peak_width_days=width,
        rise_days=rise_days,
        fall_days=fall_days,
        rise_speed=round(height / rise_days, 2),
        fall_speed=round((height / 2) / fall_days, 2) if fall_days else 0.0,
        tail_share=round(tail, 3),
        smoothed=tuple(round(float(v), 2) for v in smoothed),
    )
    if height <= minimum_height:
        return _with(figures, reason=CurveReason.NO_CLEAR_PEAK)
    fast_rise = rise_days <= FAST_RISE_DAYS
    if tail >= STAYS_HIGH_SHARE:
        if fast_rise:
            return _with(figures, reason=CurveReason.NEW_LEVEL)
        return _with(figures, kind="C", reason=CurveReason.SLOW_RISE_SLOW_FALL)
    if fall_days is None:
        return _with(figures, reason=CurveReason.NOT_HALF_DOWN)
    fast_fall = fall_days <= FAST_FALL_DAYS
    if tail > BACK_DOWN_SHARE:
        return _with(figures, reason=CurveReason.PART_WAY_DOWN)
    if fast_rise and fast_fall:
        return _with(figures, kind="B", reason=CurveReason.FAST_RISE_FAST_FALL)
    if not fast_rise and not fast_fall:
        return _with(figures, kind="A", reason=CurveReason.GRADUAL_RISE_GRADUAL_FALL)
    return _with(figures, reason=CurveReason.MIXED)


def _with(curve: ConsultationCurve, **changes) -> ConsultationCurve:
    if "smoothed" in changes:
        changes["smoothed"] = tuple(round(float(v), 2) for v in changes["smoothed"] if np.isfinite(v))
    fields = {name: getattr(curve, name) for name in curve.__slots__}
    fields.update(changes)
    return ConsultationCurve(**fields)


@dataclass(frozen=True, slots=True)
class LifecycleCurve:
    kind: str  # "A", "B", "C", "D" or "unclassified"
    reason: CurveReason
    peak_day: int | None
    peak_level: float
    latest_level: float
    recent_change: float  # change over the last 90 days, as a share of the peak level
    smoothed: tuple[float, ...]


def classify_lifecycle_curve(users: np.ndarray) -> LifecycleCurve:
    """`users`: daily subscribers over a long window (≥ 180 days), oldest first."""
    users = np.asarray(users, dtype=float)
    smoothed = moving_average(users, 28)
    finite = smoothed[np.isfinite(smoothed)]
    if len(finite) < 2 * RECENT_DAYS or finite.max() <= 0:
        return LifecycleCurve(UNCLASSIFIED, CurveReason.TOO_FEW_DAYS, None, 0.0, 0.0, 0.0, tuple())
    # Drop the shrinking edges of the moving average: they lean on fewer days.
    y = finite[14:-14] if len(finite) > 2 * RECENT_DAYS + 28 else finite
    peak = float(y.max())
    peak_day = int(y.argmax())
    latest = float(y[-1])
    recent_change = float(y[-1] - y[-RECENT_DAYS]) / peak
    rounded = tuple(round(float(v), 1) for v in y)

    def result(kind: str, reason: CurveReason) -> LifecycleCurve:
        return LifecycleCurve(
            kind, reason, peak_day, round(peak, 1), round(latest, 1), round(recent_change, 4), rounded
        )

    # A plateau: some 90-day stretch whose range stays within the stable band.
    plateau_end = _last_plateau_end(y)
    rose_before = y[0] < (1 - RENEWAL_RISE) * peak
    if (
        plateau_end is not None
        and plateau_end < len(y) - 30
        and latest - y[plateau_end] >= RENEWAL_RISE * peak
        and recent_change >= GROWTH_MIN
        and latest >= (1 - STABLE_BAND) * peak
    ):
        return result("D", CurveReason.STABLE_THEN_RISING)
    if latest >= (1 - STABLE_BAND / 2) * peak and recent_change >= GROWTH_MIN:
        return result("B", CurveReason.STILL_RISING)
    if latest < DECLINE_BELOW_PEAK * peak and peak_day < len(y) - RECENT_DAYS // 2 and recent_change < 0:
        return result("C", CurveReason.FALLING_AFTER_PEAK)
    if abs(recent_change) <= STABLE_BAND and latest >= DECLINE_BELOW_PEAK * peak:
        if rose_before:
            return result("A", CurveReason.ROSE_THEN_STABLE)
        return result("A", CurveReason.STABLE_THROUGHOUT)
    return result(UNCLASSIFIED, CurveReason.NO_CONSISTENT_TREND)


def _last_plateau_end(y: np.ndarray) -> int | None:
    """End index of the last 90-day window whose range is within the stable band of the peak."""
    peak = y.max()
    found = None
    for end in range(PLATEAU_DAYS, len(y) + 1, 7):
        window = y[end - PLATEAU_DAYS : end]
        if (window.max() - window.min()) <= STABLE_BAND * peak:
            found = end - 1
    return found
