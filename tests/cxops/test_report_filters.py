"""The reports list's filters, declared once (`cxops.selectors.filters.ReportFilterSet`): the same
names and refusals on the pages, the API and the export; bad input is a 400 or a form error, never
a 500; the API's filtered list costs no more queries than before."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cxops.factories import file_report

pytestmark = pytest.mark.django_db

HOSTILE = {
    "product": ["no-such-product", "x" * 5000, "１", "0", str(2**70), "[1]"],
    "channel": ["no-such-channel", "ü" * 300],
    "region": ["atlantis", "9" * 40],
    "layer": ["bogus", "x" * 5000],
    "stage": ["bogus"],
    "source_type": ["bogus"],
    "status": ["bogus", "null"],
    "issue": ["abc", "-1", "0", "1.5", "²", "9" * 5000],
    "date_from": ["1899-01-01", "9999-12-31", "2026-02-30", "x" * 5000, "０"],
    "date_to": ["not a day", "0001-01-01"],
    "text": ["x" * 101],
    "source_system": ["x" * 51],
    "mine": ["maybe", "2"],
}
CASES = [(name, value) for name, values in HOSTILE.items() for value in values]
FIRST_CASES = [(name, values[0]) for name, values in HOSTILE.items()]  # one per filter


@pytest.mark.parametrize(("name", "value"), CASES)
def test_a_filter_the_api_cannot_read_is_a_400_naming_it(api_client_for, analyst, name, value):
    answer = api_client_for(analyst).get("/api/reports/", {name: value})
    assert answer.status_code == 400, answer.content
    body = answer.json()["error"]
    assert body["code"] == "invalid" and name in body["fields"]


@pytest.mark.parametrize(("name", "value"), FIRST_CASES)
def test_the_export_refuses_the_same_filters(client_for, analyst, name, value):
    assert client_for(analyst).get("/exports/reports.csv", {name: value}).status_code == 400


@pytest.mark.parametrize(("name", "value"), FIRST_CASES)
def test_the_pages_show_a_form_error_and_the_whole_list(client_for, analyst, name, value):
    file_report(analyst, summary="看得见的报告")
    page = client_for(analyst).get(reverse("reports:triage"), {"status": "new", name: value})
    assert page.status_code == 200
    form = page.context["form"]
    if name in form.fields:
        assert name in form.errors
    assert "看得见的报告" in page.content.decode()
    mine = client_for(analyst).get(reverse("reports:mine"), {name: value})
    assert mine.status_code == 200 and "看得见的报告" in mine.content.decode()


def test_the_api_reads_codes_the_export_and_pages_ids_too(
    api_client_for, client_for, analyst, reference_data
):
    fetion = reference_data["products"]["fetion"]
    mine = file_report(analyst, product=fetion, summary="飞信登录失败")
    file_report(analyst, product=reference_data["products"]["mms"], summary="彩信发不出去")
    api = api_client_for(analyst)
    for value in ("fetion", str(fetion.pk)):
        assert [r["id"] for r in api.get("/api/reports/", {"product": value}).json()["results"]] == [mine.pk]
    assert [
        r["id"] for r in api.get("/api/reports/", {"mine": "true", "text": "飞信"}).json()["results"]
    ] == [mine.pk]
    page = client_for(analyst).get(reverse("reports:mine"), {"product": fetion.pk})
    assert [report.pk for report in page.context["page"].items] == [mine.pk]


def test_a_filtered_api_list_is_still_one_report_query(
    api_client_for, analyst, frontline, reference_data, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(3):
        file_report(frontline, product=reference_data["products"]["fetion"], summary=f"飞信第{n}次")
    reader = api_client_for(analyst)
    query = {"product": "fetion", "region": "guangdong", "layer": "functional", "date_from": "2026-10-01"}
    reader.get("/api/reports/", query)  # sign-in and reference tables warm
    # before the FilterSet: 3 (the product and the region looked up by code, the rows)
    with django_assert_max_num_queries(3), CaptureQueriesContext(connection) as queries:
        answer = reader.get("/api/reports/", {**query, "page_size": 2})
    assert answer.status_code == 200 and len(answer.json()["results"]) == 2
    assert len([q for q in queries if "cxops_experiencereport" in q["sql"]]) == 1


def test_the_openapi_schema_shows_the_lists_filters(client_for, analyst):
    schema = client_for(analyst).get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/reports/"]["get"]["parameters"]}
    for name in ("product", "channel", "region", "layer", "stage", "source_type", "status", "issue"):
        assert name in parameters
    assert {"date_from", "date_to", "text", "source_system", "mine"} <= parameters.keys()
    assert parameters["product"]["schema"]["type"] == "string"
    assert parameters["layer"]["schema"]["enum"]
    assert parameters["date_from"]["schema"]["format"] == "date"


def test_my_reports_pages_and_exports_keep_the_filters(client_for, analyst, reference_data, monkeypatch):
    """'Older' and 'Newest' on My reports carried no filter (the page never passed `filter_query`),
    so the second page listed every report; the export links carried the cursor too."""
    from cxops.selectors.reports import keyset_page

    monkeypatch.setitem(keyset_page.__kwdefaults__, "size", 2)
    fetion = reference_data["products"]["fetion"]
    mms = reference_data["products"]["mms"]
    kept = [file_report(analyst, product=fetion, summary=f"飞信报告{n}") for n in range(3)]
    file_report(analyst, product=mms, summary="彩信报告")
    client = client_for(analyst)
    first = client.get(reverse("reports:mine"), {"product": fetion.pk})
    older = first.context["page"].next_before
    assert older is not None
    html = first.content.decode()
    assert f'?product={fetion.pk}&amp;before={older}"' in html
    second = client.get(reverse("reports:mine"), {"product": fetion.pk, "before": older})
    body = second.content.decode()
    assert "飞信报告0" in body and "彩信报告" not in body
    assert [r.pk for r in second.context["page"].items] == [kept[0].pk]
    assert f'href="?product={fetion.pk}"' in body  # "Newest" keeps the filter, drops the cursor
    assert "before=" not in body.split("CSV")[0].rsplit("<a", 1)[-1]  # the export link has no cursor
