"""The dashboard's reports KPI: the change against the previous period of the same length, and a
sparkline of the daily totals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from cxops.models import RollupDimension
from cxops.roles import Role
from cxops.selectors.dashboard import Period
from cxops.selectors.dashboard import dashboard_report_total
from cxops.selectors.dashboard import dashboard_volumes
from cxops.templatetags.sparklines import sparkline
from cxops.templatetags.sparklines import sparkline_points
from tests.cxops.test_dashboard import file

pytestmark = pytest.mark.django_db


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_the_reports_kpi_compares_with_the_period_before(make_user):
    analyst = make_user(Role.ANALYST)
    end = dt.date(2026, 11, 28)
    start = end - dt.timedelta(days=6)
    for offset in range(3):  # 3 reports in the period before (7 days before start)
        file(occurred_at=_at(start - dt.timedelta(days=2 + offset)))
    for offset in range(6):  # 6 in the period: twice as many
        file(occurred_at=_at(start + dt.timedelta(days=offset)))
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(analyst)
    response = client.get(reverse("dashboard:overview"), {"start": start.isoformat(), "end": end.isoformat()})
    kpi = response.context["kpi_reports"]
    assert (kpi["total"], kpi["previous"], kpi["change"], kpi["direction"]) == (6, 3, 100, "up")
    assert kpi["daily"] == [1, 1, 1, 1, 1, 1, 0]
    html = response.content.decode()
    assert "比上一周期多 100%（上一周期 3）" in html
    assert '<svg class="sparkline"' in html


def test_sparkline_points_span_the_box():
    points = sparkline_points([0, 5, 10], width=100, height=20)
    assert points == "0.0,18.0 50.0,10.0 100.0,2.0"
    assert sparkline_points([3, 3], width=10, height=20) == "0.0,10.0 10.0,10.0"  # flat: mid-height
    assert sparkline_points([7]) == "" and str(sparkline([])) == ""


def test_the_previous_total_is_one_aggregate_query(make_user, django_assert_num_queries):
    """The KPI's previous-period total is the source-type volumes' sum, read by one aggregate
    (not the four dimensions' volumes and the channel names, as before)."""
    end = dt.date(2026, 11, 28)
    for offset in range(4):
        file(occurred_at=_at(end - dt.timedelta(days=offset)))
    period = Period(end - dt.timedelta(days=6), end)
    volumes = dashboard_volumes(period=period)
    with django_assert_num_queries(1):
        total = dashboard_report_total(period=period)
    assert total == sum(item["count"] for item in volumes[RollupDimension.SOURCE_TYPE]) == 4


def test_the_overview_page_reads_a_bounded_number_of_queries(make_user, django_assert_max_num_queries):
    analyst = make_user(Role.ANALYST)
    end = dt.date(2026, 11, 28)
    for offset in range(4):
        file(occurred_at=_at(end - dt.timedelta(days=offset)))
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(analyst)
    query = {"start": (end - dt.timedelta(days=27)).isoformat(), "end": end.isoformat()}
    with django_assert_max_num_queries(19):
        assert client.get(reverse("dashboard:overview"), query).status_code == 200


def test_the_default_overview_builds_its_period_form_once(make_user, django_assert_max_num_queries):
    """Without a query string the page shows the default period in one unbound form (the cities
    for its picker read once, not once more for a second form)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(make_user(Role.ANALYST))
    client.get(reverse("dashboard:overview"))  # the session and the language settle
    with django_assert_max_num_queries(19):
        response = client.get(reverse("dashboard:overview"))
    assert response.context["form"].initial["end"] == response.context["period"].end
