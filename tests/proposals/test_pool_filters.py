"""The pool's list, declared once (`proposals.filters.StrategyFilterSet`): the page's form,
`/api/strategies/` and the strategies export read the same names and refuse the same bad values
(a form error with the whole list, or a 400 naming the filter; never a 500)."""

from __future__ import annotations

import pytest

from tests.proposals.factories import make_strategy

pytestmark = pytest.mark.django_db

HOSTILE = {
    "q": ["x" * 201],
    "status": ["bogus", "x" * 5000],
    "layer": ["bogus"],
    "tag": ["x" * 41],
    "product": ["x" * 51],
    "region": ["x" * 51],
    "issue": ["abc", "0", "²", "9" * 5000],
    "following": ["maybe"],
    "sort": ["bogus"],
}
CASES = [(name, value) for name, values in HOSTILE.items() for value in values]


@pytest.mark.parametrize(("name", "value"), CASES)
def test_a_filter_the_api_cannot_read_is_a_400_naming_it(api_client_for, frontline, name, value):
    answer = api_client_for(frontline).get("/api/strategies/", {name: value})
    assert answer.status_code == 400, answer.content
    body = answer.json()["error"]
    assert body["code"] == "invalid" and name in body["fields"]


@pytest.mark.parametrize(("name", "value"), CASES)
def test_the_page_shows_a_form_error_and_the_whole_list_and_the_export_refuses(
    client_for, analyst, name, value
):
    make_strategy(actor=analyst, title="看得见的策略")
    client = client_for(analyst)
    page = client.get("/pool/", {name: value})
    assert page.status_code == 200 and "看得见的策略" in page.content.decode()
    if name != "following":  # the page's checkbox reads any value as ticked, as before
        assert name in page.context["form"].errors
    assert client.get("/exports/strategies.csv", {name: value}).status_code == 400


def test_the_page_api_and_export_filter_alike(api_client_for, client_for, analyst):
    kept = make_strategy(actor=analyst, title="流量超额提醒", status="discussion")
    make_strategy(actor=analyst, title="流量超额提醒")
    make_strategy(actor=analyst, title="话费查询", status="discussion")
    query = {"q": "流量", "status": "discussion", "sort": "new"}
    rows = api_client_for(analyst).get("/api/strategies/", query).json()["results"]
    assert [row["id"] for row in rows] == [kept.pk]
    page = client_for(analyst).get("/pool/", query)
    assert [s.pk for s in page.context["page"].object_list] == [kept.pk]
    assert '<option value="new" selected>' in page.content.decode()
    exported = client_for(analyst).get("/exports/strategies.csv", query)
    lines = b"".join(exported.streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == [str(kept.pk)]
    # a product or city code that names nothing is no strategy, not a refusal (like a tag)
    for name in ("product", "region"):
        none = api_client_for(analyst).get("/api/strategies/", {name: "no-such"})
        assert none.status_code == 200 and none.json()["results"] == []


def test_the_openapi_schema_shows_the_pool_filters(client_for, analyst):
    schema = client_for(analyst).get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/strategies/"]["get"]["parameters"]}
    assert {
        "q",
        "status",
        "product",
        "layer",
        "tag",
        "region",
        "issue",
        "following",
        "sort",
    } <= parameters.keys()
    assert set(parameters["sort"]["schema"]["enum"]) == {"activity", "votes", "status", "new"}
