"""The rules API: read, create from a strategy, edit with a version, and move through transitions."""

from __future__ import annotations

import pytest

from cxops.roles import Role
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleTransition
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import rule_in
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_everyone_signed_in_reads_rules_with_the_moves_they_may_make(api_client_for):
    rule = rule_in("proposed")
    frontline = api_client_for(user_with_role(Role.FRONTLINE))
    listing = frontline.get("/api/rules/")
    assert listing.status_code == 200
    assert [(r["id"], r["status"], r["allowed_moves"]) for r in listing.json()["results"]] == [
        (rule.pk, "proposed", [])
    ]
    detail = api_client_for(user_with_role(Role.MANAGER)).get(f"/api/rules/{rule.pk}/").json()
    assert detail["allowed_moves"] == ["approved", "rejected"]
    assert detail["strategy"] == rule.strategy_id
    assert detail["owner"] == rule.owner.username
    assert detail["primary_measure"] == "complaint_rate"
    assert (detail["pre_window_days"], detail["post_window_days"], detail["minimum_worthwhile_effect"]) == (
        28,
        28,
        0.05,
    )


def test_the_list_filters_by_state(api_client_for):
    live, proposed = rule_in("live"), rule_in("proposed")
    client = api_client_for(user_with_role(Role.ANALYST))
    assert [r["id"] for r in client.get("/api/rules/?status=live").json()["results"]] == [live.pk]
    assert [r["id"] for r in client.get("/api/rules/?status=proposed").json()["results"]] == [proposed.pk]


def test_signed_out_gets_401(api_client_for):
    assert api_client_for(None).get("/api/rules/").status_code == 401


def _create_body(strategy, **overrides):
    body = {
        "strategy": strategy.pk,
        "name": "飞信咨询后下发指引",
        "trigger_event": "客户致电10086咨询飞信",
        "trigger_action": "发送含下载链接的短信",
        "implementing_system": "cmp",
        "timing": "non_instant",
    }
    body.update(overrides)
    return body


def test_a_product_owner_creates_a_rule_from_an_accepted_strategy(api_client_for):
    strategy = StrategyFactory()
    owner = user_with_role(Role.PRODUCT_OWNER)
    response = api_client_for(owner).post("/api/rules/", _create_body(strategy, channels=[]), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["owner"], body["strategy"]) == ("proposed", owner.username, strategy.pk)
    assert body["products"] == [strategy.product.code]
    assert ExperienceRule.objects.get().owner == owner


@pytest.mark.parametrize("field", ["status", "go_live_on", "retired_on"])
def test_the_state_is_never_writable_on_create(api_client_for, field):
    strategy = StrategyFactory()
    response = api_client_for(user_with_role(Role.MANAGER)).post(
        "/api/rules/",
        _create_body(strategy, **{field: "live" if field == "status" else "2025-01-01"}),
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "transitions" in error["fields"][field][0]
    assert ExperienceRule.objects.count() == 0


def test_creating_from_a_strategy_that_is_not_accepted_is_refused(api_client_for):
    strategy = StrategyFactory(status="voting", official_answer="")
    response = api_client_for(user_with_role(Role.MANAGER)).post(
        "/api/rules/", _create_body(strategy), format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "strategy_not_accepted"
    assert ExperienceRule.objects.count() == 0


@pytest.mark.parametrize("role", [Role.FRONTLINE, Role.ANALYST, Role.ADMIN])
def test_other_roles_cannot_create(api_client_for, role):
    response = api_client_for(user_with_role(role)).post(
        "/api/rules/", _create_body(StrategyFactory()), format="json"
    )
    assert response.status_code == 403
    assert ExperienceRule.objects.count() == 0


def test_an_inconsistent_design_is_a_400_naming_the_field(api_client_for):
    response = api_client_for(user_with_role(Role.PRODUCT_OWNER)).post(
        "/api/rules/", _create_body(StrategyFactory(), timing="instant"), format="json"
    )
    assert response.status_code == 400
    assert "timing" in response.json()["error"]["fields"]


def test_editing_needs_the_current_version(api_client_for):
    rule = rule_in("approved")
    client = api_client_for(rule.owner)
    ok = client.patch(f"/api/rules/{rule.pk}/", {"version": rule.version, "name": "新名称"}, format="json")
    assert ok.status_code == 200
    assert (ok.json()["name"], ok.json()["version"]) == ("新名称", rule.version + 1)
    stale = client.patch(
        f"/api/rules/{rule.pk}/", {"version": rule.version, "name": "旧版本上的修改"}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    assert stale.json()["error"]["current_version"] == rule.version + 1
    assert ExperienceRule.objects.get(pk=rule.pk).name == "新名称"


def test_the_state_is_never_writable_on_edit(api_client_for):
    rule = rule_in("approved")
    response = api_client_for(user_with_role(Role.MANAGER)).patch(
        f"/api/rules/{rule.pk}/", {"version": rule.version, "status": "live"}, format="json"
    )
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]
    fresh = ExperienceRule.objects.get(pk=rule.pk)
    assert (fresh.status, fresh.version) == ("approved", rule.version)


def test_another_product_owner_cannot_edit(api_client_for):
    rule = rule_in("approved")
    response = api_client_for(user_with_role(Role.PRODUCT_OWNER)).patch(
        f"/api/rules/{rule.pk}/", {"version": rule.version, "name": "x"}, format="json"
    )
    assert response.status_code == 403
    assert ExperienceRule.objects.get(pk=rule.pk).name == rule.name


def test_moving_a_rule_through_the_transitions_endpoint(api_client_for):
    rule = rule_in("under_review")
    manager = user_with_role(Role.MANAGER)
    client = api_client_for(manager)
    response = client.post(
        f"/api/rules/{rule.pk}/transitions/",
        {"to_status": "implementing", "reason": "文案需改进"},
        format="json",
    )
    assert response.status_code == 201
    assert {k: response.json()[k] for k in ("from_status", "to_status", "actor", "reason")} == {
        "from_status": "under_review",
        "to_status": "implementing",
        "actor": manager.username,
        "reason": "文案需改进",
    }
    history = client.get(f"/api/rules/{rule.pk}/transitions/").json()
    assert [(t["from_status"], t["to_status"]) for t in history] == [
        ("proposed", "approved"),
        ("approved", "implementing"),
        ("implementing", "live"),
        ("live", "under_review"),
        ("under_review", "implementing"),
    ]


@pytest.mark.parametrize(
    ("status", "who", "body", "http", "code"),
    [
        ("live", "manager", {"to_status": "kept", "reason": "x"}, 400, "illegal_transition"),
        ("retired", "manager", {"to_status": "live"}, 400, "illegal_transition"),
        ("proposed", "owner", {"to_status": "approved"}, 403, "forbidden"),
        (
            "approved",
            "analyst",
            {"to_status": "implementing"},
            403,
            "permission_denied",
        ),  # role, before the rule
        ("under_review", "manager", {"to_status": "retired"}, 400, "invalid"),
        ("approved", "manager", {"to_status": "archived"}, 400, "invalid"),
    ],
)
def test_refused_moves_are_4xx_with_a_clear_message_and_change_nothing(
    api_client_for, status, who, body, http, code
):
    rule = rule_in(status)
    user = {
        "owner": rule.owner,
        "manager": user_with_role(Role.MANAGER),
        "analyst": user_with_role(Role.ANALYST),
    }[who]
    before = (rule.version, RuleTransition.objects.filter(rule=rule).count())
    response = api_client_for(user).post(f"/api/rules/{rule.pk}/transitions/", body, format="json")
    assert response.status_code == http
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    fresh = ExperienceRule.objects.get(pk=rule.pk)
    assert (fresh.status, fresh.version, RuleTransition.objects.filter(rule=rule).count()) == (
        status,
        *before,
    )


def test_the_openapi_schema_describes_the_rules_endpoints(api_client_for):
    response = api_client_for(user_with_role(Role.ANALYST)).get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/rules/{id}/transitions/" in paths
    assert set(paths["/api/rules/{id}/transitions/"]) >= {"get", "post"}
    schema = paths["/api/rules/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    component = response.json()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    assert "strategy" in component["properties"]
    assert "status" not in component["properties"]
