"""Reads of touchpoint metric data for charts and rule scoring.

`metric_daily_series(scopes=..., start=..., end=...)` answers with one SQL query and returns, per
scope, a complete calendar of the days from `start` to `end` (inclusive) as numpy arrays aligned on
the same index: NaN where a metric was not reported that day (never a made-up zero).  Treated and
control scopes therefore line up day by day without any joining by the caller::

    series = metric_daily_series(scopes=[treated, control], start=d0, end=d1)
    t = series[treated.pk]
    complaint_rate = t.values["complaints"] / t.values["users"]      # NaN where either is missing
    mean, responses = t.satisfaction_mean(), t.satisfaction_responses()
    frame = t.frame()                                                # pandas, indexed by day
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxops.models import MetricDaily
from cxops.models import MetricScope
from cxops.models.metrics import ALL_METRIC_COLUMNS
from cxops.models.metrics import FUNNEL_COLUMNS
from cxops.models.metrics import SATISFACTION_LEVEL_COLUMNS
from cxops.models.metrics import SIMPLE_METRICS

# Columns returned in `ScopeSeries.values` (the histogram levels are in `satisfaction`).
SERIES_COLUMNS: tuple[str, ...] = (*SIMPLE_METRICS, "surveys_sent", "satisfaction_scale", *FUNNEL_COLUMNS)


@dataclass(frozen=True)
class ScopeSeries:
    """One scope's daily metrics on a complete calendar.

    - `days`: ``datetime64[D]`` array, every day from start to end.
    - `values[column]`: float64 array per column of `SERIES_COLUMNS`, NaN = not reported.
    - `satisfaction`: float64 array of shape (days, 10): respondents per score level 1..10
      (levels above the day's scale and unreported days are NaN).
    """

    scope_id: int
    days: np.ndarray
    values: dict[str, np.ndarray]
    satisfaction: np.ndarray

    def satisfaction_responses(self) -> np.ndarray:
        """Responses per day (NaN when no survey was reported)."""
        return np.where(
            np.isnan(self.values["satisfaction_scale"]), np.nan, np.nansum(self.satisfaction, axis=1)
        )

    def satisfaction_score_sum(self) -> np.ndarray:
        levels = np.arange(1, 11, dtype=float)
        return np.where(
            np.isnan(self.values["satisfaction_scale"]),
            np.nan,
            np.nansum(self.satisfaction * levels, axis=1),
        )

    def satisfaction_mean(self) -> np.ndarray:
        responses = self.satisfaction_responses()
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(responses > 0, self.satisfaction_score_sum() / responses, np.nan)

    def frame(self) -> pd.DataFrame:
        """The same numbers as a pandas DataFrame indexed by day (histogram as satisfaction_1..10)."""
        data = {column: self.values[column] for column in SERIES_COLUMNS}
        for index, column in enumerate(SATISFACTION_LEVEL_COLUMNS):
            data[column] = self.satisfaction[:, index]
        return pd.DataFrame(data, index=pd.DatetimeIndex(self.days, name="day"))


def metric_daily_series(
    *, scopes: Iterable[MetricScope | int], start: dt.date, end: dt.date
) -> dict[int, ScopeSeries]:
    """Every requested scope's daily series from `start` to `end` inclusive, in one query.

    Scopes without any data in the range are still present (all NaN), so callers can tell
    "no data" from "zero".
    """
    if end < start:
        raise ValueError("end is before start")
    scope_ids = sorted({s if isinstance(s, int) else s.pk for s in scopes})
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
    n_days = len(days)
    position = {scope_id: i for i, scope_id in enumerate(scope_ids)}
    # One block per scope: (scopes, days, columns); filled from a single query.
    block = np.full((len(scope_ids), n_days, len(ALL_METRIC_COLUMNS)), np.nan)
    rows = (
        MetricDaily.objects.filter(scope_id__in=scope_ids, day__gte=start, day__lte=end)
        .order_by()
        .values_list("scope_id", "day", *ALL_METRIC_COLUMNS)
    )
    for scope_id, day, *numbers in rows:
        block[position[scope_id], (day - start).days] = [np.nan if n is None else n for n in numbers]
    column_index = {column: i for i, column in enumerate(ALL_METRIC_COLUMNS)}
    level_indexes = [column_index[c] for c in SATISFACTION_LEVEL_COLUMNS]
    result = {}
    for scope_id, i in position.items():
        result[scope_id] = ScopeSeries(
            scope_id=scope_id,
            days=days,
            values={column: block[i, :, column_index[column]] for column in SERIES_COLUMNS},
            satisfaction=block[i][:, level_indexes],
        )
    return result


def metric_scope_find(
    *,
    product_id: int,
    channel_id: int | None = None,
    segment_id: int | None = None,
    region_id: int | None = None,
) -> MetricScope | None:
    """The scope with exactly this product / channel / segment (None = all) and city (None = the
    province as stored), if any data was ever stored."""
    exactly: dict[str, int | None] = {
        "product_id": product_id,
        "channel_id": channel_id,
        "segment_id": segment_id,
        "region_id": region_id,
    }
    return MetricScope.objects.filter(**exactly).first()  # None matches IS NULL
