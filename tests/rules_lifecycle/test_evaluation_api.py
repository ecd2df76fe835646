"""Evaluation API: runs, results and the portfolio."""

from __future__ import annotations

import pytest

from cxops.roles import Role
from rules_lifecycle.models import EvaluationRun
from rules_lifecycle.scoring.synthetic import Truth
from tests.rules_lifecycle.factories import user_with_role
from tests.rules_lifecycle.test_evaluation import live_rule


@pytest.mark.django_db
def test_api_runs_results_and_portfolio(api_client_for, django_capture_on_commit_callbacks):
    rule = live_rule(days_live=70, truth=Truth(complaint_rate=-0.40))
    owner_api = api_client_for(rule.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post("/api/evaluation-runs/", {"rule": rule.pk}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["trigger"] == "on_demand"
    results = owner_api.get(f"/api/rule-evaluations/?rule={rule.pk}").json()
    items = results["results"] if isinstance(results, dict) else results
    assert items[0]["verdict"] == "keep" and len(items[0]["measures"]) == 3
    portfolio = owner_api.get("/api/evaluation-portfolio/").json()
    assert portfolio[0]["rule"] == rule.pk and portfolio[0]["q_value"] is not None
    # evaluating everything is for managers; a frontline user cannot start a run at all
    assert owner_api.post("/api/evaluation-runs/", {}, format="json").status_code in (400, 403)
    frontline = api_client_for(user_with_role(Role.FRONTLINE))
    assert frontline.post("/api/evaluation-runs/", {"rule": rule.pk}, format="json").status_code == 403
    assert EvaluationRun.objects.count() == 1
