"""Dashboards by region (issue 17): region rollups kept exact by every write, a city's figures for
a city member, the province's figure broken down by city and equal to the sum of its cities."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxops.models import HomeRegion
from cxops.models import Region
from cxops.models import ReportDailyRegionRollup
from cxops.roles import Role
from cxops.services.rollups import rollups_rebuild
from cxops.services.rollups import rollups_verify
from cxops.services.triage import reports_dismiss
from cxops.services.triage import reports_merge
from tests.cxops.factories import file_report

pytestmark = pytest.mark.django_db

PERIOD = "?start=2026-10-01&end=2026-10-31"


@pytest.fixture
def filed(make_user, reference_data):
    agent = make_user(Role.FRONTLINE)
    analyst = make_user(Role.ANALYST)
    fetion = reference_data["products"]["fetion"]
    city = {code: Region.objects.get(code=code) for code in ("foshan", "guangzhou", "shenzhen")}
    reports = {
        code: [file_report(agent, region=city[code], product=fetion, summary=f"{code}{i}") for i in range(n)]
        for code, n in (("foshan", 3), ("guangzhou", 2), ("shenzhen", 1))
    }
    fs_issue = reports_merge(
        actor=analyst, report_ids=[r.pk for r in reports["foshan"]], new_issue_title="佛山的问题"
    )
    gz_issue = reports_merge(
        actor=analyst, report_ids=[r.pk for r in reports["guangzhou"]], new_issue_title="广州的问题"
    )
    reports_dismiss(actor=analyst, report_ids=[reports["shenzhen"][0].pk], reason="测试")
    return {"analyst": analyst, "reports": reports, "fs_issue": fs_issue, "gz_issue": gz_issue, "city": city}


def test_every_write_keeps_the_region_rollups_exact(filed):
    assert rollups_verify() == []
    stored = {
        (row.region.code, row.value): row.count
        for row in ReportDailyRegionRollup.objects.filter(dimension="stage", count__gt=0).select_related(
            "region"
        )
    }
    assert stored == {("foshan", "use"): 3, ("guangzhou", "use"): 2}  # the dismissed one is not counted
    ReportDailyRegionRollup.objects.filter(region__code="foshan").update(count=9)
    assert any(problem.startswith("region") for problem in rollups_verify())
    rollups_rebuild()
    assert rollups_verify() == []


def test_the_province_figure_is_the_sum_of_its_cities(api_client_for, filed):
    body = api_client_for(filed["analyst"]).get("/api/dashboard/overview/" + PERIOD).json()
    total = sum(item["count"] for item in body["volumes"]["source_type"])
    by_city = {row["code"]: row["count"] for row in body["by_city"]}
    assert total == 5 and sum(by_city.values()) == total
    assert (by_city["foshan"], by_city["guangzhou"], by_city["shenzhen"]) == (3, 2, 0)
    assert len(by_city) == 21 and list(by_city)[:2] == ["foshan", "guangzhou"]  # ranked
    foshan = (
        api_client_for(filed["analyst"]).get("/api/dashboard/overview/" + PERIOD + "&region=foshan").json()
    )
    assert foshan["region"] == "foshan" and foshan["by_city"] == []
    assert sum(item["count"] for item in foshan["volumes"]["layer"]) == 3
    assert [row["id"] for row in foshan["top_issues"]] == [filed["fs_issue"].pk]
    refused = api_client_for(filed["analyst"]).get("/api/dashboard/overview/?region=atlantis")
    assert refused.status_code == 400


def test_a_city_analyst_gets_their_citys_dashboard_whatever_they_ask(
    api_client_for, client_for, make_user, filed
):
    city_analyst = make_user(Role.ANALYST)
    HomeRegion.objects.create(user=city_analyst, region=filed["city"]["foshan"])
    body = api_client_for(city_analyst).get("/api/dashboard/overview/" + PERIOD + "&region=guangzhou").json()
    assert body["region"] == "foshan"
    assert sum(item["count"] for item in body["volumes"]["source_type"]) == 3
    assert [row["id"] for row in body["top_issues"]] == [filed["fs_issue"].pk]
    page = client_for(city_analyst).get(reverse("dashboard:overview") + PERIOD).content.decode()
    assert "佛山的问题" in page and "广州的问题" not in page
    assert 'name="region"' not in page and "报告按地市" not in page
    export = client_for(city_analyst).get(
        reverse("dashboard:export-overview", args=["top_issues"]) + PERIOD + "&region=guangzhou"
    )
    assert "佛山的问题" in export.content.decode("utf-8-sig") and "广州的问题" not in export.content.decode(
        "utf-8-sig"
    )


def test_the_province_page_shows_the_city_ranking_and_filters_by_city(client_for, filed):
    client = client_for(filed["analyst"])
    page = client.get(reverse("dashboard:overview") + PERIOD).content.decode()
    assert "报告按地市" in page and 'name="region"' in page
    city_page = client.get(reverse("dashboard:overview") + PERIOD + "&region=guangzhou").content.decode()
    assert "广州的问题" in city_page and "佛山的问题" not in city_page
    assert "报告按地市" not in city_page
    export = client.get(reverse("dashboard:export-overview", args=["cities"]) + PERIOD).content.decode(
        "utf-8-sig"
    )
    assert "佛山市,3" in export and "广州市,2" in export
