"""The rules list, declared once (`rules_lifecycle.filters.RuleFilterSet`): the board's and the
kanban's form, `/api/rules/` and the rules export read the same names and refuse the same bad
values (a form error with the whole board, or a 400 naming the filter; never a 500)."""

from __future__ import annotations

import pytest

from cxops.roles import Role
from tests.factories import ProductFactory
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import rule_in
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db

HOSTILE = {
    "product": ["no-such-product", "x" * 5000],
    "owner": ["abc", str(2**70), "²"],
    "system": ["bogus"],
    "timing": ["bogus", "x" * 5000],
    "layer": ["bogus"],
    "region": ["x" * 51],
}
API_ONLY = {
    "implementing_system": ["bogus"],
    "status": ["bogus"],
    "strategy": ["abc", "999999"],
    "q": ["x" * 101],
}
CASES = [(name, value) for name, values in HOSTILE.items() for value in values]
API_CASES = CASES + [(name, value) for name, values in API_ONLY.items() for value in values]


@pytest.mark.parametrize(("name", "value"), API_CASES)
def test_a_filter_the_api_cannot_read_is_a_400_naming_it(api_client_for, name, value):
    answer = api_client_for(user_with_role(Role.FRONTLINE)).get("/api/rules/", {name: value})
    assert answer.status_code == 400, answer.content
    body = answer.json()["error"]
    assert body["code"] == "invalid" and name in body["fields"]


@pytest.mark.parametrize(("name", "value"), CASES)
def test_the_board_shows_a_form_error_and_every_rule_and_the_export_refuses(client_for, name, value):
    rule_in("proposed", name="看得见的规则")
    client = client_for(user_with_role(Role.MANAGER))
    for url in ("/rules/", "/rules/kanban/"):
        page = client.get(url, {name: value})
        assert page.status_code == 200 and "看得见的规则" in page.content.decode(), url
        assert name in page.context["filter_form"].errors
    assert client.get("/exports/rules.csv", {name: value}).status_code == 400


def test_the_board_api_and_export_filter_alike(api_client_for, client_for):
    fetion, mail = ProductFactory(code="fetion"), ProductFactory(code="mail")
    kept = rule_in(
        "proposed",
        name="邮箱提示规则",
        products=[mail],
        implementing_system="boss",
        timing="instant",
        strategy=StrategyFactory(product=mail),
    )
    rule_in(
        "proposed",
        name="飞信短信规则",
        products=[fetion],
        implementing_system="boss",
        timing="instant",
        strategy=StrategyFactory(product=fetion),
    )
    manager = user_with_role(Role.MANAGER)
    api = api_client_for(manager)
    for query in ({"product": "mail", "system": "boss"}, {"product": "mail", "implementing_system": "boss"}):
        assert [row["id"] for row in api.get("/api/rules/", query).json()["results"]] == [kept.pk]
    board = client_for(manager).get("/rules/", {"product": "mail", "system": "boss"})
    assert board.context["filtered"] is True
    assert [r.pk for column in board.context["columns"] for r in column.rules] == [kept.pk]
    assert client_for(manager).get("/rules/").context["filtered"] is False
    exported = client_for(manager).get("/exports/rules.csv", {"product": "mail"})
    lines = b"".join(exported.streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == [str(kept.pk)]


def test_the_openapi_schema_shows_the_rule_filters(client_for):
    schema = client_for(user_with_role(Role.MANAGER)).get("/api/schema/", {"format": "json"}).json()
    names = {p["name"] for p in schema["paths"]["/api/rules/"]["get"]["parameters"]}
    assert {
        "product",
        "owner",
        "system",
        "implementing_system",
        "timing",
        "layer",
        "region",
        "status",
        "strategy",
        "q",
    } <= names
