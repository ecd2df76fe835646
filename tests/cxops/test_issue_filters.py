"""The issue list's filters, declared once (`cxops.selectors.filters.IssueFilterSet`): the page's
form, `/api/issues/` and the issues export read the same names and refuse the same bad values
(a form error with the whole list, or a 400 naming the filter; never a 500)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import IssueFactory
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

HOSTILE = {
    "q": ["x" * 101],
    "text": ["x" * 5000],
    "status": ["bogus", "null", "x" * 5000],
    "product": ["no-such-product", "１", str(2**70), "ü" * 300],
    "region": ["atlantis", "9" * 40],
}
CASES = [(name, value) for name, values in HOSTILE.items() for value in values]


@pytest.mark.parametrize(("name", "value"), CASES)
def test_a_filter_the_api_cannot_read_is_a_400_naming_it(api_client_for, frontline, name, value):
    answer = api_client_for(frontline).get("/api/issues/", {name: value})
    assert answer.status_code == 400, answer.content
    body = answer.json()["error"]
    assert body["code"] == "invalid" and name in body["fields"]


@pytest.mark.parametrize(("name", "value"), CASES)
def test_the_page_shows_a_form_error_and_the_whole_list_and_the_export_refuses(
    client_for, analyst, name, value
):
    IssueFactory(title="看得见的问题")
    client = client_for(analyst)
    page = client.get(reverse("reports:issues"), {name: value})
    assert page.status_code == 200 and "看得见的问题" in page.content.decode()
    if name in page.context["form"].fields:
        assert name in page.context["form"].errors
    assert client.get("/exports/issues.csv", {name: value}).status_code == 400


def test_the_api_page_and_export_read_the_same_names(api_client_for, client_for, analyst):
    product = ProductFactory()
    kept = IssueFactory(product=product, title="积分兑换失败", status="open")
    IssueFactory(title="积分兑换失败", status="open")
    IssueFactory(product=product, title="积分兑换失败", status="closed")
    api = api_client_for(analyst)
    for query in (
        {"text": "积分", "product": product.code, "status": "open"},
        {"q": "积分", "product": product.pk, "status": "open"},
    ):
        assert [i["id"] for i in api.get("/api/issues/", query).json()["results"]] == [kept.pk]
    page = client_for(analyst).get(
        reverse("reports:issues"), {"q": "积分", "product": product.pk, "status": "open"}
    )
    assert [i.pk for i in page.context["page"].items] == [kept.pk]
    body = page.content.decode()
    assert f'<option value="{product.pk}" selected>' in body


def test_the_openapi_schema_shows_the_issue_filters(client_for, analyst):
    schema = client_for(analyst).get("/api/schema/", {"format": "json"}).json()
    names = {p["name"] for p in schema["paths"]["/api/issues/"]["get"]["parameters"]}
    assert {"q", "text", "status", "product", "region"} <= names
