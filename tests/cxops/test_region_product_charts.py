"""A product's funnel and curves by region (issue 17): a city's page reads the city's touchpoint
figures, the province's is the sum of its cities', and a product stored for the province only shows
the province's figures on a city's page, saying so — never an empty chart, never another city's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cxops.models import HomeRegion
from cxops.models import Region
from cxops.roles import Role
from cxops.services.metrics import MetricRecord
from cxops.services.metrics import ScopeKey
from cxops.services.metrics import metric_records_apply

pytestmark = pytest.mark.django_db

# per city: users, consultations per day, funnel (respondents, positive) at each of the four rates
CITIES = {
    "foshan": (1000, 30, [(100, 80), (80, 40), (40, 30), (30, 20)]),
    "guangzhou": (3000, 60, [(300, 270), (270, 240), (240, 100), (100, 90)]),
}
STAGES = ("awareness", "cognition", "identification", "approval")


def _values(users, consultations, funnel, *, survey: bool):
    values = {"users": users, "consultations": consultations}
    if survey:
        for stage, (respondents, positive) in zip(STAGES, funnel, strict=True):
            values[f"{stage}_respondents"] = respondents
            values[f"{stage}_positive"] = positive
    return values


@pytest.fixture
def by_city(reference_data):
    """Fetion's figures stored by city (Foshan, Guangzhou) over the last 60 days, one survey a month
    ago; Tariffs' stored for the province only."""
    today = timezone.localdate()
    fetion, tariffs = reference_data["products"]["fetion"], reference_data["products"]["tariffs"]
    records = []
    for code, (users, consultations, funnel) in CITIES.items():
        scope = ScopeKey(fetion.pk, None, None, Region.objects.get(code=code).pk)
        for back in range(60):
            day = today - dt.timedelta(days=back)
            records.append(
                MetricRecord(
                    scope=scope, day=day, values=_values(users, consultations, funnel, survey=back == 30)
                )
            )
    province = ScopeKey(tariffs.pk, None, None)
    for back in range(60):
        day = today - dt.timedelta(days=back)
        records.append(
            MetricRecord(
                scope=province, day=day, values=_values(5000, 100, CITIES["guangzhou"][2], survey=back == 30)
            )
        )
    result = metric_records_apply(actor=None, records=records)
    assert not result.rejected
    return {"fetion": fetion, "tariffs": tariffs}


def _stages(body):
    return {s["stage"]: (s["respondents"], s["positive"]) for s in body["funnel"]["stages"]}


def _last_users(body):
    return [value for value in body["lifecycle"]["users"] if value is not None][-1]


def test_the_province_reads_the_sum_of_its_cities_and_a_city_filter_reads_the_city(
    api_client_for, make_user, by_city
):
    client = api_client_for(make_user(Role.ANALYST))
    province = client.get("/api/dashboard/products/fetion/").json()
    assert _stages(province)["awareness"] == (400, 350)
    assert _last_users(province) == 4000
    assert (province["metrics_region"], province["metrics_province_fallback"]) == (None, False)
    assert province["consultations_per_10k_users_weekly"]["values"][-1] == pytest.approx(90 * 10_000 / 4000)
    foshan = client.get("/api/dashboard/products/fetion/?region=foshan").json()
    assert _stages(foshan)["awareness"] == (100, 80)
    assert _last_users(foshan) == 1000
    assert (foshan["region"], foshan["metrics_region"], foshan["metrics_province_fallback"]) == (
        "foshan",
        "foshan",
        False,
    )
    # a city with no figures of a product stored by city: no figures (not another city's)
    shenzhen = client.get("/api/dashboard/products/fetion/?region=shenzhen").json()
    assert all(respondents == 0 for respondents, _positive in _stages(shenzhen).values())
    assert [value for value in shenzhen["lifecycle"]["users"] if value is not None] == []


def test_a_foshan_analyst_reads_foshans_figures_whatever_they_ask(
    api_client_for, client_for, make_user, by_city
):
    analyst_foshan = make_user(Role.ANALYST, username="analyst_foshan_charts")
    HomeRegion.objects.create(user=analyst_foshan, region=Region.objects.get(code="foshan"))
    api = api_client_for(analyst_foshan)
    for query in ("", "?region=guangzhou"):
        body = api.get(f"/api/dashboard/products/fetion/{query}").json()
        assert _stages(body)["awareness"] == (100, 80)
        assert _last_users(body) == 1000
        assert body["metrics_region"] == "foshan"
    page = client_for(analyst_foshan).get("/dashboard/products/fetion/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-metrics-source="foshan"' in html
    # the funnel chart's rates are Foshan's: 80 of 100 aware, then 40 of 80 …
    assert page.context["charts"]["funnel"].spec["series"][0]["data"] == [100.0, 80.0, 50.0, 75.0, 66.7]


def test_a_product_stored_for_the_province_shows_the_provinces_figures_on_a_citys_page_and_says_so(
    api_client_for, client_for, make_user, by_city
):
    analyst_foshan = make_user(Role.ANALYST, username="analyst_foshan_tariffs")
    HomeRegion.objects.create(user=analyst_foshan, region=Region.objects.get(code="foshan"))
    body = api_client_for(analyst_foshan).get("/api/dashboard/products/tariffs/").json()
    assert (body["metrics_region"], body["metrics_province_fallback"]) == (None, True)
    assert _last_users(body) == 5000
    page = client_for(analyst_foshan).get("/dashboard/products/tariffs/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert 'data-metrics-source="province"' in html
    assert "佛山市" in html and "全省" in html
