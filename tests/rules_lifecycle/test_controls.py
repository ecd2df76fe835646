"""Control suggestion: baseline fit, parallel trends and synthetic weights, on the page and API."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import statsmodels.api as sm
from django.urls import reverse
from django.utils import timezone
from scipy import optimize

from cxops.roles import Role
from cxops.services.metrics import ScopeKey
from cxops.services.metrics import metric_records_apply
from rules_lifecycle.demo_evaluation import metric_records_for_series
from rules_lifecycle.scoring import DailySeries
from rules_lifecycle.scoring.controls import baseline_fit
from rules_lifecycle.scoring.controls import synthetic_weights
from tests.factories import ProductFactory
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import user_with_role

TODAY = timezone.localdate()
HISTORY = 140


def series(rng, *, shock, level=0.002, noise=0.05, drift=0.0, users=500_000.0) -> DailySeries:
    """A scope's daily figures: its rate moves with `shock` plus its own noise and a drift."""
    days = len(shock)
    log_rate = np.log(level) + shock + rng.normal(0, noise, days) + drift * np.arange(days) / 91
    complaints = rng.poisson(users * np.exp(log_rate)).astype(float)
    return DailySeries(
        start=TODAY - dt.timedelta(days=days),
        users=np.full(days, users),
        active_users=np.full(days, users / 2),
        complaints=complaints,
        satisfaction=np.tile([5.0, 7, 16, 37, 35], (days, 1)),
    )


def test_synthetic_weights_are_the_constrained_least_squares_fit():
    # given a treated series that is truly 0.7·A + 0.3·B plus noise, and an unrelated C
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(size=(3, 120)).cumsum(axis=1)
    treated = 0.7 * a + 0.3 * b + rng.normal(0, 0.1, 120) + 5.0
    # when weights are fitted on demeaned series
    weights = synthetic_weights(treated, np.vstack([a, b, c]))
    # then they are non-negative, sum to one, recover the truth, and equal scipy's NNLS with the
    # sum-to-one constraint imposed by a heavily weighted extra row
    assert weights.min() >= 0 and weights.sum() == pytest.approx(1.0)
    assert weights == pytest.approx([0.7, 0.3, 0.0], abs=0.03)
    matrix = np.vstack([a, b, c]) - np.vstack([a, b, c]).mean(axis=1, keepdims=True)
    big = 1e4
    nnls, _ = optimize.nnls(
        np.vstack([matrix.T, big * np.ones(3)]), np.concatenate([treated - treated.mean(), [big]])
    )
    assert weights == pytest.approx(nnls, abs=1e-4)


def test_weights_are_not_fitted_on_a_baseline_too_short_to_hold_them():
    """Fitted on four weeks, weights follow those days' noise, the very days whose spread the test
    then measures: below eight weeks the controls count equally."""
    rng = np.random.default_rng(3)
    a, b, c = rng.normal(size=(3, 120)).cumsum(axis=1)
    treated = 0.7 * a + 0.3 * b + rng.normal(0, 0.1, 120)
    short = np.vstack([a, b, c])[:, :55]
    assert synthetic_weights(treated[:55], short) == pytest.approx([1 / 3] * 3)
    assert synthetic_weights(treated[:56], np.vstack([a, b, c])[:, :56]) == pytest.approx(
        [0.7, 0.3, 0.0], abs=0.1
    )


def test_the_pre_trend_is_statsmodels_ols_with_newey_west_errors():
    rng = np.random.default_rng(1)
    shock = rng.normal(0, 0.1, HISTORY)
    treated = np.log(series(rng, shock=shock).complaints / 500_000)
    drifting = np.log(series(rng, shock=shock, drift=-0.15).complaints / 500_000)
    fit = baseline_fit(treated, drifting)
    d = treated - drifting
    ols = sm.OLS(d, sm.add_constant(np.arange(HISTORY, dtype=float))).fit(
        cov_type="HAC", cov_kwds={"maxlags": 7}
    )
    assert fit.drift_per_quarter == pytest.approx(ols.params[1] * 91)
    assert fit.drift_p_value == pytest.approx(ols.pvalues[1])
    assert not fit.parallel


def rule_with_candidates(*, control: str):
    """A rule on product T not yet live, with three other products: G moves with T (same
    shocks), P does not (its own shocks, noisier), D moves with T but drifts 15 % a quarter."""
    rng = np.random.default_rng(7)
    shock = rng.normal(0, 0.12, HISTORY)
    products = {name: ProductFactory() for name in ("T", "G", "P", "D")}
    shapes = {
        "T": series(rng, shock=shock),
        "G": series(rng, shock=shock, level=0.003),
        "P": series(rng, shock=rng.normal(0, 0.12, HISTORY), noise=0.1),
        "D": series(rng, shock=shock, drift=0.15),
    }
    for name, data in shapes.items():
        key = ScopeKey(products[name].pk, None, None)
        metric_records_apply(actor=None, records=metric_records_for_series(key, data))
    owner = user_with_role(Role.PRODUCT_OWNER)
    rule = make_rule(
        owner=owner,
        strategy=StrategyFactory(product=products["T"], layer="functional"),
        layer="functional",
        products=[products["T"]],
        control_products=[products[control]],
    )
    return rule, products, owner


@pytest.mark.django_db
def test_the_suggested_control_beats_a_poor_one_and_a_drifting_control_is_flagged(client_for):
    # given a rule whose control is the drifting product D
    rule, products, owner = rule_with_candidates(control="D")
    # when anyone opens the rule's control page
    page = client_for(user_with_role(Role.ANALYST)).get(reverse("evaluation:controls", args=[rule.pk]))
    assert page.status_code == 200
    advice = page.context["advice"]
    # then the current control is flagged as not parallel, in words on the page
    assert advice["current"]["parallel"] is False
    assert "当前对照在上线前与规则范围走势不平行" in page.content.decode()
    # and the candidates are ranked parallel-first by fit: G, then P; D (drifting) last
    names = [c["code"] for c in advice["candidates"]]
    assert names[0] == products["G"].code
    assert names.index(products["G"].code) < names.index(products["P"].code) < names.index(products["D"].code)
    by_product = {c["code"]: c for c in advice["candidates"]}
    # and the suggestion leans on G, whose baseline fit beats the poor control P's
    assert (
        by_product[products["G"].code]["weight"] > by_product[products["P"].code]["weight"]
        or not by_product[products["P"].code]["weight"]
    )
    api = client_for(user_with_role(Role.ANALYST)).get(f"/api/rules/{rule.pk}/control-advice/")
    data = api.json()
    fits = {c["product"]: c["fit"] for c in data["candidates"]}
    assert fits[products["G"].code]["tracking_error"] < fits[products["P"].code]["tracking_error"]
    assert data["synthetic"]["tracking_error"] < fits[products["P"].code]["tracking_error"]
    assert data["synthetic"]["parallel"] is True and data["current"]["parallel"] is False
    assert data["improves_on_current"] is True
    assert data["donors"] == "products" and all(c["region"] is None for c in data["candidates"])


@pytest.mark.django_db
def test_the_owner_adopts_the_suggestion_before_go_live_and_nobody_else_can(client_for):
    rule, products, owner = rule_with_candidates(control="P")
    url = reverse("evaluation:controls", args=[rule.pk])
    # an analyst cannot adopt it: nothing changes
    response = client_for(user_with_role(Role.ANALYST)).post(url, {"version": rule.version})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert list(rule.control_products.all()) == [products["P"]]
    # the owner can: the control becomes the suggested products
    client = client_for(owner)
    suggested = [c["code"] for c in client.get(url).context["advice"]["candidates"] if c["weight"]]
    response = client.post(url, {"version": rule.version})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert sorted(p.code for p in rule.control_products.all()) == sorted(suggested)
    assert list(rule.control_regions.all()) == []
    assert products["G"].code in suggested and products["D"].code not in suggested
