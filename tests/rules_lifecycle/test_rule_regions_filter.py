"""Rules by region (issue 17): the list page, the kanban, the API and the export filter by city."""

from __future__ import annotations

import re

import pytest

from cxops.models import Region
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(reference_data):
    foshan_pilot = make_rule(name="佛山试点规则")
    foshan_pilot.regions.set([Region.objects.get(code="foshan")])
    foshan_pilot.control_regions.set([Region.objects.get(code="guangzhou")])
    province_wide = make_rule(name="全省规则")
    return {"foshan": foshan_pilot, "province": province_wide}


def test_the_api_filters_rules_by_city(api_client_for, rules):
    client = api_client_for(user_with_role("frontline"))

    def names(query):
        answer = client.get(f"/api/rules/{query}")
        assert answer.status_code == 200
        return sorted(row["name"] for row in answer.json()["results"])

    assert names("?region=foshan") == ["佛山试点规则"]
    assert names("?region=guangzhou") == []  # a control city is not where the rule runs
    assert names("?region=guangdong") == ["全省规则"]
    assert names("") == ["佛山试点规则", "全省规则"]
    assert names("?region=nowhere") == []
    detail = client.get(f"/api/rules/{rules['foshan'].pk}/").json()
    assert (detail["regions"], detail["control_regions"]) == (["foshan"], ["guangzhou"])


def test_the_rules_page_shows_and_filters_by_city(client_for, rules):
    client = client_for(user_with_role("analyst"))
    page = client.get("/rules/?region=foshan", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "佛山试点规则" in page and "全省规则" not in page
    assert re.search(r"data-rule-regions>佛山市</td>", page)
    everything = client.get("/rules/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "全省规则" in everything and 'data-rule-regions><span class="muted">全省</span>' in everything
    kanban = client.get("/rules/kanban/?region=guangdong").content.decode()
    assert "全省规则" in kanban and "佛山试点规则" not in kanban
