"""Inputs and outputs of the scoring functions: plain dataclasses over numpy arrays, no ORM.

All daily arrays of one evaluation share one date axis that starts at `DailySeries.start`;
a missing day is `nan` (or zero users).  Dates are calendar days cut at Asia/Shanghai
midnight by whoever built the arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from datetime import date
from datetime import timedelta
from enum import StrEnum
from typing import Any

import numpy as np

from .sequential import Look


class Measure(StrEnum):
    ACTIVITY = "activity"
    COMPLAINT_RATE = "complaint_rate"
    SATISFACTION = "satisfaction"


class Verdict(StrEnum):
    KEEP = "keep"
    IMPROVE = "improve"
    RETIRE = "retire"
    UNDECIDED = "undecided"


class Reason(StrEnum):
    """Why a verdict was reached; a stable code the pages translate."""

    WORTHWHILE = "worthwhile"  # keep
    GUARDRAIL_MARGIN = "guardrail_margin"  # improve: a guardrail crossed its margin, not significantly
    TOO_SMALL = "too_small"  # improve: real but the whole CI is below the MWE
    HARMFUL = "harmful"  # retire: the primary CI lies wholly on the harmful side
    NEGLIGIBLE = "negligible"  # retire: the primary CI lies wholly inside ±MWE
    GUARDRAIL_HARMED = "guardrail_harmed"  # retire: a guardrail is significantly worse
    INSUFFICIENT_DATA = "insufficient_data"  # undecided
    INCONCLUSIVE = "inconclusive"  # undecided
    NO_CONTROL = "no_control"  # undecided: would be retire, but pre/post only never retires alone


# Which way is good: +1 when higher is better, -1 when lower is better.
DIRECTION: dict[Measure, int] = {
    Measure.ACTIVITY: +1,
    Measure.COMPLAINT_RATE: -1,
    Measure.SATISFACTION: +1,
}

DEFAULT_GUARDRAIL_MARGINS: dict[Measure, float] = {
    # Relative to the treated baseline; satisfaction's margin is turned into points by
    # multiplying with the baseline mean score (0.02 × 4.0 = 0.08 points on a 1–5 scale).
    Measure.ACTIVITY: 0.05,
    Measure.COMPLAINT_RATE: 0.10,
    Measure.SATISFACTION: 0.02,
}


# The default review date, in days after go-live (the rules' review_after_days default): the
# sequential plan's last look falls on or before it.
REVIEW_AFTER_DAYS = 90


@dataclass(frozen=True)
class Design:
    """The evaluation design fixed when the rule went live (EVALUATION.md § Design).

    `as_of` is the evaluation date: data up to and including the day before it is used.

    Windows: the baseline is the longest run of clean whole weeks (each with at least
    `CLEAN_WEEK_DAYS` usable days) right before go-live, from `pre_days` (the minimum) up to
    `max_pre_days`; pass the same number for both to fix it.  The post window starts after
    the burn-in and grows by whole weeks from `min_post_days` to `max_post_days`: one planned
    look per week (scoring.sequential), the last of which concludes the evaluation.  By default
    the last look is the last whole week of post data by the review date (REVIEW_AFTER_DAYS after
    go-live), so the plan spends its α on the looks a manager sees before deciding.  A Design
    built from go_live, as_of and primary alone is exactly what a new rule gets by default.
    """

    go_live: date
    as_of: date
    primary: Measure
    pre_days: int = 28
    burn_in_days: int = 7
    min_post_days: int = 28
    max_post_days: int | None = None  # None: the whole weeks of post data by the review date
    max_pre_days: int = 182
    minimum_worthwhile_effect: float = 0.05
    guardrail_margins: dict[Measure, float] = field(default_factory=lambda: dict(DEFAULT_GUARDRAIL_MARGINS))
    review_date: date | None = None
    alpha: float = 0.05
    power: float = 0.80
    min_events: int = 50
    min_responses: int = 150

    def __post_init__(self) -> None:
        if self.pre_days < 7 or self.pre_days % 7:
            raise ValueError("pre_days must be whole weeks")
        if self.min_post_days < 7 or self.min_post_days % 7:
            raise ValueError("min_post_days must be whole weeks")
        if self.max_post_days is not None and (
            self.max_post_days % 7 or self.max_post_days < self.min_post_days
        ):
            raise ValueError("max_post_days must be whole weeks, at least min_post_days")
        if self.max_pre_days % 7:
            raise ValueError("max_pre_days must be whole weeks")
        if self.burn_in_days < 0:
            raise ValueError("burn_in_days must not be negative")
        if not 0 < self.minimum_worthwhile_effect < 1:
            raise ValueError("minimum_worthwhile_effect is a relative change between 0 and 1")

    @property
    def longest_pre_days(self) -> int:
        return max(self.pre_days, self.max_pre_days)

    @property
    def pre_start(self) -> date:
        """The earliest day a baseline may use: the history a scoring input should start at."""
        return self.go_live - timedelta(days=self.longest_pre_days)

    @property
    def last_post_days(self) -> int:
        """The post window of the last planned look: the whole weeks after the burn-in that the
        default review date holds (77 days with a week's burn-in: the last look on day 84)."""
        if self.max_post_days is not None:
            return self.max_post_days
        return max(self.min_post_days, (REVIEW_AFTER_DAYS - self.burn_in_days) // 7 * 7)

    @property
    def post_start(self) -> date:
        return self.go_live + timedelta(days=self.burn_in_days)

    @property
    def effective_review_date(self) -> date:
        return self.review_date or self.go_live + timedelta(days=REVIEW_AFTER_DAYS)

    @property
    def post_days_available(self) -> int:
        """Whole weeks of post-period data available on `as_of` (capped by `max_post_days`)."""
        days = max(0, (self.as_of - self.post_start).days)
        days -= days % 7
        return min(days, self.last_post_days)


@dataclass(frozen=True)
class DailySeries:
    """One scope's (or a summed set of control scopes') daily aggregates.

    `satisfaction` holds response counts per score level, shape (days, len(levels)).
    """

    start: date
    users: np.ndarray
    active_users: np.ndarray
    complaints: np.ndarray
    satisfaction: np.ndarray
    levels: tuple[int, ...] = (1, 2, 3, 4, 5)

    def __post_init__(self) -> None:
        n = len(self.users)
        if not (len(self.active_users) == len(self.complaints) == n):
            raise ValueError("daily arrays must have the same length")
        if self.satisfaction.shape != (n, len(self.levels)):
            raise ValueError("satisfaction must be (days, levels) counts")

    @property
    def days(self) -> int:
        return len(self.users)

    def index_of(self, day: date) -> int:
        return (day - self.start).days


@dataclass
class Interval:
    low: float
    high: float
    level: float


@dataclass
class MeasureResult:
    """Everything the page shows for one measure of one rule (EVALUATION.md § Measures)."""

    measure: Measure
    role: str  # "primary" or "guardrail"
    test: str
    has_control: bool
    sufficient: bool
    insufficient: list[str]  # what is missing: "pre_days", "post_days", "events", "responses"
    days_pre: int
    days_post: int
    counts: dict[
        str, float
    ]  # events / responses per cell: treated_pre, treated_post, control_pre, control_post
    baseline: float | None  # treated, pre-period (rate or mean score)
    after: float | None  # treated, post-period
    control_baseline: float | None
    control_after: float | None
    # The test's figures: None until the test runs (and when the data is insufficient).
    lift: float | None = None  # relative change (RRR − 1 for rates; Δ / baseline for satisfaction)
    ci_95: Interval | None = None  # fixed-sample 95 % interval of `lift` (valid under serial correlation)
    ci_adjusted: Interval | None = None  # repeated interval at α/m across the rule's measures (retire claims)
    p_value: float | None = None
    p_adjusted: float | None = None
    mde: float | None = None  # relative minimum detectable effect at 80 % power
    sufficient_by: date | None = None  # for insufficient data: when the minimum would be met
    # satisfaction only: absolute point change and the top-2-box share difference
    absolute_change: float | None = None
    absolute_ci: Interval | None = None
    top2_change: float | None = None
    top2_ci: Interval | None = None
    relative_ci: Interval | None = None  # Δ / baseline by the delta method (shown second)
    margin: float | None = None  # guardrail non-inferiority margin (relative)
    # the repeated (group-sequential) interval at α: the one "keep" and "improve" use
    ci_sequential: Interval | None = None
    baseline_from: date | None = None  # first day of the baseline actually used
    serial_correlation: float | None = None  # lag-1 autocorrelation of the daily effect used
    variance: str = ""  # "ar1", "weekly" or "ewc": which serially robust variance was the largest
    # internal: the estimate on the test's own scale, to rebuild adjusted intervals
    _estimate: float | None = None
    _standard_error: float | None = None
    _df: float | None = None  # None → normal distribution
    _mde_sd: float | None = None  # pre-period SD of the daily effect series
    _se_at: Any = None  # n_post → standard error with this data's variance (planned looks)
    _transform: str = "exp"  # "exp": lift = e^x − 1; "scale:<baseline>": lift = x / baseline

    @property
    def benefit_sign(self) -> int:
        return DIRECTION[self.measure]

    def benefit_interval(self, adjusted: bool = True) -> tuple[float, float] | None:
        """The decision interval of the lift turned so that positive is good: adjusted (α/m,
        for retire claims) or sequential (α, for keep)."""
        interval = self.ci_adjusted if adjusted else self.ci_sequential
        if interval is None:
            return None
        s = self.benefit_sign
        a, b = s * interval.low, s * interval.high
        return (min(a, b), max(a, b))

    def benefit(self) -> float | None:
        return None if self.lift is None else self.benefit_sign * self.lift


@dataclass
class Placebo:
    """The primary estimate rerun with a fake go-live in the middle of the pre-period."""

    lift: float | None
    p_value: float | None
    suspect: bool
    days: int


@dataclass
class RuleScore:
    verdict: Verdict
    reason: Reason
    has_control: bool
    primary: Measure
    measures: list[MeasureResult]
    placebo: Placebo | None
    sufficient_by: date | None  # undecided: the date by which data would suffice (None: not reachable)
    no_measurable_effect: bool
    design: Design
    look: Look | None = None

    def measure(self, measure: Measure) -> MeasureResult:
        return next(m for m in self.measures if m.measure == measure)

    @property
    def primary_result(self) -> MeasureResult:
        return self.measure(self.primary)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO strings, nan as None) for storage and the API.

        Built field by field rather than with dataclasses.asdict, whose deep copies cost
        ~3 ms a rule — a third of a 10,000-rule run."""
        return {
            "verdict": self.verdict.value,
            "reason": self.reason.value,
            "has_control": self.has_control,
            "primary": self.primary.value,
            "measures": [_public(m) for m in self.measures],
            "placebo": _public(self.placebo) if self.placebo is not None else None,
            "sufficient_by": _jsonable(self.sufficient_by),
            "no_measurable_effect": self.no_measurable_effect,
            "design": _public(self.design),
            "look": _public(self.look) if self.look is not None else None,
        }


def _public(obj: Any) -> dict[str, Any]:
    return {f.name: _jsonable(getattr(obj, f.name)) for f in fields(obj) if not f.name.startswith("_")}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Interval):
        return {"low": _jsonable(value.low), "high": _jsonable(value.high), "level": value.level}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
