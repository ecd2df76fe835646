"""Which control scope should a rule be measured against?  Reads for the rule's pages and API.

The donor pool depends on the rule (issue 17):

- a rule piloted in some cities: the other cities, with the rule's own products, channels and
  segments ("the same customers where the pilot does not run"), each city one donor;
- otherwise: the other products' whole-product metric scopes (what a rule's "control products"
  mean when it names no control channel or segment).

Each candidate is scored on the baseline only — before go-live, or before today for a rule not yet
live — by how closely it tracks the rule's own scope and whether it runs parallel to it
(rules_lifecycle.scoring.controls).  The best few are combined with synthetic-control weights; the
rule's current control is scored the same way, so a control that does not track, or drifts, is
flagged where the owner and the manager look.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import numpy as np

from cxops.models import MetricScope
from cxops.models import Product
from cxops.models import Region
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.scoring import Measure
from rules_lifecycle.scoring.controls import BaselineFit
from rules_lifecycle.scoring.controls import baseline_fit
from rules_lifecycle.scoring.controls import log_rate
from rules_lifecycle.scoring.controls import synthetic_weights
from rules_lifecycle.selectors.evaluation import MAX_PRE_DAYS
from rules_lifecycle.selectors.evaluation import ScopeSeries
from rules_lifecycle.selectors.evaluation import _summed
from rules_lifecycle.selectors.evaluation import metric_series_bulk
from rules_lifecycle.selectors.evaluation import rule_scope_keys

SUGGESTED = 5  # candidates combined into the synthetic control
LISTED = 8  # candidates shown (every city of a donor pool is shown: 21 at most)

CITIES, PRODUCTS = "cities", "products"


@dataclass
class Candidate:
    """One donor: another product (province-wide), or another city of a pilot's products."""

    fit: BaselineFit
    product: Product | None = None
    region: Region | None = None
    weight: float = 0.0

    @property
    def name(self) -> str:
        return self.region.name if self.region is not None else self.product.name if self.product else ""

    @property
    def code(self) -> str:
        return self.region.code if self.region is not None else self.product.code if self.product else ""


@dataclass
class ControlAdvice:
    baseline_start: dt.date
    baseline_end: dt.date  # exclusive: go-live, or today for a rule not yet live
    measure: Measure
    current: BaselineFit | None  # the rule's control as it is (None: no control, or no data)
    has_control: bool
    donors: str = PRODUCTS  # CITIES for a pilot in some cities: the other cities are the pool
    candidates: list[Candidate] = field(default_factory=list)
    synthetic: BaselineFit | None = None  # the weighted combination of the suggested candidates

    @property
    def suggested(self) -> list[Candidate]:
        return [c for c in self.candidates if c.weight > 0]

    @property
    def improves_on_current(self) -> bool:
        if self.synthetic is None:
            return False
        if self.current is None:
            return True
        return (not self.current.parallel and self.synthetic.parallel) or (
            self.synthetic.tracking_error < 0.9 * self.current.tracking_error
        )


Key = tuple[int, int | None, int | None, int | None]


def _donor_pool(
    rule: ExperienceRule, treated_keys: list[Key], scopes: dict[Key, int]
) -> tuple[str, dict[Any, list[Key]]]:
    """(kind, {donor: the scope keys it sums}) — the other cities for a city pilot, else the other
    products province-wide."""
    pilot_cities = set(rule.regions.values_list("pk", flat=True))
    if pilot_cities:
        families = sorted({key[:3] for key in treated_keys}, key=str)
        pool: dict[Any, list[Key]] = {}
        for city in Region.objects.filter(parent__isnull=False, is_active=True).exclude(pk__in=pilot_cities):
            keys: list[Key] = [(*family, city.pk) for family in families]
            if all(key in scopes for key in keys):
                pool[city] = keys
        return CITIES, pool
    treated_products = {key[0] for key in treated_keys}
    products = Product.objects.in_bulk(
        [
            product
            for (product, channel, segment, region) in scopes
            if channel is None and segment is None and region is None and product not in treated_products
        ]
    )
    return PRODUCTS, {product: [(product.pk, None, None, None)] for product in products.values()}


def control_advice(*, rule: ExperienceRule, today: dt.date) -> ControlAdvice | None:
    """The current control's baseline fit and the suggested controls (None: no treated data)."""
    end = rule.go_live_on or today
    start = end - dt.timedelta(days=MAX_PRE_DAYS)
    measure = Measure(rule.primary_measure)
    treated_keys, control_keys = rule_scope_keys(rule)
    scopes: dict[Key, int] = {
        (product, channel, segment, region): pk
        for pk, product, channel, segment, region in MetricScope.objects.values_list(
            "pk", "product_id", "channel_id", "segment_id", "region_id"
        )
    }
    if not all(k in scopes for k in treated_keys):
        return None
    donors, pool = _donor_pool(rule, treated_keys, scopes)
    wanted = {scopes[k] for keys in pool.values() for k in keys}
    wanted |= {scopes[k] for k in (*treated_keys, *control_keys) if k in scopes}
    series = metric_series_bulk(scope_ids=wanted, start=start, end=end - dt.timedelta(days=1))
    days = (end - start).days

    def combined(keys: list[Key]) -> np.ndarray | None:
        parts: list[ScopeSeries] = [series[scopes[k]] for k in keys if k in scopes and scopes[k] in series]
        if len(parts) != len(keys) or not parts:
            return None
        summed = _summed(parts, 0, days, start)
        return log_rate(summed, measure) if summed is not None else None

    treated = combined(treated_keys)
    if treated is None or np.isfinite(treated).sum() < 14:
        return None
    worthwhile = rule.minimum_worthwhile_effect
    current_rate = combined(control_keys) if control_keys else None
    advice = ControlAdvice(
        baseline_start=start,
        baseline_end=end,
        measure=measure,
        current=baseline_fit(treated, current_rate, worthwhile=worthwhile)
        if current_rate is not None
        else None,
        has_control=bool(control_keys),
        donors=donors,
    )
    rates: dict[int, np.ndarray] = {}  # id(candidate) → its log rate
    for donor, keys in pool.items():
        rate = combined(keys)
        if rate is None or np.isfinite(rate).sum() < 14:
            continue
        fit = baseline_fit(treated, rate, worthwhile=worthwhile)
        if fit is not None:
            candidate = (
                Candidate(fit=fit, region=donor) if donors == CITIES else Candidate(fit=fit, product=donor)
            )
            rates[id(candidate)] = rate
            advice.candidates.append(candidate)
    # Parallel first, then the closest trackers.
    advice.candidates.sort(key=lambda c: (not c.fit.parallel, c.fit.tracking_error, c.code))
    if donors == PRODUCTS:
        advice.candidates = advice.candidates[:LISTED]
    pool_fitted = [c for c in advice.candidates if c.fit.parallel][:SUGGESTED]
    if pool_fitted:
        matrix = np.vstack([rates[id(c)] for c in pool_fitted])
        weights = synthetic_weights(treated, matrix)
        for candidate, weight in zip(pool_fitted, weights, strict=True):
            candidate.weight = float(weight) if weight > 0.005 else 0.0
        kept = [c for c in pool_fitted if c.weight > 0]
        total = sum(c.weight for c in kept)
        for candidate in kept:
            candidate.weight /= total
        synthetic = sum(c.weight * rates[id(c)] for c in kept)
        advice.synthetic = baseline_fit(treated, np.asarray(synthetic), worthwhile=worthwhile)
    return advice
