"""Cities as the donor pool of a pilot's control (issue 17): for a rule piloted in some cities, the
control advice ranks the other cities (the rule's own products) by their pre-period fit, combines the
best with synthetic weights, shows them on the control page and the API, and the owner can adopt them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from cxops.models import Region
from cxops.roles import Role
from cxops.services.metrics import ScopeKey
from cxops.services.metrics import metric_records_apply
from rules_lifecycle.demo_evaluation import metric_records_for_series
from rules_lifecycle.scoring.synthetic import Truth
from rules_lifecycle.scoring.synthetic import scope_pair
from rules_lifecycle.selectors.controls import control_advice
from tests.factories import ProductFactory
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DRIFTING = "zhuhai"  # a city whose complaints drift away from Foshan's before go-live


def _pilot_not_yet_live(reference_data=None):
    """A rule piloted in Foshan, not live yet, with no control; 120 days of history in every city
    (shared shocks, so the cities track Foshan), Zhuhai drifting away; another product province-wide."""
    cities = list(Region.objects.filter(parent__isnull=False).order_by("sort_order"))
    foshan = next(city for city in cities if city.code == "foshan")
    product, other_product = ProductFactory(), ProductFactory()
    owner = user_with_role(Role.PRODUCT_OWNER)
    rule = make_rule(
        owner=owner, strategy=StrategyFactory(product=product), products=[product], regions=[foshan]
    )
    start = TODAY - dt.timedelta(days=120)
    rng = np.random.default_rng(11)
    shock = rng.normal(0, 0.12, 120)
    records = []
    for city in cities:
        treated, _control = scope_pair(
            rng,
            start=start,
            days=120,
            go_live=TODAY + dt.timedelta(days=30),
            truth=Truth(),
            shared_shock=shock,
        )
        if city.code == DRIFTING:
            treated.complaints[:] = np.round(treated.complaints * np.exp(np.linspace(0, 0.8, 120)))
        records += metric_records_for_series(ScopeKey(product.pk, None, None, city.pk), treated)
    _treated, elsewhere = scope_pair(
        rng, start=start, days=120, go_live=TODAY, truth=Truth(), shared_shock=shock
    )
    records += metric_records_for_series(ScopeKey(other_product.pk, None, None, None), elsewhere)
    metric_records_apply(actor=None, records=records)
    return rule, owner, foshan, other_product


def test_the_other_cities_are_the_donor_pool_ranked_by_their_pre_period_fit(reference_data):
    rule, _owner, foshan, other_product = _pilot_not_yet_live()
    advice = control_advice(rule=rule, today=TODAY)
    assert advice is not None and advice.donors == "cities"
    codes = [c.code for c in advice.candidates]
    # every other city, never the pilot's own, never another product
    others = set(
        Region.objects.filter(parent__isnull=False).exclude(pk=foshan.pk).values_list("code", flat=True)
    )
    assert set(codes) == others and len(codes) == 20
    assert all(c.region is not None and c.product is None for c in advice.candidates)
    assert other_product.code not in codes
    # the drifting city is not parallel and is ranked after every parallel one, with no weight
    drifting = next(c for c in advice.candidates if c.code == DRIFTING)
    assert drifting.fit.parallel is False and drifting.weight == 0
    assert codes.index(DRIFTING) >= sum(c.fit.parallel for c in advice.candidates)
    # the suggestion: at most five parallel cities, weights summing to one, tracking Foshan
    assert 1 <= len(advice.suggested) <= 5
    assert sum(c.weight for c in advice.suggested) == pytest.approx(1.0)
    assert all(c.fit.parallel for c in advice.suggested)
    assert advice.synthetic is not None and advice.synthetic.parallel


def test_the_control_page_and_api_show_the_cities_and_the_owner_adopts_them(reference_data, client_for):
    rule, owner, _foshan, _other = _pilot_not_yet_live()
    url = reverse("evaluation:controls", args=[rule.pk])
    client = client_for(owner)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert 'data-donor-pool="cities"' in html and f'data-candidate="{DRIFTING}"' in html and "珠海市" in html
    api = client_for(user_with_role(Role.ANALYST)).get(f"/api/rules/{rule.pk}/control-advice/").json()
    assert api["donors"] == "cities"
    assert len(api["candidates"]) == 20 and all(c["product"] is None for c in api["candidates"])
    suggested = sorted(c["region"] for c in api["candidates"] if c["weight"])
    assert suggested and DRIFTING not in suggested
    # the owner adopts the suggestion: the control becomes those cities, with the rule's own products
    response = client.post(url, {"version": rule.version})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert sorted(rule.control_regions.values_list("code", flat=True)) == suggested
    assert list(rule.control_products.all()) == []
