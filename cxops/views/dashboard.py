"""Dashboard pages: the overview, a product's analytic views, hot-spot alerts, CSV exports.

Analysts and managers use them; product owners read them (they may follow a product, which only
subscribes them to its alerts).  The charts, and their CSV exports, are built by
`cxops.presenters.dashboard` (which the dashboard API answers from too).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxops.errors import ApplicationError
from cxops.exports import csv_response
from cxops.forms_period import PeriodForm
from cxops.forms_period import ProductPeriodForm
from cxops.models import AlertOptIn
from cxops.models import AlertStatus
from cxops.models import Product
from cxops.models import Region
from cxops.presenters.dashboard import VOLUME_CHARTS
from cxops.presenters.dashboard import Chart
from cxops.presenters.dashboard import overview_charts
from cxops.presenters.dashboard import overview_figures
from cxops.presenters.dashboard import product_charts
from cxops.presenters.dashboard import product_figures
from cxops.presenters.dashboard import reports_kpi
from cxops.regions import regions_readable_by
from cxops.regions import user_region
from cxops.roles import Role
from cxops.roles import has_role
from cxops.selectors import dashboard as selectors
from cxops.selectors.dashboard import Period
from cxops.selectors.issue_clock import issue_clock_summary
from cxops.selectors.visibility import alerts_visible_to
from cxops.services.audit import AuditAction
from cxops.services.audit import audit_record
from cxops.services.hotspots import alert_opt_in_set
from cxops.services.hotspots import hot_spot_alert_acknowledge
from cxops.services.notifications import follow_create
from cxops.services.notifications import follow_delete
from cxops.services.notifications import is_following

READ_ROLES = (Role.ANALYST, Role.PRODUCT_OWNER)  # managers hold both
WRITE_ROLES = (Role.ANALYST,)


def _require_reader(request: HttpRequest) -> None:
    if not has_role(request.user, *READ_ROLES):
        raise PermissionDenied


def _require_writer(request: HttpRequest) -> None:
    if not has_role(request.user, *WRITE_ROLES):
        raise PermissionDenied


def dashboard_region(request: HttpRequest) -> Any:
    """The city the dashboard shows: a city member's own; for others ?region=<city code>, else
    None (the whole province, the sum of its cities)."""
    scoped = user_region(request.user)
    if scoped is not None:
        return scoped
    code = (request.GET.get("region") or "")[:50]
    return Region.objects.filter(code=code, parent__isnull=False).first() if code else None


def period_from(request: HttpRequest) -> tuple[PeriodForm, Period]:
    form = PeriodForm(request.GET or None, user=request.user)
    if request.GET and form.is_valid():
        return form, form.cleaned_data["period"]
    period = form.default_period()
    if not request.GET:  # the unbound form shows the default period (no second form, no second city query)
        form.initial = {"start": period.start, "end": period.end}
    return form, period


def _period_query(period: Period, **extra: Any) -> str:
    return urlencode({"start": period.start.isoformat(), "end": period.end.isoformat(), **extra})


def overview(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    code = request.GET.get("product")
    if code and Product.objects.filter(code=code).exists():  # the product picker without JavaScript
        return redirect("dashboard:product", code=code)
    form, period = period_from(request)
    region = dashboard_region(request)
    region_query = {"region": region.code} if region is not None else {}
    charts = overview_charts(overview_figures(period, region))
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
            "title": _("Experience dashboard"),
            "form": form,
            "period": period,
            "charts": charts,
            "volume_charts": [charts[volume.name] for volume in VOLUME_CHARTS],
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


def _product_inputs(
    request: HttpRequest, product: Product
) -> tuple[ProductPeriodForm, Period, dt.date | None]:
    form = ProductPeriodForm(request.GET or None, user=request.user)
    period = form.default_period()
    event = product.launched_on
    if request.GET and form.is_valid():
        period = form.cleaned_data["period"]
        event = form.cleaned_data.get("event") or event
    elif not request.GET:  # the unbound form shows the defaults (no second form, no second city query)
        form.initial = {"start": period.start, "end": period.end, "event": event}
    return form, period, event


def product_detail(request: HttpRequest, code: str) -> HttpResponse:
    _require_reader(request)
    product = get_object_or_404(Product, code=code)
    form, period, event = _product_inputs(request, product)
    region = dashboard_region(request)
    charts = product_charts(product_figures(product, period, event, region))
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


def _chart_csv(
    request: HttpRequest,
    charts: dict[str, Chart],
    name: str,
    period: Period,
    *,
    subject: str,
    product: Any = None,
) -> HttpResponse:
    """One chart's table as a CSV file, the export recorded in the audit log."""
    if name not in charts:
        raise Http404
    chart = charts[name]
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORTED,
        target=product,
        summary=f"dashboard {subject} {name} {period.start}–{period.end}",
    )
    title = f"{product.name} {chart.title}" if product is not None else chart.title
    return csv_response(f"{title} {period.start}_{period.end}.csv", chart.header, chart.rows)


def export_overview(request: HttpRequest, name: str) -> HttpResponse:
    _require_reader(request)
    _form, period = period_from(request)
    charts = overview_charts(overview_figures(period, dashboard_region(request)))
    return _chart_csv(request, charts, name, period, subject="overview")


def export_product(request: HttpRequest, code: str, name: str) -> HttpResponse:
    _require_reader(request)
    product = get_object_or_404(Product, code=code)
    _form, period, event = _product_inputs(request, product)
    charts = product_charts(product_figures(product, period, event, dashboard_region(request)))
    return _chart_csv(request, charts, name, period, subject=f"product {product.code}", product=product)


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
            "title": _("Hot-spot alerts"),
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
