"""The dashboard's answers, declared once: what the overview and a product's page show.

The figures are read once (`overview_figures`, `product_figures`: plain data from the
selectors) and presented two ways: as `Chart`s for the pages and their CSV exports (the ECharts
spec drawn by static/dashboard/charts.js, and the accessible table of the same numbers), and as
the JSON the dashboard API answers (`overview_data`, `product_data`).  Labels are translated
here, at presentation: the analytics code speaks in codes (`FUNNEL_STAGES`, `CurveReason`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from dataclasses import field
from functools import cached_property
from typing import TYPE_CHECKING
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxops.analytics.curves import CurveReason
from cxops.analytics.funnel import FUNNEL_STAGES
from cxops.models import HotSpotAlert
from cxops.models import LifecycleStage
from cxops.models import Product
from cxops.models import Region
from cxops.models import RollupDimension
from cxops.selectors import dashboard as selectors
from cxops.selectors.dashboard import CurvesView
from cxops.selectors.dashboard import FunnelView
from cxops.selectors.dashboard import MetricSource
from cxops.selectors.dashboard import Period

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class FunnelRateWords:
    """How the pages name one rate of the experience funnel."""

    label: StrOrPromise  # "Awareness rate"
    in_sentence: StrOrPromise  # the same inside a sentence ("Raise the cognition rate and the ...")
    meaning: StrOrPromise  # what a positive answer means ("has heard of it")


FUNNEL_WORDS = {
    "awareness": FunnelRateWords(
        gettext_lazy("Awareness rate"), gettext_lazy("awareness rate"), gettext_lazy("has heard of it")
    ),
    "cognition": FunnelRateWords(
        gettext_lazy("Cognition rate"), gettext_lazy("cognition rate"), gettext_lazy("knows what it is")
    ),
    "identification": FunnelRateWords(
        gettext_lazy("Identification rate"), gettext_lazy("identification rate"), gettext_lazy("uses it")
    ),
    "approval": FunnelRateWords(
        gettext_lazy("Approval rate"), gettext_lazy("approval rate"), gettext_lazy("will keep using it")
    ),
}
CONSULTATION_KINDS = {
    "A": gettext_lazy("Type A: rises gradually to a peak, then falls gradually"),
    "B": gettext_lazy("Type B: rises fast and falls fast — a warm market response"),
    "C": gettext_lazy("Type C: rises slowly, falls slowly and stays high"),
    "unclassified": gettext_lazy("Unclassified: fits none of the types"),
}
LIFECYCLE_KINDS = {
    "A": gettext_lazy("Type A, mature: peaked, then stable"),
    "B": gettext_lazy("Type B, growth: keeps rising"),
    "C": gettext_lazy("Type C, decline: falling after its peak"),
    "D": gettext_lazy("Type D, renewed: stable, then rising again"),
    "unclassified": gettext_lazy("Unclassified: no consistent trend"),
}
# The unclassified curves say why, in the reader's language; a classified curve's kind says it all.
CURVE_REASON_TEXT = {
    CurveReason.TOO_FEW_DAYS_AFTER_LAUNCH: gettext_lazy(
        "Too few days after the launch (six weeks are needed)."
    ),
    CurveReason.NO_CLEAR_PEAK: gettext_lazy("No clear peak above the usual level."),
    CurveReason.NEW_LEVEL: gettext_lazy("Rose fast but did not come down: a new level, not a cycle."),
    CurveReason.NOT_HALF_DOWN: gettext_lazy("Has not come down to half its peak yet."),
    CurveReason.PART_WAY_DOWN: gettext_lazy("Came down only part of the way."),
    CurveReason.MIXED: gettext_lazy("Mixed: one side fast, the other slow."),
    CurveReason.TOO_FEW_DAYS: gettext_lazy("Too few days (six months are needed)."),
    CurveReason.NO_CONSISTENT_TREND: gettext_lazy("No consistent trend."),
}


def curve_reason_text(reason: CurveReason | None) -> str:
    """Why an unclassified curve is, in the reader's language ("" for a classified one)."""
    text = CURVE_REASON_TEXT.get(reason) if reason is not None else None
    return str(text) if text is not None else ""


@dataclass
class Chart:
    """One chart: its ECharts spec and the table of the same numbers (also the CSV export)."""

    name: str
    title: str
    spec: dict[str, Any]
    header: list[str]
    rows: list[list[Any]]
    description: str = ""
    export_url: str = ""
    height: int = 320
    extra: dict[str, Any] = field(default_factory=dict)

    # Read several times by the page's template (_chart.html): computed once per chart.
    @cached_property
    def clean_spec(self) -> dict[str, Any]:
        """The spec with NaN replaced by None (JSON has no NaN; ECharts shows a gap)."""
        return _finite(self.spec)

    @cached_property
    def has_data(self) -> bool:
        """False when every number in the table is zero or missing (nothing worth drawing)."""
        return any(isinstance(v, int | float) and v for row in self.rows for v in row[1:])

    @cached_property
    def clean_rows(self) -> list[list[Any]]:
        return _finite(self.rows)

    @property
    def element_id(self) -> str:
        return f"chart-{self.name}"

    @property
    def data_id(self) -> str:
        return f"chart-data-{self.name}"


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _bar(
    name: str, title: str, items: list[dict[str, Any]], *, value_label: str, horizontal: bool = False
) -> Chart:
    return Chart(
        name=name,
        title=title,
        spec={
            "kind": "bar",
            "horizontal": horizontal,
            "x": [item["label"] for item in items],
            "series": [{"name": value_label, "data": [item["count"] for item in items]}],
        },
        header=[_("Item"), value_label],
        rows=[[item["label"], item["count"]] for item in items],
        extra={"items": items},
    )


def _region_id(region: Region | None) -> int | None:
    return region.pk if region is not None else None


@dataclass
class OverviewFigures:
    """What the overview shows, read once (plain data from the selectors)."""

    period: Period
    region: Region | None
    volumes: dict[str, list[dict[str, Any]]]
    daily: dict[str, Any]  # reports per day by source type
    by_city: list[dict[str, Any]]  # the province's reports by city; a city's view: []
    ranking: list[dict[str, Any]]  # products by consultations per user
    top_issues: list[dict[str, Any]]
    rising_issues: list[dict[str, Any]]


def overview_figures(period: Period, region: Region | None = None) -> OverviewFigures:
    region_id = _region_id(region)
    return OverviewFigures(
        period=period,
        region=region,
        volumes=selectors.dashboard_volumes(period=period, region_id=region_id),
        daily=selectors.dashboard_daily_volumes(
            period=period, dimension=RollupDimension.SOURCE_TYPE, region_id=region_id
        ),
        by_city=selectors.dashboard_city_ranking(period=period) if region is None else [],
        ranking=selectors.dashboard_product_ranking(period=period),
        top_issues=selectors.dashboard_top_issues(period=period, region_id=region_id),
        rising_issues=selectors.dashboard_rising_issues(end=period.end, region_id=region_id),
    )


@dataclass(frozen=True)
class VolumeChart:
    """One of the overview's report-volume bar charts: reports by one dimension."""

    name: str
    title: StrOrPromise
    dimension: str
    horizontal: bool = False


VOLUME_CHARTS = (
    VolumeChart("by_source", gettext_lazy("By source type"), RollupDimension.SOURCE_TYPE),
    VolumeChart("by_layer", gettext_lazy("By experience layer (priority order)"), RollupDimension.LAYER),
    VolumeChart("by_stage", gettext_lazy("By lifecycle stage"), RollupDimension.STAGE),
    VolumeChart("by_channel", gettext_lazy("By channel"), RollupDimension.CHANNEL, horizontal=True),
)


def overview_charts(figures: OverviewFigures) -> dict[str, Chart]:
    reports = _("Reports")
    charts = {
        volume.name: _bar(
            volume.name,
            str(volume.title),
            figures.volumes[volume.dimension],
            value_label=reports,
            horizontal=volume.horizontal,
        )
        for volume in VOLUME_CHARTS
    }
    daily = figures.daily
    charts["daily"] = Chart(
        name="daily",
        title=_("Reports per day by source type"),
        spec={
            "kind": "line",
            "stack": True,
            "x": daily["days"],
            "series": [{"name": s["label"], "data": s["data"]} for s in daily["series"]],
        },
        header=[_("Day"), *[s["label"] for s in daily["series"]]],
        rows=[[day, *[s["data"][i] for s in daily["series"]]] for i, day in enumerate(daily["days"])],
    )
    ranking = figures.ranking
    per_users = _("Consultations per 10,000 users per day")
    charts["ranking"] = Chart(
        name="ranking",
        title=_("Products by consultations per user"),
        description=_(
            "Lower and falling is better; the products at the top are the design problems to fix. "
            "From touchpoint data: consultations ÷ users, per day, compared with the previous period."
        ),
        spec={
            "kind": "bar",
            "horizontal": True,
            "x": [r["product"] for r in ranking],
            "series": [{"name": per_users, "data": [r["per_10k_users"] for r in ranking]}],
        },
        header=[
            _("Product"),
            per_users,
            _("Previous period"),
            _("Change"),
            _("Consultations"),
            _("Average users"),
        ],
        rows=[
            [
                r["product"],
                r["per_10k_users"],
                r["previous_per_10k_users"],
                f"{r['change']:+.1%}" if r["change"] is not None else "",
                r["consultations"],
                r["average_users"],
            ]
            for r in ranking
        ],
        extra={"ranking": ranking},
    )
    if figures.region is None:  # the province: its figure broken down by city, ranked
        charts["cities"] = _bar(
            "cities", _("Reports by city"), figures.by_city, value_label=reports, horizontal=True
        )
    top = figures.top_issues
    charts["top_issues"] = Chart(
        name="top_issues",
        title=_("Top issues"),
        spec={},
        header=[_("Issue"), _("Product"), _("Layer"), _("Reports")],
        rows=[[r["title"], r["product"], r["layer_label"], r["count"]] for r in top],
        extra={"items": top},
    )
    rising = figures.rising_issues
    charts["rising_issues"] = Chart(
        name="rising_issues",
        title=_("Rising issues (last 7 days against the 28 before)"),
        spec={},
        header=[_("Issue"), _("Product"), _("Last 7 days"), _("Expected"), _("Ratio")],
        rows=[[r["title"], r["product"], r["count"], r["expected"], r["ratio"]] for r in rising],
        extra={"items": rising},
    )
    return charts


def overview_data(figures: OverviewFigures, open_alerts: list[HotSpotAlert]) -> dict[str, Any]:
    """The overview as the API answers it (JSON-ready)."""
    period, region = figures.period, figures.region
    return plain(
        {
            "period": {"start": period.start, "end": period.end},
            "region": region.code if region is not None else None,
            "volumes": figures.volumes,
            "daily_by_source_type": figures.daily,
            # the province's reports by city (sums to the province's total); a city's view: []
            "by_city": figures.by_city,
            "top_issues": figures.top_issues,
            "rising_issues": figures.rising_issues,
            "products_by_consultations_per_user": figures.ranking,
            "open_alerts": [alert_data(a) for a in open_alerts],
        }
    )


def reports_kpi(period: Period, region: Region | None, total: int, daily: Chart) -> dict[str, Any]:
    """The reports KPI: the total, the same-length period before it and the change, and the daily
    totals for its sparkline (from the daily chart's rows: no further query for them)."""
    previous = selectors.dashboard_report_total(period=period.previous(), region_id=_region_id(region))
    change = None if previous == 0 else round(100 * (total - previous) / previous)
    return {
        "total": total,
        "previous": previous,
        "change": change,
        "magnitude": None if change is None else abs(change),
        "direction": "up" if total > previous else "down" if total < previous else "flat",
        "daily": [sum(value or 0 for value in row[1:]) for row in daily.rows],
    }


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _funnel_focus_text(stages: tuple[str, ...]) -> str:
    names = [str(FUNNEL_WORDS[s].in_sentence) for s in stages]
    if not names:
        return ""
    if len(names) == 1:
        return _("Raise the %(rate)s") % {"rate": names[0]}
    return _("Raise the %(first)s and the %(second)s") % {"first": names[0], "second": names[1]}


@dataclass
class ProductFigures:
    """What a product's page shows, read once (plain data from the selectors)."""

    product: Product
    period: Period
    region: Region | None
    # the touchpoint figures of the region shown (the province's, said so, when not stored by city)
    source: MetricSource
    funnel: FunnelView
    curves: CurvesView
    per_user: dict[str, Any]  # weekly consultations per 10,000 users
    layers: dict[str, Any]  # weekly reports by experience layer


def product_figures(
    product: Product, period: Period, event: dt.date | None, region: Region | None = None
) -> ProductFigures:
    source = selectors.product_metric_source(product=product, region=region)
    return ProductFigures(
        product=product,
        period=period,
        region=region,
        source=source,
        funnel=selectors.product_funnel(product=product, period=period, source=source),
        curves=selectors.product_curves(product=product, end=period.end, event=event, source=source),
        per_user=selectors.product_consultations_per_user(product=product, period=period, source=source),
        layers=selectors.product_layer_volumes(product=product, period=period, region_id=_region_id(region)),
    )


def product_charts(figures: ProductFigures) -> dict[str, Chart]:
    charts: dict[str, Chart] = {}
    source, funnel = figures.source, figures.funnel
    analysis = funnel.analysis
    rates = analysis.rates
    respondents = {s.stage: s for s in analysis.stages}
    percent = _("Share of respondents (%)")
    charts["funnel"] = Chart(
        name="funnel",
        title=_("Experience funnel and gap"),
        spec={
            "kind": "bar",
            "percent": True,
            "x": [str(_("Everyone")), *[str(FUNNEL_WORDS[s].label) for s in FUNNEL_STAGES]],
            "series": [
                {
                    "name": percent,
                    "data": [
                        100.0,
                        *[_percent(rates[s]) for s in FUNNEL_STAGES],
                    ],
                }
            ],
            "highlight": [
                i + 1 for i, s in enumerate(FUNNEL_STAGES) if analysis.gap and s == analysis.gap.after
            ],
        },
        header=[
            _("Rate"),
            _("Meaning"),
            _("Respondents"),
            _("Positive"),
            percent,
            _("Drop from the previous rate"),
        ],
        rows=[
            [
                str(FUNNEL_WORDS[d.after].label),
                str(FUNNEL_WORDS[d.after].meaning),
                respondents[d.after].respondents,
                respondents[d.after].positive,
                _percent(rates[d.after]),
                round(d.size * 100, 1),
            ]
            for d in analysis.drops
        ],
        extra={
            "view": funnel,
            "gap_focus": _funnel_focus_text(analysis.gap_focus),
            "phase_focus": " · ".join(str(LifecycleStage(s).label) for s in analysis.phase_focus),
            "gap": analysis.gap,
            "gap_before": str(FUNNEL_WORDS[analysis.gap.before].label)
            if analysis.gap and analysis.gap.before
            else _("Everyone (100%)"),
            "gap_after": str(FUNNEL_WORDS[analysis.gap.after].label) if analysis.gap else "",
            "source": source,
        },
    )
    curves = figures.curves
    consultation = curves.consultation
    consultations_label = _("Consultations per day")
    if consultation is not None and curves.event is not None:
        charts["consultation"] = Chart(
            name="consultation",
            title=_("Consultation cycle curve after %(day)s") % {"day": curves.event.isoformat()},
            spec={
                "kind": "line",
                "x": curves.consultation_days,
                "series": [
                    {"name": consultations_label, "data": curves.consultation_values, "faint": True},
                    {
                        "name": _("7-day average"),
                        "data": list(consultation.smoothed)[: len(curves.consultation_days)],
                    },
                ],
                "mark_areas": [
                    {"name": _("Zone %(zone)s") % {"zone": z["zone"]}, "start": z["start"], "end": z["end"]}
                    for z in curves.zones
                ],
            },
            header=[_("Day"), consultations_label, _("7-day average")],
            rows=[
                [day, value, consultation.smoothed[i] if i < len(consultation.smoothed) else None]
                for i, (day, value) in enumerate(
                    zip(curves.consultation_days, curves.consultation_values, strict=True)
                )
            ],
            extra={
                "curve": consultation,
                "kind_text": CONSULTATION_KINDS[consultation.kind],
                "reason": curve_reason_text(consultation.reason),
                "zones": curves.zones,
            },
        )
    users_label = _("Users")
    charts["lifecycle"] = Chart(
        name="lifecycle",
        title=_("Product lifecycle curve with the consultation curve"),
        spec={
            "kind": "line",
            "x": curves.lifecycle_days,
            "series": [
                {"name": users_label, "data": curves.users},
                {"name": consultations_label, "data": curves.consultations, "axis": 1, "faint": True},
            ],
            "axes": [users_label, _("Consultations")],
            "mark_lines": [{"name": _("Event"), "x": curves.event.isoformat()}] if curves.event else [],
        },
        header=[_("Day"), users_label, consultations_label],
        rows=[
            [day, users, consults]
            for day, users, consults in zip(
                curves.lifecycle_days, curves.users, curves.consultations, strict=True
            )
        ],
        extra={
            "curve": curves.lifecycle,
            "kind_text": LIFECYCLE_KINDS[curves.lifecycle.kind],
            "reason": curve_reason_text(curves.lifecycle.reason),
        },
    )
    ratio = figures.per_user
    per_users = _("Consultations per 10,000 users per day")
    charts["per_user"] = Chart(
        name="per_user",
        title=_("Consultations per user over time (weekly)"),
        description=_("Lower and falling is better."),
        spec={"kind": "line", "x": ratio["weeks"], "series": [{"name": per_users, "data": ratio["values"]}]},
        header=[_("Week of"), per_users],
        rows=[[w, v] for w, v in zip(ratio["weeks"], ratio["values"], strict=True)],
    )
    layers = figures.layers
    charts["layers"] = Chart(
        name="layers",
        title=_("Reports by experience layer (weekly, in priority order)"),
        description=_("Functional problems first, then convenience, then emotional."),
        spec={
            "kind": "bar",
            "stack": True,
            "x": layers["weeks"],
            "series": [{"name": s["label"], "data": s["data"], "code": s["code"]} for s in layers["series"]],
        },
        header=[_("Week of"), *[s["label"] for s in layers["series"]]],
        rows=[[w, *[s["data"][i] for s in layers["series"]]] for i, w in enumerate(layers["weeks"])],
        extra={"totals": [(s["label"], s["code"], s["total"]) for s in layers["series"]]},
    )
    return charts


def product_data(figures: ProductFigures, open_alerts: list[HotSpotAlert]) -> dict[str, Any]:
    """A product's dashboard as the API answers it (JSON-ready)."""
    product, period, region, source = figures.product, figures.period, figures.region, figures.source
    analysis = figures.funnel.analysis
    curves = figures.curves
    return plain(
        {
            "product": {
                "code": product.code,
                "name": product.name,
                "lifecycle_phase": product.lifecycle_phase,
            },
            "period": {"start": period.start, "end": period.end},
            "region": region.code if region is not None else None,
            # whose touchpoint figures the funnel and curves are: the city's, or the
            # province's (null) — for a city when the product is not stored by city
            "metrics_region": source.region.code if source.region is not None else None,
            "metrics_province_fallback": source.province_fallback,
            "funnel": {
                "survey_start": figures.funnel.survey_start,
                "survey_end": figures.funnel.survey_end,
                "in_period": figures.funnel.in_period,
                "stages": [
                    {
                        "stage": s.stage,
                        "respondents": s.respondents,
                        "positive": s.positive,
                        "rate": s.rate,
                    }
                    for s in analysis.stages
                ],
                "drops": analysis.drops,
                "gap": analysis.gap,
                "gap_focus": analysis.gap_focus,
                "phase_focus": analysis.phase_focus,
            },
            "consultation_cycle": {
                "event": curves.event,
                "curve": dataclasses.replace(curves.consultation, smoothed=())
                if curves.consultation
                else None,
                "days": curves.consultation_days,
                "consultations": curves.consultation_values,
                "smoothed": curves.consultation.smoothed if curves.consultation else [],
                "zones": curves.zones,
            },
            "lifecycle": {
                "curve": dataclasses.replace(curves.lifecycle, smoothed=()),
                "days": curves.lifecycle_days,
                "users": curves.users,
                "consultations": curves.consultations,
            },
            "consultations_per_10k_users_weekly": figures.per_user,
            "reports_by_layer_weekly": figures.layers,
            "open_alerts": [alert_data(a) for a in open_alerts],
        }
    )


def alert_data(alert: HotSpotAlert) -> dict[str, Any]:
    """A hot-spot alert as the API answers it."""
    return {
        "id": alert.pk,
        "signal": alert.signal,
        "issue": alert.issue_id,
        "issue_title": alert.issue.title if alert.issue is not None else None,
        "product": alert.product.code if alert.product is not None else None,
        # the province's code for a province-wide alert, a city's for a city's
        "region": alert.region.code,
        "region_level": "city" if alert.region.parent_id is not None else "province",
        "day": alert.day.isoformat(),
        "observed": alert.observed,
        "expected": alert.expected,
        "threshold": alert.threshold,
        "score": alert.score,
        "status": alert.status,
        "acknowledged_by": alert.acknowledged_by.username if alert.acknowledged_by is not None else None,
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        "note": alert.note,
    }


def plain(value: Any) -> Any:
    """Dataclasses, tuples and dates as JSON-friendly values; NaN as null."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
