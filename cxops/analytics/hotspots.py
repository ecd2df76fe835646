"""Hot-spot detection (热点异动, seed 003): is today's volume a spike against the item's own baseline?

The baseline respects weekdays: the expected count for a day is the median of the same weekday
over the previous eight weeks, so a Monday is compared with Mondays and the usual Monday rush
raises nothing.  The spread is robust (MAD, scaled to a standard deviation) with a Poisson floor
(√expected), so a quiet series with a few identical days does not turn every extra report into an
alert.  A day fires when all of these hold:

- observed ≥ expected + 4 × spread (a robust z of 4: rare under the item's normal variation);
- observed ≥ 1.5 × expected (a practically meaningful rise, not a statistical one on big numbers);
- observed ≥ `min_count` (10 by default: a handful of reports is not a hot spot).

Fewer than four same-weekday observations in the history → no decision ("not enough history").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Z_THRESHOLD = 4.0
MIN_RATIO = 1.5
MIN_COUNT = 10
WEEKS = 8
MIN_SAME_WEEKDAY = 4


@dataclass(frozen=True, slots=True)
class HotSpotCheck:
    observed: float
    expected: float | None
    threshold: float | None
    score: float | None  # robust z
    fired: bool
    reason: str


def hot_spot_check(history: np.ndarray, observed: float, *, min_count: int = MIN_COUNT) -> HotSpotCheck:
    """`history`: daily counts of the days before the checked day, oldest first, ending the day before.

    The checked day is one day after the last history value, so the same weekday sits 7, 14, …
    days back.  Missing days may be NaN.
    """
    history = np.asarray(history, dtype=float)
    same_weekday = history[::-1][6::7][:WEEKS]  # 7, 14, ... days before the checked day
    same_weekday = same_weekday[np.isfinite(same_weekday)]
    if len(same_weekday) < MIN_SAME_WEEKDAY:
        return HotSpotCheck(observed, None, None, None, False, "not enough history")
    expected = float(np.median(same_weekday))
    mad_sigma = 1.4826 * float(np.median(np.abs(same_weekday - expected)))
    spread = max(mad_sigma, float(np.sqrt(max(expected, 1.0))))
    threshold = max(expected + Z_THRESHOLD * spread, MIN_RATIO * expected, float(min_count))
    score = (observed - expected) / spread
    fired = observed >= threshold
    if fired:
        reason = "spike"
    elif observed < min_count:
        reason = "below the minimum count"
    else:
        reason = "within the usual range"
    return HotSpotCheck(observed, round(expected, 2), round(threshold, 2), round(score, 2), fired, reason)
