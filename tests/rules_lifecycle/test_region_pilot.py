"""Rules by region (issue 17): a pilot in one city evaluated against the other cities as donors of a
synthetic control, metric data by city (the province's figure never stored twice), and a rule's
cities in and out of the API."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from cxops.models import Region
from cxops.roles import Role
from cxops.services.metrics import ReferenceLookup
from cxops.services.metrics import ScopeKey
from cxops.services.metrics import metric_record_parse
from cxops.services.metrics import metric_records_apply
from rules_lifecycle.demo_evaluation import metric_records_for_series
from rules_lifecycle.models import RuleEvaluation
from rules_lifecycle.scoring.synthetic import Truth
from rules_lifecycle.scoring.synthetic import scope_pair
from rules_lifecycle.selectors.evaluation import evaluation_inputs
from rules_lifecycle.selectors.evaluation import rule_scope_keys
from rules_lifecycle.services.evaluation import evaluation_run_start
from rules_lifecycle.services.evaluation import rules_evaluate
from rules_lifecycle.transitions import rule_transition
from tests.factories import ProductFactory
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _cities() -> tuple[Region, list[Region]]:
    cities = list(Region.objects.filter(parent__isnull=False).order_by("sort_order"))
    foshan = next(city for city in cities if city.code == "foshan")
    return foshan, [city for city in cities if city != foshan]


def _pilot(truth: Truth, *, days_live: int = 70):
    foshan, others = _cities()
    product = ProductFactory()
    owner, manager = user_with_role(Role.PRODUCT_OWNER), user_with_role(Role.MANAGER)
    rule = make_rule(
        owner=owner,
        strategy=StrategyFactory(product=product),
        products=[product],
        regions=[foshan],
        control_regions=others,
    )
    go_live_at = timezone.now() - dt.timedelta(days=days_live)
    rule_transition(
        rule=rule, to_status="approved", actor=manager, occurred_at=go_live_at - dt.timedelta(days=2)
    )
    rule_transition(
        rule=rule, to_status="implementing", actor=owner, occurred_at=go_live_at - dt.timedelta(days=1)
    )
    rule_transition(rule=rule, to_status="live", actor=owner, occurred_at=go_live_at)
    rule.refresh_from_db()
    start = rule.go_live_on - dt.timedelta(days=rule.pre_window_days)
    rng = np.random.default_rng(5)
    shock = rng.normal(0, 0.1, (TODAY - start).days)
    records = []
    for index, city in enumerate([foshan, *others]):
        treated, control = scope_pair(
            rng,
            start=start,
            days=(TODAY - start).days,
            go_live=rule.go_live_on,
            truth=truth,
            shared_shock=shock,
        )
        series = treated if index == 0 else control
        records += metric_records_for_series(ScopeKey(product.pk, None, None, city.pk), series)
    metric_records_apply(actor=None, records=records)
    return rule, product, foshan, others


def test_a_foshan_pilot_is_evaluated_against_the_other_twenty_cities():
    # given a rule piloted in Foshan that truly cut complaints by 40 %, the other cities as controls
    rule, _product, foshan, others = _pilot(Truth(complaint_rate=-0.40))
    treated_keys, control_keys = rule_scope_keys(rule)
    assert [key[3] for key in treated_keys] == [foshan.pk]
    assert sorted(key[3] for key in control_keys) == sorted(city.pk for city in others)
    (inputs,) = evaluation_inputs(rule_ids=[rule.pk], as_of=TODAY)
    assert len(inputs.control_scope_ids) == 20 and inputs.control is not None
    # when it is scored
    run = evaluation_run_start(trigger="schedule", run_on=TODAY)
    assert rules_evaluate(run=run, rule_ids=[rule.pk]) == 1
    # then the verdict is keep, the lift near the truth, with a control
    evaluation = RuleEvaluation.objects.get(rule=rule, run=run)
    assert evaluation.has_control and evaluation.verdict == "keep"
    assert -0.55 < evaluation.primary_lift < -0.25


def test_a_pilot_without_an_effect_is_not_kept():
    rule, *_ = _pilot(Truth())
    run = evaluation_run_start(trigger="schedule", run_on=TODAY)
    rules_evaluate(run=run, rule_ids=[rule.pk])
    assert RuleEvaluation.objects.get(rule=rule, run=run).verdict != "keep"


def test_control_cities_are_cities_the_pilot_does_not_run_in():
    foshan, others = _cities()
    from cxops.errors import ApplicationError

    with pytest.raises((ApplicationError, Exception)) as refused:
        make_rule(products=[ProductFactory()], regions=[foshan], control_regions=[foshan, others[0]])
    assert "Control cities" in str(refused.value) or "对照" in str(refused.value)


def test_a_day_is_stored_for_the_province_or_by_city_never_both(reference_data):
    product = reference_data["products"]["fetion"]
    lookup = ReferenceLookup()
    day = TODAY - dt.timedelta(days=3)
    city_rows = [
        metric_record_parse(
            {"date": day.isoformat(), "product": "fetion", "region": code, "users": 100}, lookup=lookup
        )
        for code in ("foshan", "guangzhou")
    ]
    assert metric_records_apply(actor=None, records=city_rows).created == 2
    province = metric_record_parse(
        {"date": day.isoformat(), "product": "fetion", "users": 200}, lookup=lookup
    )
    result = metric_records_apply(actor=None, records=[province])
    assert result.created == 0 and 0 in result.rejected
    other_day = metric_record_parse(
        {"date": (day - dt.timedelta(days=1)).isoformat(), "product": "fetion", "users": 200}, lookup=lookup
    )
    assert metric_records_apply(actor=None, records=[other_day]).created == 1
    city_that_day = metric_record_parse(
        {
            "date": (day - dt.timedelta(days=1)).isoformat(),
            "product": "fetion",
            "region": "shenzhen",
            "users": 9,
        },
        lookup=lookup,
    )
    assert 0 in metric_records_apply(actor=None, records=[city_that_day]).rejected
    with pytest.raises(Exception, match="atlantis"):
        metric_record_parse(
            {"date": day.isoformat(), "product": "fetion", "region": "atlantis", "users": 1}, lookup=lookup
        )
    assert product.pk


def test_the_api_takes_and_gives_a_rules_cities_and_metric_rows_by_city(api_client_for, reference_data):
    manager = user_with_role(Role.MANAGER)
    rule = make_rule(
        products=[reference_data["products"]["fetion"]],
        regions=[Region.objects.get(code="foshan")],
        control_regions=[Region.objects.get(code="dongguan")],
    )
    body = api_client_for(manager).get(f"/api/rules/{rule.pk}/").json()
    assert (body["regions"], body["control_regions"]) == (["foshan"], ["dongguan"])
    analyst = user_with_role(Role.ANALYST)
    day = (TODAY - dt.timedelta(days=2)).isoformat()
    sent = api_client_for(analyst).post(
        "/api/metrics/batch/",
        {"records": [{"date": day, "product": "fetion", "region": "foshan", "users": 10, "complaints": 1}]},
        format="json",
    )
    assert sent.status_code == 200 and sent.json()["created"] == 1, sent.json()
    series = (
        api_client_for(analyst)
        .get(f"/api/metrics/series/?product=fetion&region=foshan&start={day}&end={day}")
        .json()
    )
    assert series["scope"]["region"] == "foshan" and series["users"] == [10]


def test_the_rule_page_shows_the_pilot_and_control_cities_and_the_form_offers_them(client_for):
    rule, _product, _foshan, _others = _pilot(Truth(complaint_rate=-0.40), days_live=20)
    manager = user_with_role(Role.MANAGER)
    page = client_for(manager).get(f"/rules/{rule.pk}/").content.decode()
    assert "佛山市" in page and "东莞市" in page and "地市" in page
    draft = make_rule(products=[ProductFactory()])
    form = client_for(manager).get(f"/rules/{draft.pk}/edit/").content.decode()
    assert 'name="regions"' in form and 'name="control_regions"' in form
