"""Request bodies with keys the endpoint does not accept are refused, not silently trimmed.

Each case is a request that succeeds as sent; the same request with one extra key (unknown, or a
field the client may not write: owner, state, version, counts, scores) must answer 400 naming that
key, and leave the database as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from cxops.roles import Role

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Case:
    name: str
    role: str
    method: str
    url: Callable[[Any], str]
    body: Callable[[Any, Any], dict]  # (world, api client) → a body the endpoint accepts
    refused: tuple[str, ...]
    snapshot: Callable[[], Any]


def _reports():
    from cxops.models import ExperienceReport

    return sorted(ExperienceReport.objects.values_list("pk", "status", "reporter_id", "summary"))


def _strategies():
    from proposals.models import Strategy

    return sorted(
        Strategy.objects.values_list(
            "pk", "status", "support_count", "created_by_id", "current_revision", "body"
        )
    )


def _votes():
    from proposals.models import Vote

    return sorted(Vote.objects.values_list("pk", "strategy_id", "voter_id", "choice"))


def _rules():
    from rules_lifecycle.models import ExperienceRule

    return sorted(ExperienceRule.objects.values_list("pk", "status", "version", "name"))


def _strategy_body(world, api):
    detail = api.get(f"/api/strategies/{world.objects['strategy_other'].pk}/").json()
    fields = ("title", "product", "layer", "experience_event", "strategy_text")
    return {
        **{key: detail[key] for key in fields},
        "body": "改写一句",
        "base_revision": detail["current_revision"],
    }


def _open_voting(world) -> None:
    from proposals.models import Strategy
    from proposals.models import StrategyStatus

    Strategy.objects.filter(pk=world.objects["strategy_other"].pk).update(status=StrategyStatus.VOTING)


def _rule_body(world, api):
    return {
        "name": "改个名字",
        "version": api.get(f"/api/rules/{world.objects['rule'].pk}/").json()["version"],
    }


CASES = (
    Case(
        "file a report",
        Role.FRONTLINE,
        "post",
        lambda world: "/api/reports/",
        lambda world, api: {
            "source_type": "complaint",
            "product": "fetion",
            "channel": "hotline-10086",
            "layer": "functional",
            "stage": "use",
            "summary": "飞信登录失败",
            "occurred_at": "2026-10-22T06:50:00+08:00",
        },
        ("status", "reporter", "customer_hash", "id", "colour"),
        _reports,
    ),
    Case(
        "edit a strategy page",
        Role.ANALYST,
        "put",
        lambda world: f"/api/strategies/{world.objects['strategy_other'].pk}/",
        _strategy_body,
        ("status", "support_count", "created_by", "current_revision"),
        _strategies,
    ),
    Case(
        "vote",
        Role.PRODUCT_OWNER,
        "put",
        lambda world: f"/api/strategies/{world.objects['strategy_other'].pk}/votes/",
        lambda world, api: _open_voting(world) or {"choice": "support", "reason": "值得一试"},
        ("voter", "weight"),
        _votes,
    ),
    Case(
        "edit a rule",
        Role.PRODUCT_OWNER,
        "patch",
        lambda world: f"/api/rules/{world.objects['rule'].pk}/",
        _rule_body,
        ("status", "go_live_on", "verdict", "scores", "allowed_moves"),
        _rules,
    ),
)


def _actor(world, case: Case):
    if case.role == Role.ANALYST:  # the strategy under edit is this analyst's own
        return world.others[Role.ANALYST]
    if case.role == Role.PRODUCT_OWNER and case.name == "edit a rule":
        return world.objects["rule"].owner
    return world.users[case.role]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_extra_keys_are_refused_and_nothing_changes(world, api_client_for, case):
    api = api_client_for(_actor(world, case))
    send = getattr(api, case.method)
    for key in case.refused:
        before = case.snapshot()
        body = {**case.body(world, api), key: "x" if key != "scores" else {"activity": 1}}
        response = send(case.url(world), body, format="json")
        assert response.status_code == 400, (key, response.status_code, response.content[:300])
        assert key in response.json()["error"]["fields"], key
        assert case.snapshot() == before, key
    # the same request without the extra key is accepted: the refusals above were for the key
    before = case.snapshot()
    response = send(case.url(world), case.body(world, api), format="json")
    assert response.status_code in (200, 201), response.content[:300]
    assert case.snapshot() != before


def test_a_batch_item_with_an_unknown_key_is_refused_alone(world, api_client_for):
    from cxops.models import ExperienceReport

    api = api_client_for(world.users[Role.FRONTLINE])
    good = {
        "source_type": "consultation",
        "product": "fetion",
        "channel": "hotline-10086",
        "layer": "convenience",
        "stage": "use",
        "summary": "咨询飞信开通方式",
        "occurred_at": "2026-10-22 06:50:00",
        "external_id": "B-1",
    }
    before = ExperienceReport.objects.count()
    response = api.post(
        "/api/reports/batch/", [good, {**good, "external_id": "B-2", "status": "linked"}], format="json"
    )
    results = response.json()["results"]
    assert [item["status"] for item in results] == ["created", "error"]
    assert "status" in results[1]["errors"]
    assert ExperienceReport.objects.count() == before + 1
