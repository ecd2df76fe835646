"""Which control scope should a rule be measured against?  Reads for the rule's pages and API.

Candidates are the other products' whole-product metric scopes (what a rule's "control
products" mean when it names no control channel or segment).  Each is scored on the baseline
only — before go-live, or before today for a rule not yet live — by how closely it tracks the
rule's own scope and whether it runs parallel to it (rules_lifecycle.scoring.controls).  The
best few are combined with synthetic-control weights; the rule's current control is scored the
same way, so a control that does not track, or drifts, is flagged where the owner and the
manager look.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from cxops.models import MetricScope, Product
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.scoring import Measure
from rules_lifecycle.scoring.controls import BaselineFit, baseline_fit, log_rate, synthetic_weights
from rules_lifecycle.selectors.evaluation import (
    MAX_PRE_DAYS,
    ScopeSeries,
    _summed,
    metric_series_bulk,
    rule_scope_keys,
)

SUGGESTED = 5  # candidates combined into the synthetic control
LISTED = 8  # candidates shown


@dataclass
class Candidate:
    product: Product
    fit: BaselineFit
    weight: float = 0.0


@dataclass
class ControlAdvice:
    baseline_start: dt.date
    baseline_end: dt.date  # exclusive: go-live, or today for a rule not yet live
    measure: Measure
    current: BaselineFit | None  # the rule's control as it is (None: no control, or no data)
    has_control: bool
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


def control_advice(*, rule: ExperienceRule, today: dt.date) -> ControlAdvice | None:
    """The current control's baseline fit and the suggested controls (None: no treated data)."""
    end = rule.go_live_on or today
    start = end - dt.timedelta(days=MAX_PRE_DAYS)
    measure = Measure(rule.primary_measure)
    treated_keys, control_keys = rule_scope_keys(rule)
    treated_products = {key[0] for key in treated_keys}
    scopes = dict(
        ((product, channel, segment, region), pk)
        for pk, product, channel, segment, region in MetricScope.objects.values_list(
            "pk", "product_id", "channel_id", "segment_id", "region_id"
        )
    )
    # other products, province-wide (a pilot's control cities are set on the rule itself)
    candidate_scopes = {
        product: pk
        for (product, channel, segment, region), pk in scopes.items()
        if channel is None and segment is None and region is None and product not in treated_products
    }
    wanted = set(candidate_scopes.values())
    wanted |= {scopes[k] for k in (*treated_keys, *control_keys) if k in scopes}
    if not all(k in scopes for k in treated_keys):
        return None
    series = metric_series_bulk(scope_ids=wanted, start=start, end=end - dt.timedelta(days=1))
    days = (end - start).days

    def combined(keys: list[tuple[int, int | None, int | None, int | None]]) -> np.ndarray | None:
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
    )
    rates: dict[int, np.ndarray] = {}
    for product_id, scope_id in candidate_scopes.items():
        if scope_id not in series:
            continue
        rate = combined([(product_id, None, None, None)])
        if rate is None or np.isfinite(rate).sum() < 14:
            continue
        fit = baseline_fit(treated, rate, worthwhile=worthwhile)
        if fit is not None:
            rates[product_id] = rate
            advice.candidates.append(Candidate(product=Product(pk=product_id), fit=fit))
    # Parallel first, then the closest trackers.
    advice.candidates.sort(key=lambda c: (not c.fit.parallel, c.fit.tracking_error))
    advice.candidates = advice.candidates[:LISTED]
    products = Product.objects.in_bulk([c.product.pk for c in advice.candidates])
    for candidate in advice.candidates:
        candidate.product = products[candidate.product.pk]
    pool = [c for c in advice.candidates if c.fit.parallel][:SUGGESTED]
    if pool:
        matrix = np.vstack([rates[c.product.pk] for c in pool])
        weights = synthetic_weights(treated, matrix)
        for candidate, weight in zip(pool, weights, strict=True):
            candidate.weight = float(weight) if weight > 0.005 else 0.0
        kept = [c for c in pool if c.weight > 0]
        total = sum(c.weight for c in kept)
        for candidate in kept:
            candidate.weight /= total
        synthetic = sum(c.weight * rates[c.product.pk] for c in kept)
        advice.synthetic = baseline_fit(treated, np.asarray(synthetic), worthwhile=worthwhile)
    return advice
