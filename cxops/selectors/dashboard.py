"""Reads behind the dashboard pages and API.  Every figure comes from the rollups or the daily metrics,
never from the raw report table, so each query reads at most a few thousand small rows.

Periods are inclusive local days.  Each function returns plain data (dicts, lists, dataclasses)
that the pages, the API and the CSV exports show the same way.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Q
from django.db.models import QuerySet
from django.db.models import Sum

from cxops.analytics.curves import ConsultationCurve
from cxops.analytics.curves import LifecycleCurve
from cxops.analytics.curves import classify_consultation_curve
from cxops.analytics.curves import classify_lifecycle_curve
from cxops.analytics.curves import moving_average
from cxops.analytics.funnel import FUNNEL_STAGES
from cxops.analytics.funnel import FunnelAnalysis
from cxops.analytics.funnel import funnel_analyse
from cxops.models import AlertStatus
from cxops.models import Channel
from cxops.models import ExperienceIssue
from cxops.models import ExperienceLayer
from cxops.models import HotSpotAlert
from cxops.models import IssueDailyRegionRollup
from cxops.models import IssueDailyRollup
from cxops.models import LifecycleStage
from cxops.models import MetricDaily
from cxops.models import MetricScope
from cxops.models import Product
from cxops.models import Region
from cxops.models import ReportDailyDimensionRollup
from cxops.models import ReportDailyDimensionTotal
from cxops.models import ReportDailyRegionRollup
from cxops.models import ReportDailyRegionTotal
from cxops.models import RollupDimension
from cxops.models import SourceType
from cxops.models.choices import LAYER_PRIORITY
from cxops.selectors.metrics import metric_daily_series
from cxops.selectors.visibility import alerts_visible_to

PER_USERS = 10_000  # consultations per 10,000 users per day
CURVE_DAYS_BEFORE = 28
CURVE_DAYS_AFTER = 120
LIFECYCLE_DAYS = 730


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]


def _dimension_labels(dimension: str) -> dict[str, str]:
    if dimension == RollupDimension.SOURCE_TYPE:
        return {c.value: str(c.label) for c in SourceType}
    if dimension == RollupDimension.LAYER:
        return {c.value: str(c.label) for c in LAYER_PRIORITY}
    if dimension == RollupDimension.STAGE:
        return {c.value: str(c.label) for c in LifecycleStage}
    return {str(c.pk): c.name for c in Channel.objects.all()}


def _dimension_order(dimension: str, labels: dict[str, str], totals: dict[str, int]) -> list[str]:
    if dimension in (RollupDimension.SOURCE_TYPE, RollupDimension.LAYER, RollupDimension.STAGE):
        return list(labels)  # the vocabulary's own order (layers: functional → convenience → emotional)
    return sorted(totals, key=lambda value: (-totals[value], labels.get(value, value)))


def _dimension_rows(product_id: int | None, region_id: int | None = None) -> Any:
    """All products: the totals table (a few dozen rows a day); one product: its own rollup; one
    city: the region rollup (the province's figures are the sum of its cities')."""
    if region_id is not None:
        if product_id is None:
            return ReportDailyRegionTotal.objects.filter(region_id=region_id)
        return ReportDailyRegionRollup.objects.filter(region_id=region_id, product_id=product_id)
    if product_id is None:
        return ReportDailyDimensionTotal.objects.all()
    return ReportDailyDimensionRollup.objects.filter(product_id=product_id)


def dashboard_volumes(
    *, period: Period, product_id: int | None = None, region_id: int | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Report volumes per source type, layer, stage and channel over the period (one query)."""
    queryset = _dimension_rows(product_id, region_id).filter(day__gte=period.start, day__lte=period.end)
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    for dimension, value, total in (
        queryset.values("dimension", "value")
        .annotate(total=Sum("count"))
        .values_list("dimension", "value", "total")
    ):
        if total:
            totals[dimension][value] = total
    result = {}
    for dimension in RollupDimension.values:
        labels = _dimension_labels(dimension)
        found = totals.get(dimension, {})
        order = _dimension_order(dimension, labels, found)
        result[dimension] = [
            {"code": value, "label": labels.get(value, value), "count": found.get(value, 0)}
            for value in order
            if value in found or dimension != RollupDimension.CHANNEL
        ]
    return result


def dashboard_report_total(
    *, period: Period, product_id: int | None = None, region_id: int | None = None
) -> int:
    """The reports over the period: the sum of `dashboard_volumes`' source-type counts, in one
    aggregate query (no per-value rows, no channel names)."""
    total = (
        _dimension_rows(product_id, region_id)
        .filter(
            dimension=RollupDimension.SOURCE_TYPE,
            value__in=SourceType.values,
            day__gte=period.start,
            day__lte=period.end,
        )
        .aggregate(total=Sum("count"))["total"]
    )
    return total or 0


def dashboard_daily_volumes(
    *,
    period: Period,
    dimension: str = RollupDimension.SOURCE_TYPE,
    product_id: int | None = None,
    region_id: int | None = None,
) -> dict[str, Any]:
    """Daily report counts per value of one dimension: {"days": [...], "series": [{code, label, data}]}."""
    queryset = _dimension_rows(product_id, region_id).filter(
        dimension=dimension, day__gte=period.start, day__lte=period.end
    )
    days = period.dates()
    index = {day: i for i, day in enumerate(days)}
    data: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for day, value, total in (
        queryset.values("day", "value").annotate(total=Sum("count")).values_list("day", "value", "total")
    ):
        data[value][index[day]] = total
    labels = _dimension_labels(dimension)
    totals = {value: sum(counts) for value, counts in data.items()}
    order = [v for v in _dimension_order(dimension, labels, totals) if v in data]
    return {
        "days": [day.isoformat() for day in days],
        "series": [{"code": v, "label": labels.get(v, v), "data": data[v]} for v in order],
    }


def _issue_rows(
    counts: dict[int, int], extra: dict[int, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    issues = ExperienceIssue.objects.select_related("product").in_bulk(list(counts))
    rows = []
    for issue_id, count in counts.items():
        issue = issues.get(issue_id)
        if issue is None:
            continue
        rows.append(
            {
                "id": issue.pk,
                "title": issue.title,
                "product": issue.product.name if issue.product else "",
                "layer": issue.layer,
                "layer_label": str(ExperienceLayer(issue.layer).label) if issue.layer else "",
                "status": issue.status,
                "count": count,
                **(extra or {}).get(issue_id, {}),
            }
        )
    return rows


def _issue_daily_rows(region_id: int | None) -> Any:
    """Issues' daily counts: all regions, or one city's reports of them."""
    if region_id is None:
        return IssueDailyRollup.objects.all()
    return IssueDailyRegionRollup.objects.filter(region_id=region_id)


def dashboard_top_issues(
    *, period: Period, limit: int = 10, product_id: int | None = None, region_id: int | None = None
) -> list[dict[str, Any]]:
    queryset = _issue_daily_rows(region_id).filter(day__gte=period.start, day__lte=period.end)
    if product_id is not None:
        queryset = queryset.filter(issue__product_id=product_id)
    top = (
        queryset.values("issue_id")
        .annotate(total=Sum("count"))
        .filter(total__gt=0)
        .order_by("-total", "issue_id")[:limit]
    )
    counts = {row["issue_id"]: row["total"] for row in top}
    return sorted(_issue_rows(counts), key=lambda r: (-r["count"], r["id"]))


def dashboard_rising_issues(
    *,
    end: dt.date,
    recent_days: int = 7,
    baseline_days: int = 28,
    limit: int = 10,
    min_count: int = 5,
    region_id: int | None = None,
) -> list[dict[str, Any]]:
    """Issues whose last `recent_days` exceed their own average of the `baseline_days` before.

    Ranked by the excess over the expected count (expected = baseline rate × recent days, with a
    floor of one report so a brand-new issue ranks by its count).
    """
    recent_start = end - dt.timedelta(days=recent_days - 1)
    baseline_start = recent_start - dt.timedelta(days=baseline_days)
    rows = (
        _issue_daily_rows(region_id)
        .filter(day__gte=baseline_start, day__lte=end)
        .values("issue_id")
        .annotate(
            recent=Sum("count", filter=Q(day__gte=recent_start)),
            before=Sum("count", filter=Q(day__lt=recent_start)),
        )
        .filter(recent__gte=min_count)
    )
    candidates: dict[int, dict[str, Any]] = {}
    for row in rows:
        recent = row["recent"] or 0
        expected = max((row["before"] or 0) * recent_days / baseline_days, 1.0)
        if recent >= 1.5 * expected:
            candidates[row["issue_id"]] = {
                "recent": recent,
                "expected": round(expected, 1),
                "ratio": round(recent / expected, 2),
                "excess": recent - expected,
            }
    ranked = sorted(candidates, key=lambda i: (-candidates[i]["excess"], i))[:limit]
    result = _issue_rows({i: candidates[i]["recent"] for i in ranked}, {i: candidates[i] for i in ranked})
    for row in result:
        row.pop("excess", None)
    return sorted(result, key=lambda r: (-(r["count"] - r["expected"]), r["id"]))


def dashboard_product_ranking(*, period: Period) -> list[dict[str, Any]]:
    """Products by consultations per 10,000 users per day (highest first: the design problems to fix).

    The ratio is Σ consultations / Σ users over the days where both were reported (product-total
    scope), compared with the previous period of the same length: lower and falling is better.
    """
    previous = period.previous()
    both = Q(consultations__isnull=False, users__isnull=False, users__gt=0)
    current = Q(day__gte=period.start, day__lte=period.end)
    before = Q(day__gte=previous.start, day__lte=previous.end)
    rows = (
        MetricDaily.objects.filter(both, scope__channel__isnull=True, scope__segment__isnull=True)
        .filter(current | before)
        .values("scope__product_id")
        .annotate(
            consultations_now=Sum("consultations", filter=current),
            user_days=Sum("users", filter=current),
            previous_consultations=Sum("consultations", filter=before),
            previous_user_days=Sum("users", filter=before),
        )
    )
    products = Product.objects.in_bulk([r["scope__product_id"] for r in rows])
    ranking = []
    for row in rows:
        product = products[row["scope__product_id"]]
        if not row["user_days"]:
            continue
        ratio = row["consultations_now"] * PER_USERS / row["user_days"]
        previous_ratio = (
            row["previous_consultations"] * PER_USERS / row["previous_user_days"]
            if row["previous_user_days"]
            else None
        )
        ranking.append(
            {
                "product_id": product.pk,
                "code": product.code,
                "product": product.name,
                "consultations": row["consultations_now"],
                "average_users": round(row["user_days"] / period.days),
                "per_10k_users": round(ratio, 2),
                "previous_per_10k_users": round(previous_ratio, 2) if previous_ratio is not None else None,
                "change": round(ratio / previous_ratio - 1, 4) if previous_ratio else None,
            }
        )
    return sorted(ranking, key=lambda r: (-r["per_10k_users"], r["code"]))


def dashboard_city_ranking(*, period: Period, product_id: int | None = None) -> list[dict[str, Any]]:
    """Reports per city over the period, most first (every city, zeros included): the breakdown of
    the province's figure, which it sums to (each report is counted once, by its stage)."""
    if product_id is None:
        queryset: QuerySet[Any] = ReportDailyRegionTotal.objects.all()
    else:
        queryset = ReportDailyRegionRollup.objects.filter(product_id=product_id)
    queryset = queryset.filter(dimension=RollupDimension.STAGE, day__gte=period.start, day__lte=period.end)
    totals = dict(queryset.values("region_id").annotate(total=Sum("count")).values_list("region_id", "total"))
    regions = list(Region.objects.filter(Q(is_active=True) | Q(pk__in=list(totals))).order_by("sort_order"))
    rows = [
        {"code": region.code, "label": region.name, "count": totals.get(region.pk, 0) or 0}
        for region in regions
        if region.parent_id is not None or totals.get(region.pk)
    ]
    return sorted(rows, key=lambda row: (-row["count"], row["code"]))


def dashboard_open_alerts(
    *, user: Any, limit: int = 10, product_id: int | None = None, region: Region | None = None
) -> list[HotSpotAlert]:
    """Open alerts `user` may read (`alerts_visible_to`), newest first.  `region` (a city's
    dashboard): that city's alerts and the province-wide ones, as its members read them."""
    queryset = alerts_visible_to(
        user,
        queryset=HotSpotAlert.objects.filter(status=AlertStatus.OPEN).select_related(
            "issue", "product", "region"
        ),
    )
    if region is not None and region.parent_id is not None:
        queryset = queryset.filter(Q(region_id=region.pk) | Q(region__parent__isnull=True))
    if product_id is not None:
        queryset = queryset.filter(Q(product_id=product_id) | Q(issue__product_id=product_id))
    return list(queryset.order_by("-day", "-score")[:limit])


# --- the product page ---------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelView:
    analysis: FunnelAnalysis
    survey_start: dt.date | None  # the days whose surveys were summed
    survey_end: dt.date | None
    in_period: bool  # False when the latest survey before the period was used


@dataclass(frozen=True)
class MetricSource:
    """Which stored product-total scopes a product page's touchpoint charts read for a region.

    A product's figures are stored for the province or by city, never both.  The province's are
    its own scope, or the sum of its cities'.  A city's are its own scope; when the product is
    stored for the province only, a city's page shows the province's figures and says so
    (`province_fallback`) rather than an empty chart or the province's labelled as the city's."""

    scope_ids: tuple[int, ...]
    region: Region | None  # the city the figures are of; None: the province
    province_fallback: bool = False


def product_metric_source(*, product: Product, region: Region | None = None) -> MetricSource:
    totals = list(
        MetricScope.objects.filter(product=product, channel__isnull=True, segment__isnull=True).values_list(
            "pk", "region_id"
        )
    )
    province = tuple(pk for pk, region_id in totals if region_id is None)
    cities = {region_id: pk for pk, region_id in totals if region_id is not None}
    if region is None or region.parent_id is None:
        return MetricSource(province or tuple(sorted(cities.values())), None)
    if region.pk in cities:
        return MetricSource((cities[region.pk],), region)
    if province:
        return MetricSource(province, None, province_fallback=True)
    return MetricSource((), region)  # stored by city, none for this one: no figures


def _summed_series(source: MetricSource, start: dt.date, end: dt.date) -> dict[str, np.ndarray] | None:
    """users and consultations per day summed over the source's scopes (a day no scope has: NaN)."""
    if not source.scope_ids:
        return None
    series = metric_daily_series(scopes=list(source.scope_ids), start=start, end=end)
    result = {}
    for column in ("users", "consultations"):
        stacked = np.vstack([series[pk].values[column] for pk in source.scope_ids])
        result[column] = np.where(np.isfinite(stacked).any(axis=0), np.nansum(stacked, axis=0), np.nan)
    return result


def product_funnel(*, product: Product, period: Period, source: MetricSource | None = None) -> FunnelView:
    """The funnel over the period's surveys, or the latest survey before it when the period has none."""
    source = source or product_metric_source(product=product)
    columns = [f"{stage}_{part}" for stage in FUNNEL_STAGES for part in ("respondents", "positive")]
    base = MetricDaily.objects.filter(scope_id__in=source.scope_ids, awareness_respondents__isnull=False)
    in_period = base.filter(day__gte=period.start, day__lte=period.end)
    survey_days = list(in_period.values_list("day", flat=True))
    used_period = bool(survey_days)
    if not survey_days:
        latest = base.filter(day__lte=period.end).order_by("-day").values_list("day", flat=True).first()
        survey_days = [latest] if latest else []
    sums = (
        base.filter(day__in=survey_days).aggregate(**{c: Sum(c) for c in columns})
        if survey_days
        else dict.fromkeys(columns)
    )
    counts = {
        stage: (sums[f"{stage}_respondents"] or 0, sums[f"{stage}_positive"] or 0) for stage in FUNNEL_STAGES
    }
    return FunnelView(
        analysis=funnel_analyse(counts, phase=product.lifecycle_phase),
        survey_start=min(survey_days) if survey_days else None,
        survey_end=max(survey_days) if survey_days else None,
        in_period=used_period,
    )


def _nan_to_none(values: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else round(float(v), 2) for v in values]


@dataclass(frozen=True)
class CurvesView:
    """The consultation cycle after an event, the lifecycle of users, and both on one calendar."""

    event: dt.date | None
    consultation: ConsultationCurve | None
    consultation_days: list[str]
    consultation_values: list[float | None]
    lifecycle: LifecycleCurve
    lifecycle_days: list[str]
    users: list[float | None]
    consultations: list[float | None]
    zones: list[dict[str, Any]]  # seed 001's zones A/B/C after the event


def product_curves(
    *, product: Product, end: dt.date, event: dt.date | None, source: MetricSource | None = None
) -> CurvesView:
    """Both curves from one metric query over the two years to `end` (and the event window)."""
    source = source or product_metric_source(product=product)
    start = end - dt.timedelta(days=LIFECYCLE_DAYS - 1)
    if event is not None:
        start = min(start, event - dt.timedelta(days=CURVE_DAYS_BEFORE))
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
    summed = _summed_series(source, start, end)
    if summed is None:
        nan = np.full(len(days), np.nan)
        users, consultations = nan, nan
    else:
        users, consultations = summed["users"], summed["consultations"]
    lifecycle_slice = slice(max(len(days) - LIFECYCLE_DAYS, 0), len(days))
    lifecycle_users = users[lifecycle_slice]
    known = np.isfinite(lifecycle_users)
    lifecycle = classify_lifecycle_curve(lifecycle_users[known] if known.any() else lifecycle_users)
    consultation = None
    consultation_days: list[str] = []
    consultation_values: list[float | None] = []
    zones: list[dict[str, Any]] = []
    if event is not None and start <= event <= end:
        i = (event - start).days
        after = consultations[i : i + CURVE_DAYS_AFTER]
        before = consultations[max(i - CURVE_DAYS_BEFORE, 0) : i]
        baseline = before if np.isfinite(before).sum() >= 7 else None
        consultation = classify_consultation_curve(after, before=baseline)
        consultation_days = [str(d) for d in days[i : i + CURVE_DAYS_AFTER]]
        consultation_values = _nan_to_none(after)
        zones = _zones(consultation, users[i : i + CURVE_DAYS_AFTER], consultation_days)
    return CurvesView(
        event=event,
        consultation=consultation,
        consultation_days=consultation_days,
        consultation_values=consultation_values,
        lifecycle=lifecycle,
        lifecycle_days=[str(d) for d in days[lifecycle_slice]],
        users=_nan_to_none(lifecycle_users),
        consultations=_nan_to_none(consultations[lifecycle_slice]),
        zones=zones,
    )


def _zones(curve: ConsultationCurve, users: np.ndarray, days: list[str]) -> list[dict[str, Any]]:
    """Seed 001: A — consultations rise to their peak (attention rising); B — consultations fall while
    users still rise; C — consultations keep falling and users are stable (the push has played out)."""
    if curve.peak_day is None or not days:
        return []
    smoothed_users = moving_average(users, 28)
    peak = curve.peak_day
    stable_from = None
    if np.isfinite(smoothed_users).any():
        top = np.nanmax(smoothed_users[peak:]) if peak < len(smoothed_users) else np.nan
        for day in range(peak, len(smoothed_users) - 14):
            window = smoothed_users[day : day + 14]
            if np.isfinite(window).all() and (window.max() - window.min()) <= 0.01 * top:
                stable_from = day
                break
    zones = [{"zone": "A", "start": days[0], "end": days[peak]}]
    zones.append({"zone": "B", "start": days[peak], "end": days[stable_from] if stable_from else days[-1]})
    if stable_from is not None:
        zones.append({"zone": "C", "start": days[stable_from], "end": days[-1]})
    return zones


def product_consultations_per_user(
    *, product: Product, period: Period, source: MetricSource | None = None
) -> dict[str, Any]:
    """Weekly consultations per 10,000 users per day (Monday-based weeks, whole data only)."""
    source = source or product_metric_source(product=product)
    summed = _summed_series(source, period.start, period.end)
    if summed is None:
        return {"weeks": [], "values": []}
    days = np.arange(np.datetime64(period.start, "D"), np.datetime64(period.end, "D") + 1)
    weeks: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for day, consultations, users in zip(
        days.astype(object), summed["consultations"], summed["users"], strict=True
    ):
        if np.isfinite(consultations) and np.isfinite(users) and users > 0:
            monday = (day - dt.timedelta(days=day.weekday())).isoformat()
            weeks[monday][0] += consultations
            weeks[monday][1] += users
    ordered = sorted(weeks)
    return {
        "weeks": ordered,
        "values": [round(weeks[w][0] * PER_USERS / weeks[w][1], 2) for w in ordered],
    }


def product_layer_volumes(
    *, product: Product, period: Period, region_id: int | None = None
) -> dict[str, Any]:
    """Weekly report volumes per layer, in priority order (functional → convenience → emotional)."""
    rows = (
        _dimension_rows(product.pk, region_id)
        .filter(dimension=RollupDimension.LAYER, day__gte=period.start, day__lte=period.end)
        .values("day", "value")
        .annotate(total=Sum("count"))
        .values_list("day", "value", "total")
    )
    weeks: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, layer, total in rows:
        monday = (day - dt.timedelta(days=day.weekday())).isoformat()
        weeks[monday][layer] += total
    first_monday = period.start - dt.timedelta(days=period.start.weekday())
    all_weeks = []
    monday = first_monday
    while monday <= period.end:
        all_weeks.append(monday.isoformat())
        monday += dt.timedelta(days=7)
    series = [
        {
            "code": layer.value,
            "label": str(layer.label),
            "data": [weeks[w].get(layer.value, 0) for w in all_weeks],
            "total": sum(weeks[w].get(layer.value, 0) for w in all_weeks),
        }
        for layer in LAYER_PRIORITY
    ]
    return {"weeks": all_weeks, "series": series}
