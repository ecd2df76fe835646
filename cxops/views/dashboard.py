"""Dashboard pages: the overview, a product's analytic views, hot-spot alerts, CSV exports.

Analysts and managers use them; product owners read them (they may follow a product, which only
subscribes them to its alerts).  Every chart is a `Chart`: the numbers, the ECharts spec built
from them (drawn by static/dashboard/charts.js) and the accessible table of the same numbers,
which is also what the CSV export writes.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cxops.analytics.funnel import FUNNEL_STAGES
from cxops.errors import ApplicationError
from cxops.exports import csv_response
from cxops.inputs import DayField
from cxops.models import AlertOptIn, AlertStatus, LifecycleStage, Product, Region, RollupDimension
from cxops.regions import regions_readable_by, user_region
from cxops.roles import Role, has_role
from cxops.selectors import dashboard as selectors
from cxops.selectors.dashboard import Period
from cxops.selectors.issue_clock import issue_clock_summary
from cxops.selectors.visibility import alerts_visible_to
from cxops.services.audit import AuditAction, audit_record
from cxops.services.hotspots import alert_opt_in_set, hot_spot_alert_acknowledge
from cxops.services.notifications import follow_create, follow_delete, is_following

READ_ROLES = (Role.ANALYST, Role.PRODUCT_OWNER)  # managers hold both
WRITE_ROLES = (Role.ANALYST,)

FUNNEL_LABELS = {
    "awareness": gettext_lazy("Awareness rate"),
    "cognition": gettext_lazy("Cognition rate"),
    "identification": gettext_lazy("Identification rate"),
    "approval": gettext_lazy("Approval rate"),
}
# The same rates inside a sentence ("Raise the cognition rate and the identification rate").
FUNNEL_IN_SENTENCE = {
    "awareness": gettext_lazy("awareness rate"),
    "cognition": gettext_lazy("cognition rate"),
    "identification": gettext_lazy("identification rate"),
    "approval": gettext_lazy("approval rate"),
}
FUNNEL_HELP = {
    "awareness": gettext_lazy("has heard of it"),
    "cognition": gettext_lazy("knows what it is"),
    "identification": gettext_lazy("uses it"),
    "approval": gettext_lazy("will keep using it"),
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
CURVE_REASONS = {
    "too few days after the launch (need six weeks)": gettext_lazy(
        "Too few days after the launch (six weeks are needed)."
    ),
    "no clear peak above the usual level": gettext_lazy("No clear peak above the usual level."),
    "rose fast but did not come down: a new level, not a cycle": gettext_lazy(
        "Rose fast but did not come down: a new level, not a cycle."
    ),
    "has not come down to half its peak yet": gettext_lazy("Has not come down to half its peak yet."),
    "came down only part of the way": gettext_lazy("Came down only part of the way."),
    "mixed: one side fast, the other slow": gettext_lazy("Mixed: one side fast, the other slow."),
    "too few days (need six months)": gettext_lazy("Too few days (six months are needed)."),
    "no consistent trend": gettext_lazy("No consistent trend."),
}


def _require_reader(request: HttpRequest) -> None:
    if not has_role(request.user, *READ_ROLES):
        raise PermissionDenied


def _require_writer(request: HttpRequest) -> None:
    if not has_role(request.user, *WRITE_ROLES):
        raise PermissionDenied


class PeriodForm(forms.Form):
    start = DayField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = DayField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    region = forms.ChoiceField(label=gettext_lazy("City"), required=False)

    def __init__(self, *args: Any, default_days: int = 28, user: Any = None, **kwargs: Any) -> None:
        from cxops.regions import active_cities, user_region

        super().__init__(*args, **kwargs)
        self.default_days = default_days
        if user is not None and user_region(user) is not None:
            del self.fields["region"]  # a city member's dashboard is their city's
        else:
            cast(forms.ChoiceField, self.fields["region"]).choices = [
                ("", _("Whole province")),
                *((city.code, city.name) for city in active_cities()),
            ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["period"] = Period.asked(
            start=data.get("start"), end=data.get("end"), default_days=self.default_days
        )
        return data


def dashboard_region(request: HttpRequest) -> Any:
    """The city the dashboard shows: a city member's own; for others ?region=<city code>, else
    None (the whole province, the sum of its cities)."""
    from cxops.models import Region
    from cxops.regions import user_region

    scoped = user_region(request.user)
    if scoped is not None:
        return scoped
    code = (request.GET.get("region") or "")[:50]
    return Region.objects.filter(code=code, parent__isnull=False).first() if code else None


def period_from(request: HttpRequest, *, default_days: int) -> tuple[PeriodForm, Period]:
    form = PeriodForm(request.GET or None, default_days=default_days, user=request.user)
    if request.GET and form.is_valid():
        return form, form.cleaned_data["period"]
    end = timezone.localdate()
    if not request.GET:
        form = PeriodForm(
            initial={"start": end - dt.timedelta(days=default_days - 1), "end": end},
            default_days=default_days,
            user=request.user,
        )
    return form, Period(end - dt.timedelta(days=default_days - 1), end)


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

    @property
    def clean_spec(self) -> dict[str, Any]:
        """The spec with NaN replaced by None (JSON has no NaN; ECharts shows a gap)."""
        return _finite(self.spec)

    @property
    def has_data(self) -> bool:
        """False when every number in the table is zero or missing (nothing worth drawing)."""
        return any(isinstance(v, int | float) and v for row in self.rows for v in row[1:])

    @property
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


def overview_charts(period: Period, region: Any = None) -> dict[str, Chart]:
    region_id = region.pk if region is not None else None
    volumes = selectors.dashboard_volumes(period=period, region_id=region_id)
    reports = _("Reports")
    charts = {
        "by_source": _bar(
            "by_source", _("By source type"), volumes[RollupDimension.SOURCE_TYPE], value_label=reports
        ),
        "by_layer": _bar(
            "by_layer",
            _("By experience layer (priority order)"),
            volumes[RollupDimension.LAYER],
            value_label=reports,
        ),
        "by_stage": _bar(
            "by_stage", _("By lifecycle stage"), volumes[RollupDimension.STAGE], value_label=reports
        ),
        "by_channel": _bar(
            "by_channel",
            _("By channel"),
            volumes[RollupDimension.CHANNEL],
            value_label=reports,
            horizontal=True,
        ),
    }
    daily = selectors.dashboard_daily_volumes(
        period=period, dimension=RollupDimension.SOURCE_TYPE, region_id=region_id
    )
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
    ranking = selectors.dashboard_product_ranking(period=period)
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
    if region is None:  # the province: its figure broken down by city, ranked
        cities = selectors.dashboard_city_ranking(period=period)
        charts["cities"] = _bar("cities", _("Reports by city"), cities, value_label=reports, horizontal=True)
    top = selectors.dashboard_top_issues(period=period, region_id=region_id)
    charts["top_issues"] = Chart(
        name="top_issues",
        title=_("Top issues"),
        spec={},
        header=[_("Issue"), _("Product"), _("Layer"), _("Reports")],
        rows=[[r["title"], r["product"], r["layer_label"], r["count"]] for r in top],
        extra={"items": top},
    )
    rising = selectors.dashboard_rising_issues(end=period.end, region_id=region_id)
    charts["rising_issues"] = Chart(
        name="rising_issues",
        title=_("Rising issues (last 7 days against the 28 before)"),
        spec={},
        header=[_("Issue"), _("Product"), _("Last 7 days"), _("Expected"), _("Ratio")],
        rows=[[r["title"], r["product"], r["count"], r["expected"], r["ratio"]] for r in rising],
        extra={"items": rising},
    )
    return charts


def _period_query(period: Period, **extra: Any) -> str:
    return urlencode({"start": period.start.isoformat(), "end": period.end.isoformat(), **extra})


def reports_kpi(period: Period, region: Any, total: int, daily: Chart) -> dict[str, Any]:
    """The reports KPI: the total, the same-length period before it and the change, and the daily
    totals for its sparkline (from the daily chart's rows: no further query for them)."""
    region_id = region.pk if region is not None else None
    before = selectors.dashboard_volumes(period=period.previous(), region_id=region_id)
    previous = sum(item["count"] for item in before[RollupDimension.SOURCE_TYPE])
    change = None if previous == 0 else round(100 * (total - previous) / previous)
    return {
        "total": total,
        "previous": previous,
        "change": change,
        "magnitude": None if change is None else abs(change),
        "direction": "up" if total > previous else "down" if total < previous else "flat",
        "daily": [sum(value or 0 for value in row[1:]) for row in daily.rows],
    }


def overview(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    code = request.GET.get("product")
    if code and Product.objects.filter(code=code).exists():  # the product picker without JavaScript
        return redirect("dashboard:product", code=code)
    form, period = period_from(request, default_days=28)
    region = dashboard_region(request)
    region_query = {"region": region.code} if region is not None else {}
    charts = overview_charts(period, region)
    for chart in charts.values():
        chart.export_url = (
            reverse("dashboard:export-overview", args=[chart.name])
            + "?"
            + _period_query(period, **region_query)
        )
    total = sum(item["count"] for item in charts["by_source"].extra.get("items", []))
    return render(
        request,
        "cxops/dashboard/overview.html",
        {
            "form": form,
            "period": period,
            "charts": charts,
            "volume_charts": [charts[n] for n in ("by_source", "by_layer", "by_stage", "by_channel")],
            "total_reports": total,
            "kpi_reports": reports_kpi(period, region, total, charts["daily"]),
            "top_issues": charts["top_issues"].extra["items"],
            "rising_issues": charts["rising_issues"].extra["items"],
            "alerts": selectors.dashboard_open_alerts(user=request.user, region=region),
            "issue_clock": issue_clock_summary(user=request.user),
            "products": Product.objects.filter(is_active=True),
            "period_query": _period_query(period, **region_query),
            "region": region,
        },
    )


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _funnel_focus_text(stages: tuple[str, ...]) -> str:
    names = [str(FUNNEL_IN_SENTENCE[s]) for s in stages]
    if not names:
        return ""
    if len(names) == 1:
        return _("Raise the %(rate)s") % {"rate": names[0]}
    return _("Raise the %(first)s and the %(second)s") % {"first": names[0], "second": names[1]}


def product_charts(
    product: Product, period: Period, event: dt.date | None, region: Any = None
) -> dict[str, Chart]:
    charts: dict[str, Chart] = {}
    # the touchpoint figures of the region shown (the province's, said so, when not stored by city)
    source = selectors.product_metric_source(product=product, region=region)
    funnel = selectors.product_funnel(product=product, period=period, source=source)
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
            "x": [str(_("Everyone")), *[str(FUNNEL_LABELS[s]) for s in FUNNEL_STAGES]],
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
                str(FUNNEL_LABELS[d.after]),
                str(FUNNEL_HELP[d.after]),
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
            "gap_before": str(FUNNEL_LABELS[analysis.gap.before])
            if analysis.gap and analysis.gap.before
            else _("Everyone (100%)"),
            "gap_after": str(FUNNEL_LABELS[analysis.gap.after]) if analysis.gap else "",
            "source": source,
        },
    )
    curves = selectors.product_curves(product=product, end=period.end, event=event, source=source)
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
                "reason": CURVE_REASONS.get(consultation.reason, ""),
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
            "reason": CURVE_REASONS.get(curves.lifecycle.reason, ""),
        },
    )
    ratio = selectors.product_consultations_per_user(product=product, period=period, source=source)
    per_users = _("Consultations per 10,000 users per day")
    charts["per_user"] = Chart(
        name="per_user",
        title=_("Consultations per user over time (weekly)"),
        description=_("Lower and falling is better."),
        spec={"kind": "line", "x": ratio["weeks"], "series": [{"name": per_users, "data": ratio["values"]}]},
        header=[_("Week of"), per_users],
        rows=[[w, v] for w, v in zip(ratio["weeks"], ratio["values"], strict=True)],
    )
    layers = selectors.product_layer_volumes(
        product=product, period=period, region_id=region.pk if region is not None else None
    )
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


class ProductPageForm(PeriodForm):
    event = DayField(
        label=gettext_lazy("Launch or campaign date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy(
            "The consultation cycle curve starts here (default: the product's launch date)."
        ),
    )


def _product_inputs(request: HttpRequest, product: Product) -> tuple[ProductPageForm, Period, dt.date | None]:
    form = ProductPageForm(request.GET or None, default_days=365, user=request.user)
    end = timezone.localdate()
    period = Period(end - dt.timedelta(days=364), end)
    event = product.launched_on
    if request.GET and form.is_valid():
        period = form.cleaned_data["period"]
        event = form.cleaned_data.get("event") or event
    elif not request.GET:
        form = ProductPageForm(
            initial={"start": period.start, "end": period.end, "event": event},
            default_days=365,
            user=request.user,
        )
    return form, period, event


def product_detail(request: HttpRequest, code: str) -> HttpResponse:
    _require_reader(request)
    product = get_object_or_404(Product, code=code)
    form, period, event = _product_inputs(request, product)
    region = dashboard_region(request)
    charts = product_charts(product, period, event, region)
    query = _period_query(
        period,
        **({"event": event.isoformat()} if event else {}),
        **({"region": region.code} if region is not None else {}),
    )
    for chart in charts.values():
        chart.export_url = reverse("dashboard:export-product", args=[product.code, chart.name]) + "?" + query
    return render(
        request,
        "cxops/dashboard/product.html",
        {
            "product": product,
            "form": form,
            "period": period,
            "event": event,
            "region": region,
            "charts": charts,
            "alerts": selectors.dashboard_open_alerts(
                product_id=product.pk, user=request.user, region=region
            ),
            "products": Product.objects.filter(is_active=True),
            "following": is_following(user=request.user, target=product),
            "can_write": has_role(request.user, *WRITE_ROLES),
        },
    )


def export_overview(request: HttpRequest, name: str) -> HttpResponse:
    _require_reader(request)
    _form, period = period_from(request, default_days=28)
    charts = overview_charts(period, dashboard_region(request))
    if name not in charts:
        raise Http404
    chart = charts[name]
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORTED,
        summary=f"dashboard overview {name} {period.start}–{period.end}",
    )
    return csv_response(f"{chart.title} {period.start}_{period.end}.csv", chart.header, chart.rows)


def export_product(request: HttpRequest, code: str, name: str) -> HttpResponse:
    _require_reader(request)
    product = get_object_or_404(Product, code=code)
    _form, period, event = _product_inputs(request, product)
    charts = product_charts(product, period, event, dashboard_region(request))
    if name not in charts:
        raise Http404
    chart = charts[name]
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORTED,
        target=product,
        summary=f"dashboard product {product.code} {name} {period.start}–{period.end}",
    )
    return csv_response(
        f"{product.name} {chart.title} {period.start}_{period.end}.csv", chart.header, chart.rows
    )


@require_POST
def product_follow(request: HttpRequest, code: str) -> HttpResponse:
    _require_reader(request)
    product = get_object_or_404(Product, code=code)
    if request.POST.get("follow") == "1":
        follow_create(user=request.user, target=product)
        messages.success(
            request, _("You will be notified of hot spots on %(product)s.") % {"product": product.name}
        )
    else:
        follow_delete(user=request.user, target=product)
        messages.success(request, _("You no longer follow %(product)s.") % {"product": product.name})
    return redirect("dashboard:product", code=product.code)


def alert_list(request: HttpRequest) -> HttpResponse:
    """Alerts the member may read (`alerts_visible_to`); `?status=`, `?region=<code>` (a city's
    alerts, or the province's code for the province-wide ones)."""
    _require_reader(request)
    status = request.GET.get("status", AlertStatus.OPEN)
    queryset = alerts_visible_to(request.user)
    if status in AlertStatus.values:
        queryset = queryset.filter(status=status)
    regions = regions_readable_by(request.user)
    if user_region(request.user) is not None:  # their city and the province-wide alerts
        regions = [*Region.objects.filter(parent__isnull=True, is_active=True), *regions]
    code = (request.GET.get("region") or "")[:50]
    region = next((r for r in regions if r.code == code), None)
    if region is not None:
        queryset = queryset.filter(region_id=region.pk)
    elif code:  # another city's (or no such region): nothing, as the API answers
        queryset = queryset.none()
    return render(
        request,
        "cxops/dashboard/alerts.html",
        {
            "alerts": queryset.order_by("-day", "-score", "-id")[:200],
            "status": status,
            "statuses": AlertStatus.choices,
            "regions": regions,
            "region": region,
            "can_write": has_role(request.user, *WRITE_ROLES),
            "opted_in": AlertOptIn.objects.filter(user_id=request.user.pk or 0).exists(),
            "products": Product.objects.filter(is_active=True),
        },
    )


@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    _require_writer(request)
    alert = get_object_or_404(alerts_visible_to(request.user), pk=pk)
    try:
        hot_spot_alert_acknowledge(actor=request.user, alert=alert, note=request.POST.get("note", ""))
        messages.success(request, _("Alert acknowledged."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(reverse("dashboard:alerts") + f"#alert-{alert.pk}")


@require_POST
def alert_opt_in(request: HttpRequest) -> HttpResponse:
    _require_writer(request)
    enabled = alert_opt_in_set(actor=request.user, enabled=request.POST.get("enabled") == "1")
    messages.success(
        request,
        _("You will receive every hot-spot alert.")
        if enabled
        else _("You will receive alerts only on what you follow."),
    )
    return redirect("dashboard:alerts")
