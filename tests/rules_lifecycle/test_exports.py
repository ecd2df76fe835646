"""Exports of strategies (tallies, status), rules (lifecycle, latest verdict) and evaluation results."""

from __future__ import annotations

import csv
import io

import pytest

from rules_lifecycle.models import EvaluationRun
from rules_lifecycle.models import RunTrigger
from rules_lifecycle.services.evaluation import evaluation_run_start
from rules_lifecycle.services.evaluation import rules_evaluate
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import rule_in

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_strategies_with_tallies_and_status_filtered(make_user, client_for):
    accepted = StrategyFactory(title="来电未接回拨提醒", support_count=7, oppose_count=2)
    StrategyFactory(title="积分到期提醒", status="rejected")
    rows = _csv(
        client_for(make_user("frontline")).get(
            "/exports/strategies.csv", {"status": "accepted"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    assert rows[0][:3] == ["id", "title", "status"]
    assert [(r[0], r[2], r[5], r[6]) for r in rows[1:]] == [(str(accepted.pk), "Accepted", "7", "2")]


def test_rules_with_lifecycle_and_latest_verdict_and_evaluations(make_user, client_for):
    live = rule_in("live")
    rule_in("proposed")
    run = evaluation_run_start(trigger=RunTrigger.SCHEDULE)
    rules_evaluate(run=run, rule_ids=[live.pk])
    client = client_for(make_user("analyst"))
    rows = _csv(client.get("/exports/rules.csv", {"status": "live"}, HTTP_ACCEPT_LANGUAGE="en"))
    header, (row,) = rows[0], rows[1:]
    values = dict(zip(header, row, strict=True))
    assert values["id"] == str(live.pk) and values["status"] == "Live"
    assert values["products"] == live.products.get().name_en
    assert values["go-live date"] == live.go_live_on.isoformat()
    evaluation = live.evaluations.get()
    assert values["latest verdict"] == evaluation.get_verdict_display()
    results = _csv(
        client.get(
            "/exports/evaluations.xlsx".replace("xlsx", "csv"), {"rule": live.pk}, HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    assert [(r[0], r[3]) for r in results[1:]] == [(str(live.pk), evaluation.get_verdict_display())]
    assert EvaluationRun.objects.count() == 1
    assert client.get("/exports/evaluations.csv", {"date_from": "bad"}).status_code == 400
