"""Reads for evaluations: the scoring inputs of many rules in bulk, the review page (latest
verdict per rule with the portfolio's false discovery rate), a rule's evaluation page (history
and charts) and the rule timeline's evaluation entries.

Scoring inputs are loaded per batch of rules with a fixed number of queries (rules with their
scopes, the metric scopes, one series query), never per rule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Count
from django.db.models import OuterRef
from django.db.models import QuerySet
from django.db.models import Subquery

from cxops.models import MetricDaily
from cxops.models import MetricScope
from rules_lifecycle.models import EvaluationRun
from rules_lifecycle.models import EvaluationVerdict
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleEvaluation
from rules_lifecycle.models import RuleStatus
from rules_lifecycle.scoring import DailySeries
from rules_lifecycle.scoring import Design
from rules_lifecycle.scoring import Measure
from rules_lifecycle.scoring import portfolio_fdr
from rules_lifecycle.scoring.controls import log_rate
from rules_lifecycle.scoring.controls import synthetic_weights
from rules_lifecycle.scoring.controls import weighted_control

# Bump when the scoring changes what it computes: stored fingerprints then no longer match and
# the next run re-scores every rule.
SCORING_VERSION = "2026-12-07.3"
# The baseline is the longest clean run of whole weeks the history holds before go-live, from
# the rule's pre_window_days up to half a year.
MAX_PRE_DAYS = 182
# Rules the daily run scores: running ones.  Kept rules stay watched (用进废退 is not one-off).
EVALUATED_STATUSES = (RuleStatus.LIVE, RuleStatus.UNDER_REVIEW, RuleStatus.KEPT)
# The review page lists every rule the run scores: live and under review, and kept rules too,
# because a kept rule that stops working must show up where the manager looks.
REVIEW_STATUSES = EVALUATED_STATUSES
# The rule columns a design needs (a batch loads only these).
DESIGN_COLUMNS = (
    "go_live_on",
    "layer",
    "pre_window_days",
    "burn_in_days",
    "post_window_days",
    "minimum_worthwhile_effect",
    "guardrail_margin",
    "review_due_on",
)


# --- scoring inputs --------------------------------------------------------------------------


@dataclass
class RuleInputs:
    rule_id: int
    design: Design
    treated: DailySeries
    control: DailySeries | None
    fingerprint: str
    treated_scope_ids: list[int] = field(default_factory=list)
    control_scope_ids: list[int] = field(default_factory=list)


ScopeKey = tuple[int, int | None, int | None, int | None]  # product, channel, segment, city

SERIES_COLUMNS = ("users", "active_users", "complaints", "satisfaction_scale")
LEVEL_COLUMNS = tuple(f"satisfaction_{level}" for level in range(1, 11))


@dataclass
class ScopeSeries:
    """One scope's scoring columns on a full calendar (NaN = not reported)."""

    values: dict[str, np.ndarray]
    satisfaction: np.ndarray  # (days, 10) respondents per level


def metric_series_bulk(*, scope_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, ScopeSeries]:
    """The scoring columns of many scopes from `start` to `end` inclusive, in one query.

    The same numbers as `cxops.selectors.metrics.metric_daily_series`, read without building a
    Python object per row: the database returns each row's day offset and plain numbers, and
    numpy places them in one block.  At 10,000 rules that read is most of a run's time, and the
    per-row loop of the general selector (dates, converters) tripled it.
    """
    ids = sorted(set(scope_ids))
    days = (end - start).days + 1
    block = np.full((len(ids), days, len(SERIES_COLUMNS) + len(LEVEL_COLUMNS)), np.nan)
    if not ids or days <= 0:
        return {}
    table = connection.ops.quote_name(MetricDaily._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in (*SERIES_COLUMNS, *LEVEL_COLUMNS))
    params: list[Any]
    if connection.vendor == "postgresql":
        offset, in_ids, params = "(day - %s::date)", "scope_id = ANY(%s)", [start, ids]
    else:
        offset = "CAST(julianday(day) - julianday(%s) AS INTEGER)"
        in_ids = "scope_id IN (" + ", ".join(["%s"] * len(ids)) + ")"
        params = [start.isoformat(), *ids]
    sql = (
        f"SELECT scope_id, {offset}, {columns} FROM {table} "  # noqa: S608 — names are quoted model metadata
        f"WHERE {in_ids} AND day >= %s AND day <= %s"
    )
    bounds: list[Any] = (
        [start, end] if connection.vendor == "postgresql" else [start.isoformat(), end.isoformat()]
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *bounds])
        rows = cursor.fetchall()
    if rows:
        data = np.array(rows, dtype=float)
        position = np.searchsorted(np.array(ids), data[:, 0].astype(np.int64))
        block[position, data[:, 1].astype(np.int64)] = data[:, 2:]
    n = len(SERIES_COLUMNS)
    return {
        scope_id: ScopeSeries(
            values={column: block[i, :, k] for k, column in enumerate(SERIES_COLUMNS)},
            satisfaction=block[i, :, n:],
        )
        for i, scope_id in enumerate(ids)
    }


RELATIONS = (
    "products",
    "channels",
    "segments",
    "regions",
    "control_products",
    "control_channels",
    "control_segments",
    "control_regions",
)
TARGET_COLUMN = {
    "products": "product_id",
    "channels": "channel_id",
    "segments": "segment_id",
    "regions": "region_id",
}


def _scope_relations(rule_ids: Sequence[int]) -> dict[str, dict[int, list[int]]]:
    """relation name → rule id → related ids, from the six many-to-many tables (ids only)."""
    out: dict[str, dict[int, list[int]]] = {}
    for name in RELATIONS:
        through = getattr(ExperienceRule, name).through
        column = TARGET_COLUMN[name.removeprefix("control_")]
        by_rule: dict[int, list[int]] = {}
        for rule_id, target_id in (
            through.objects.filter(experiencerule_id__in=list(rule_ids))
            .order_by(column)
            .values_list("experiencerule_id", column)
        ):
            by_rule.setdefault(rule_id, []).append(target_id)
        out[name] = by_rule
    return out


def _scope_keys(
    products: Sequence[int], channels: Sequence[int], segments: Sequence[int], regions: Sequence[int] = ()
) -> list[ScopeKey]:
    channel_ids: list[int | None] = list(channels) or [None]
    segment_ids: list[int | None] = list(segments) or [None]
    region_ids: list[int | None] = list(regions) or [None]
    return [(p, c, s, r) for p in products for c in channel_ids for s in segment_ids for r in region_ids]


def _keys_for(
    relations: dict[str, dict[int, list[int]]], rule_id: int
) -> tuple[list[ScopeKey], list[ScopeKey]]:
    """The metric scopes a rule touches (T) and its control (C; empty: pre/post only).

    Empty channels / segments mean "all of them" (the scope with NULL there).  A control that
    names only channels or segments keeps the rule's own products: "the same products, through
    channels the rule does not touch".  Cities (issue 17): a pilot's treated scope is its cities'
    (none: the province as stored); control cities keep the rule's products, channels and segments
    ("the same customers in cities the pilot does not reach"), each city one donor of the synthetic
    control; a control of products, channels or segments stays in the pilot's cities.
    """
    ids = {name: relations[name].get(rule_id, []) for name in RELATIONS}
    treated = _scope_keys(ids["products"], ids["channels"], ids["segments"], ids["regions"])
    if not (
        ids["control_products"]
        or ids["control_channels"]
        or ids["control_segments"]
        or ids["control_regions"]
    ):
        return treated, []
    if ids["control_regions"] and not (
        ids["control_products"] or ids["control_channels"] or ids["control_segments"]
    ):
        return treated, _scope_keys(ids["products"], ids["channels"], ids["segments"], ids["control_regions"])
    control = _scope_keys(
        ids["control_products"] or ids["products"],
        ids["control_channels"],
        ids["control_segments"],
        ids["control_regions"] or ids["regions"],
    )
    return treated, control


def rule_scope_keys(rule: ExperienceRule) -> tuple[list[ScopeKey], list[ScopeKey]]:
    return _keys_for(_scope_relations([rule.pk]), rule.pk)


def rule_design(rule: ExperienceRule, as_of: dt.date) -> Design:
    """The rule's evaluation design as of a day.  Precondition: the rule has gone live."""
    if rule.go_live_on is None:
        raise ValueError("a rule is evaluated only after it has gone live")
    primary = Measure(rule.primary_measure)
    return Design(
        go_live=rule.go_live_on,
        as_of=as_of,
        primary=primary,
        pre_days=rule.pre_window_days,
        max_pre_days=max(rule.pre_window_days, MAX_PRE_DAYS),
        burn_in_days=rule.burn_in_days,
        min_post_days=rule.post_window_days,
        # the plan's last look: the last whole week of post data by the default review date
        # (scoring.types.Design.last_post_days), or the rule's own post window if longer
        max_post_days=None,
        minimum_worthwhile_effect=rule.minimum_worthwhile_effect,
        guardrail_margins={m: rule.guardrail_margin for m in Measure if m != primary},
        review_date=rule.review_due_on,
    )


def _summed(series: list[ScopeSeries], first: int, last: int, start: dt.date) -> DailySeries | None:
    """Sum of scopes' daily figures (a day missing in any scope stays missing) as DailySeries."""
    if not series:
        return None
    users = sum(s.values["users"][first:last] for s in series)
    active = sum(s.values["active_users"][first:last] for s in series)
    complaints = sum(s.values["complaints"][first:last] for s in series)
    scales = np.concatenate([s.values["satisfaction_scale"][first:last] for s in series])
    scale = int(np.nanmax(scales)) if np.isfinite(scales).any() else 5
    histogram = sum(np.nan_to_num(s.satisfaction[first:last, :scale]) for s in series)
    return DailySeries(
        start=start,
        users=np.asarray(users, dtype=float),
        active_users=np.asarray(active, dtype=float),
        complaints=np.asarray(complaints, dtype=float),
        satisfaction=np.asarray(histogram, dtype=float),
        levels=tuple(range(1, scale + 1)),
    )


def _synthetic_control(
    series: list[ScopeSeries], treated: DailySeries, design: Design, first: int, last: int
) -> DailySeries | None:
    """Several control scopes as one: weights fitted on the baseline to the treated scope's
    primary measure (non-negative, summing to one; scoring.controls), so the combination tracks
    the rule's scope as closely as the history allows.  The baseline does not change after
    go-live, so every look of the plan gets the same weights."""
    parts = [_summed([one], first, last, design.pre_start) for one in series]
    if any(part is None for part in parts):
        return None
    scopes = [part for part in parts if part is not None]
    if len({part.satisfaction.shape for part in scopes}) > 1:
        return _summed(series, first, last, design.pre_start)  # survey scales differ: plain sum
    go_live = treated.index_of(design.go_live)
    target = log_rate(treated, design.primary)[:go_live]
    matrix = np.vstack([log_rate(part, design.primary)[:go_live] for part in scopes])
    weights = synthetic_weights(target, matrix)
    return weighted_control(scopes, weights)


def _fingerprint(design: Design, treated: DailySeries, control: DailySeries | None) -> str:
    digest = hashlib.sha256(SCORING_VERSION.encode())
    digest.update(repr(sorted((k, repr(v)) for k, v in design.__dict__.items() if k != "as_of")).encode())
    # The post window in days is what as_of decides; the same data with one more day is new input.
    digest.update(str(design.post_days_available).encode())
    for series in (treated, control):
        if series is None:
            digest.update(b"no control")
            continue
        for array in (series.users, series.active_users, series.complaints, series.satisfaction):
            digest.update(np.ascontiguousarray(np.nan_to_num(array, nan=-1.0)).tobytes())
    return digest.hexdigest()


def evaluation_inputs(*, rule_ids: Sequence[int], as_of: dt.date) -> list[RuleInputs]:
    """Designs and daily series of these rules (those that have gone live), in bulk."""
    rules = list(
        ExperienceRule.objects.filter(pk__in=list(rule_ids), go_live_on__isnull=False)
        .only(*DESIGN_COLUMNS)
        .order_by("pk")
    )
    if not rules:
        return []
    designs = {rule.pk: rule_design(rule, as_of) for rule in rules}
    relations = _scope_relations([rule.pk for rule in rules])
    keys = {rule.pk: _keys_for(relations, rule.pk) for rule in rules}
    product_ids = {key[0] for treated, control in keys.values() for key in (*treated, *control)}
    scope_ids: dict[ScopeKey, int] = {
        (product, channel, segment, region): pk
        for pk, product, channel, segment, region in MetricScope.objects.filter(
            product_id__in=product_ids
        ).values_list("pk", "product_id", "channel_id", "segment_id", "region_id")
    }
    start = min(d.pre_start for d in designs.values())
    end = max(d.post_start + dt.timedelta(days=max(d.post_days_available, 1)) for d in designs.values())
    end = min(end, as_of) - dt.timedelta(days=1)
    wanted = {scope_ids[k] for pair in keys.values() for k in (*pair[0], *pair[1]) if k in scope_ids}
    series = metric_series_bulk(scope_ids=wanted, start=start, end=max(end, start)) if wanted else {}
    n_days = (max(end, start) - start).days + 1

    def empty(first_day: dt.date, days: int) -> DailySeries:
        nan = np.full(days, np.nan)
        return DailySeries(first_day, nan, nan, nan, np.zeros((days, 5)))

    out = []
    for rule in rules:
        design = designs[rule.pk]
        rule_end = min(design.post_start + dt.timedelta(days=design.post_days_available), as_of)
        first = (design.pre_start - start).days
        last = min(n_days, max(first + 1, (rule_end - start).days))
        days = last - first
        treated_keys, control_keys = keys[rule.pk]
        # A scope with no metric rows at all is missing data for every day: the sum stays NaN.
        treated_ids = [scope_ids.get(k) for k in treated_keys]
        control_ids = [scope_ids.get(k) for k in control_keys]
        summed = None
        if treated_ids and None not in treated_ids:
            summed = _summed([series[i] for i in treated_ids if i is not None], first, last, design.pre_start)
        treated = summed or empty(design.pre_start, days)
        control: DailySeries | None = None
        if control_keys:
            if None in control_ids:
                control = empty(design.pre_start, days)
            elif len(control_ids) > 1 and summed is not None:
                control = _synthetic_control(
                    [series[i] for i in control_ids if i is not None], summed, design, first, last
                )
            else:
                control = _summed(
                    [series[i] for i in control_ids if i is not None], first, last, design.pre_start
                )
            if control is not None and control.satisfaction.shape[1] != treated.satisfaction.shape[1]:
                # Different survey scales: mean scores are not comparable, so no control responses.
                control = DailySeries(
                    control.start,
                    control.users,
                    control.active_users,
                    control.complaints,
                    np.zeros_like(treated.satisfaction),
                    treated.levels,
                )
        out.append(
            RuleInputs(
                rule_id=rule.pk,
                design=design,
                treated=treated,
                control=control,
                fingerprint=_fingerprint(design, treated, control),
                treated_scope_ids=[i for i in treated_ids if i is not None],
                control_scope_ids=[i for i in control_ids if i is not None],
            )
        )
    return out


def evaluable_rule_ids() -> list[int]:
    """Running rules, ordered by go-live so that batches share date ranges."""
    return list(
        ExperienceRule.objects.filter(status__in=EVALUATED_STATUSES, go_live_on__isnull=False)
        .order_by("go_live_on", "pk")
        .values_list("pk", flat=True)
    )


def previous_retire_streaks(*, rule_ids: Sequence[int], before: dt.date) -> dict[int, tuple[int, int | None]]:
    """Each rule's consecutive-retire count (in looks) and post window as of its latest
    evaluation before `before`."""
    latest = RuleEvaluation.objects.filter(rule_id=OuterRef("pk"), run_on__lt=before).order_by(
        "-run_on", "-id"
    )
    rows = ExperienceRule.objects.filter(pk__in=list(rule_ids)).annotate(
        streak=Subquery(latest.values("retire_streak")[:1]),
        post_days=Subquery(latest.values("post_days")[:1]),
    )
    return {
        pk: (streak or 0, post_days)
        for pk, streak, post_days in rows.values_list("pk", "streak", "post_days")
    }


# --- the review page -------------------------------------------------------------------------


@dataclass
class PortfolioRow:
    rule: ExperienceRule
    evaluation: RuleEvaluation | None
    discovery: bool = False
    q_value: float | None = None
    presented: list[dict[str, Any]] = field(default_factory=list)  # filled by the page
    q_text: str = ""
    headline: str = ""  # filled by the page

    @property
    def measures(self) -> list[dict[str, Any]]:
        return self.evaluation.measures if self.evaluation else []


SORTS = {
    "rule": lambda row: (row.rule.name,),
    "verdict": lambda row: (
        _VERDICT_ORDER.get(row.evaluation.verdict if row.evaluation else "", 9),
        row.rule.name,
    ),
    "lift": lambda row: (_benefit(row) is None, -(_benefit(row) or 0.0)),
    "go_live": lambda row: (row.rule.go_live_on or dt.date.min,),
    "q": lambda row: (row.q_value is None, row.q_value or 0.0),
}
_VERDICT_ORDER: dict[str, int] = {"retire": 0, "improve": 1, "undecided": 2, "keep": 3}


def _benefit(row: PortfolioRow) -> float | None:
    """The primary lift turned so that bigger is better (complaints down is good)."""
    ev = row.evaluation
    if ev is None or ev.primary_lift is None:
        return None
    return -ev.primary_lift if ev.primary_measure == Measure.COMPLAINT_RATE else ev.primary_lift


def latest_evaluations(rule_ids: Iterable[int]) -> dict[int, RuleEvaluation]:
    latest_id = (
        RuleEvaluation.objects.filter(rule_id=OuterRef("rule_id")).order_by("-run_on", "-id").values("id")[:1]
    )
    rows = RuleEvaluation.objects.filter(rule_id__in=list(rule_ids), id=Subquery(latest_id)).select_related(
        "run"
    )
    return {row.rule_id: row for row in rows}


def evaluation_portfolio(
    *,
    statuses: Sequence[str] = REVIEW_STATUSES,
    verdict: str = "",
    measure: str = "",
    product: str = "",
    flagged: bool = False,
    sort: str = "verdict",
    descending: bool = False,
) -> list[PortfolioRow]:
    """Rules with their latest evaluation; Benjamini–Hochberg across every listed rule's primary
    (Holm-adjusted) p-value, computed before filtering so a filter never changes a q-value."""
    rules: QuerySet[ExperienceRule] = (
        ExperienceRule.objects.filter(status__in=list(statuses))
        .select_related("owner")
        .prefetch_related("products")
        .order_by("name", "pk")
    )
    rule_list = list(rules)
    latest = latest_evaluations(r.pk for r in rule_list)
    rows = [PortfolioRow(rule=r, evaluation=latest.get(r.pk)) for r in rule_list]
    fdr = portfolio_fdr([row.evaluation.primary_p_adjusted if row.evaluation else None for row in rows])
    for row, (discovery, q) in zip(rows, fdr, strict=True):
        row.discovery, row.q_value = discovery, q
    if verdict:
        rows = [r for r in rows if r.evaluation and r.evaluation.verdict == verdict]
    if measure:
        rows = [r for r in rows if r.rule.primary_measure == measure]
    if product:
        rows = [r for r in rows if any(p.code == product for p in r.rule.products.all())]
    if flagged:
        rows = [
            r
            for r in rows
            if r.evaluation and (r.evaluation.flagged_for_retirement or r.evaluation.no_measurable_effect)
        ]
    rows.sort(key=SORTS.get(sort, SORTS["verdict"]), reverse=descending)
    return rows


def portfolio_summary(rows: Sequence[PortfolioRow]) -> dict[str, int]:
    counts = {v: 0 for v in EvaluationVerdict.values}
    counts["not_evaluated"] = 0
    for row in rows:
        counts[row.evaluation.verdict if row.evaluation else "not_evaluated"] += 1
    counts["discoveries"] = sum(1 for row in rows if row.discovery)
    counts["flagged"] = sum(1 for row in rows if row.evaluation and row.evaluation.flagged_for_retirement)
    return counts


# --- one rule's evaluation page -----------------------------------------------------------------


def rule_evaluation_history(*, rule: ExperienceRule, limit: int = 60) -> list[RuleEvaluation]:
    return list(rule.evaluations.select_related("run").order_by("-run_on", "-id")[:limit])


def rule_evaluation_charts(*, rule: ExperienceRule, as_of: dt.date) -> dict[str, Any] | None:
    """Daily treated and control figures per measure around go-live, with the windows (plain,
    JSON-ready data; `rules_lifecycle.presenters.evaluation_chart_data` labels it for the page).
    None before go-live."""
    if rule.go_live_on is None:
        return None
    inputs = evaluation_inputs(rule_ids=[rule.pk], as_of=as_of)
    if not inputs:
        return None
    item = inputs[0]
    design, treated, control = item.design, item.treated, item.control
    days = [(design.pre_start + dt.timedelta(days=i)).isoformat() for i in range(treated.days)]

    def rate(numerator: np.ndarray, denominator: np.ndarray, scale: float) -> list[float | None]:
        with np.errstate(divide="ignore", invalid="ignore"):
            values = numerator / denominator * scale
        return [None if not np.isfinite(v) else round(float(v), 4) for v in values]

    def mean_score(series: DailySeries) -> list[float | None]:
        n = series.satisfaction.sum(axis=1)
        total = (series.satisfaction * np.asarray(series.levels)).sum(axis=1)
        return rate(total, np.where(n > 0, n, np.nan), 1.0)

    measures: dict[str, Callable[[DailySeries], list[float | None]]] = {
        "activity": lambda s: rate(s.active_users, s.users, 100.0),  # per 100 users
        "complaint_rate": lambda s: rate(s.complaints, s.users, 10000.0),  # per 10,000 users
        "satisfaction": mean_score,
    }
    post_end = design.post_start + dt.timedelta(days=max(design.post_days_available, 0))
    return {
        "days": days,
        "go_live": design.go_live.isoformat(),
        "windows": {
            "pre": [design.pre_start.isoformat(), (design.go_live - dt.timedelta(days=1)).isoformat()],
            "burn_in": [design.go_live.isoformat(), (design.post_start - dt.timedelta(days=1)).isoformat()],
            "post": [design.post_start.isoformat(), (post_end - dt.timedelta(days=1)).isoformat()]
            if design.post_days_available
            else None,
        },
        "measures": [
            {
                "code": code,
                "primary": code == rule.primary_measure,
                "treated": series_of(treated),
                "control": series_of(control) if control is not None else None,
            }
            for code, series_of in measures.items()
        ],
    }


def evaluation_runs(*, limit: int = 30) -> QuerySet[EvaluationRun]:
    return EvaluationRun.objects.annotate(evaluated=Count("evaluations")).order_by("-run_on", "-id")[:limit]


# --- a run: what is left to evaluate ------------------------------------------------------------


def evaluation_run_pending(*, run_id: int) -> list[int]:
    """Planned rules of the run without a result that can still be evaluated (live once)."""
    run = EvaluationRun.objects.only("planned_rule_ids").get(pk=run_id)
    done = set(RuleEvaluation.objects.filter(run_id=run_id).values_list("rule_id", flat=True))
    missing = [pk for pk in run.planned_rule_ids if pk not in done]
    if not missing:
        return []
    return sorted(
        ExperienceRule.objects.filter(pk__in=missing, go_live_on__isnull=False).values_list("pk", flat=True)
    )
