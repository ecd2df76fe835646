"""Strategies tagged with the cities they concern (issue 17): form, page, API, pool filter, revisions.

A tag, not a scope: the pool stays open to every member (全员参与) whatever their home region."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from cxops.models import HomeRegion
from cxops.models import Region
from cxops.roles import Role
from proposals.models import Strategy
from proposals.selectors import revision_diff
from proposals.services.strategies import current_content
from proposals.services.strategies import strategy_create
from proposals.services.strategies import strategy_update
from tests.proposals.factories import content

pytestmark = pytest.mark.django_db


@pytest.fixture
def cities(reference_data):
    return {region.code: region for region in Region.objects.all()}


def _form(**changes):
    data = {
        "title": "佛山营业厅缴费提醒",
        "product": "fetion",
        "layer": "functional",
        "experience_event": "客户不知道欠费停机时间",
        "strategy_text": "停机前三天推送提醒",
        "body": "",
        "tags": "缴费",
        "summary": "",
    }
    data.update(changes)
    return data


def _listed(client, query: str) -> list[str]:
    html = client.get(f"/pool/{query}").content.decode()
    return re.findall(r'<h2 class="pool-item-title"><a href="[^"]+">([^<]+)</a>', html)


def test_a_strategy_is_tagged_with_cities_on_the_page_and_the_pool_filters_by_them(
    client_for, make_user, cities
):
    analyst = make_user(Role.ANALYST)
    client = client_for(analyst)
    # when an analyst creates a strategy for Foshan and Zhaoqing on the page (order as ticked: any)
    answer = client.post(
        "/pool/new/",
        _form(regions=[cities["zhaoqing"].pk, cities["foshan"].pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert answer.status_code == 302
    tagged = Strategy.objects.get()
    # then it carries both, in the cities' order, in its first revision too
    assert [r.code for r in tagged.regions.order_by("sort_order")] == ["foshan", "zhaoqing"]
    assert tagged.revisions.get().region_codes == ["foshan", "zhaoqing"]
    page = client.get(tagged.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert re.findall(r'data-strategy-region="(\w+)"', page) == ["foshan", "zhaoqing"]
    assert "佛山市" in page
    # and the pool filters by city: Foshan's, Guangzhou's (none), the province-wide ones
    strategy_create(actor=analyst, content=content(title="全省通用策略", tags=[]))
    assert _listed(client, "?region=foshan") == ["佛山营业厅缴费提醒"]
    assert _listed(client, "?region=guangzhou") == []
    assert _listed(client, "?region=guangdong") == ["全省通用策略"]
    assert sorted(_listed(client, "")) == sorted(["佛山营业厅缴费提醒", "全省通用策略"])


def test_changing_the_cities_is_a_revision_with_a_diff_and_the_province_is_refused(make_user, cities):
    analyst = make_user(Role.ANALYST)
    strategy = strategy_create(actor=analyst, content=content(regions=[cities["foshan"]]))
    changed = current_content(strategy)
    changed = type(changed)(**{**changed.__dict__, "regions": [cities["foshan"], cities["jiangmen"]]})
    strategy = strategy_update(strategy=strategy, actor=analyst, base_revision=1, content=changed)
    first, second = strategy.revisions.order_by("number")
    assert (first.region_codes, second.region_codes) == (["foshan"], ["foshan", "jiangmen"])
    assert [change.name for change in revision_diff(first, second)] == ["regions"]
    # the province is not a city to tag: refused, nothing saved
    province = type(changed)(**{**changed.__dict__, "regions": [cities["guangdong"]]})
    with pytest.raises(ValidationError) as refused:
        strategy_update(strategy=strategy, actor=analyst, base_revision=2, content=province)
    assert "regions" in refused.value.message_dict
    strategy.refresh_from_db()
    assert strategy.current_revision == 2
    assert [r.code for r in strategy.regions.order_by("sort_order")] == ["foshan", "jiangmen"]


def test_the_api_takes_and_answers_city_codes_and_filters_by_city(api_client_for, make_user, cities):
    analyst = make_user(Role.ANALYST)
    client = api_client_for(analyst)
    payload = {
        "title": "佛山营业厅缴费提醒",
        "product": "fetion",
        "layer": "functional",
        "experience_event": "客户不知道欠费停机时间",
        "strategy_text": "停机前三天推送提醒",
        "regions": ["foshan"],
    }
    created = client.post("/api/strategies/", payload, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["regions"] == ["foshan"]
    for wrong in (["atlantis"], ["guangdong"]):
        refused = client.post("/api/strategies/", {**payload, "regions": wrong}, format="json")
        assert refused.status_code == 400
        assert "regions" in refused.json()["error"]["fields"]
    assert Strategy.objects.count() == 1

    def ids(query):
        return [row["id"] for row in client.get(f"/api/strategies/{query}").json()["results"]]

    assert ids("?region=foshan") == [created.json()["id"]]
    assert ids("?region=guangzhou") == []
    revision = client.get(f"/api/strategies/{created.json()['id']}/revisions/1/")
    assert revision.status_code == 200
    assert revision.json()["region_codes"] == ["foshan"]


def test_the_pool_stays_open_to_members_of_every_city(client_for, make_user, cities):
    # given a strategy tagged Guangzhou
    strategy = strategy_create(actor=make_user(Role.ANALYST), content=content(regions=[cities["guangzhou"]]))
    # when a Foshan frontline member opens the pool and the strategy
    member = make_user(Role.FRONTLINE)
    HomeRegion.objects.create(user=member, region=cities["foshan"])
    client = client_for(member)
    # then they read it: the cities are a tag, not who may take part
    assert client.get(strategy.get_absolute_url()).status_code == 200
    assert _listed(client, "?region=guangzhou") == [strategy.title]
