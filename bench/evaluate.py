#!/usr/bin/env python
"""Evaluate: a full evaluation run over 10,000 live rules on two years of daily metrics.

    DATABASE_URL=postgres://... python bench/evaluate.py           # 10,000 rules, 1,000 scopes
    python bench/evaluate.py --quick                               # 1,000 rules, 200 scopes (SQLite)
    python bench/evaluate.py --rules 5000 --scopes 500 --keepdb

Database: `<DATABASE name>_evaluate_bench` on PostgreSQL (created, dropped unless --keepdb),
else a fresh SQLite file.  Loaded: `--scopes` product scopes with two years of daily users,
active users, complaints and 1–5 satisfaction histograms (weekday pattern, shared shocks, 15 %
scope noise); `--rules` live rules, each treating one scope against a control scope, go-lives
spread over the two years; true effects mixed (a fifth work, a tenth harm, the rest do nothing).

Measured in one run:
  real, 1 worker   the code the Celery task runs (`rules_evaluate`: bulk inputs — one series
                   query per batch of rules —, scoring, one upsert per batch), batch after batch
                   in one process, as one worker does
  real, 2 workers  the same batches split between two processes (one per core), as two workers do
  naive            per-rule ORM queries and pure-Python loops (rule, its scopes, one query per
                   scope for its days, rates and Welch's t by hand) on a sample, scaled
Each "real" run starts from no stored results, so every rule is scored and written.  The broker
round trip is left out: with batches of 50 it is ~200 messages per 10,000 rules.
  floor            the core tests of every rule (three measures, serially robust variance, the
                   95 % and sequential intervals at its look) as array operations over all rules
                   at once, on the same inputs read by the same bulk path: how close the real
                   per-rule code is to what the computation itself costs
Ends with seconds_per_10k_rules=, seconds_per_10k_rules_2_workers=, floor_seconds_per_10k_rules=,
floor_compute_seconds_per_10k_rules=, naive_seconds_per_10k_rules=.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import multiprocessing
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bench_database  # noqa: E402
from bench.common import timed  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxops.settings")

DAYS = 730
BATCH = 50


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="1,000 rules and 200 scopes; figures scaled to 10,000"
    )
    parser.add_argument("--rules", type=int, default=None)
    parser.add_argument("--scopes", type=int, default=None)
    parser.add_argument("--naive-sample", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=BATCH)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()
    rules = args.rules or (1_000 if args.quick else 10_000)
    scopes = args.scopes or (200 if args.quick else 1_000)

    import django

    django.setup()
    from django.conf import settings

    # As production runs (DJANGO_DEBUG=0): no per-query SQL logging, which cost a tenth of a run.
    settings.DEBUG = False

    with bench_database("evaluate_bench", keepdb=args.keepdb) as is_postgres:
        return run(rules, scopes, args.naive_sample, args.batch_size, is_postgres)


# --- loading ---------------------------------------------------------------------------------


def load(n_rules: int, n_scopes: int, today: dt.date) -> list[int]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from cxops.models import ExperienceLayer
    from cxops.models import MetricDaily
    from cxops.models import MetricScope
    from cxops.models import Product
    from cxops.roles import Role
    from proposals.models import Strategy
    from proposals.models import StrategyStatus
    from rules_lifecycle.models import ExperienceRule
    from rules_lifecycle.transitions import rule_transition

    if ExperienceRule.objects.count() >= n_rules:
        return list(ExperienceRule.objects.order_by("pk").values_list("pk", flat=True)[:n_rules])
    rng = np.random.default_rng(2026)
    start = today - dt.timedelta(days=DAYS)
    user = get_user_model().objects.create_user("bench-owner")
    for role in (Role.MANAGER, Role.PRODUCT_OWNER):
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    with transaction.atomic():
        products = Product.objects.bulk_create(
            [Product(code=f"bench-{i}", name_zh=f"产品{i}", name_en=f"Product {i}") for i in range(n_scopes)]
        )
        scope_rows = MetricScope.objects.bulk_create([MetricScope(product=p) for p in products])
    weekday = np.array([1.10, 1.06, 1.00, 0.98, 1.02, 0.90, 0.84])[(np.arange(DAYS) + start.weekday()) % 7]
    shock = rng.normal(0, 0.10, DAYS)
    # Rules: each treats one scope from its go-live; effects are baked into that scope's data
    # (several rules on one scope share its effect, as real rules on one product would).
    go_live_offsets = rng.integers(40, DAYS - 7, n_rules)
    treated_index = rng.integers(0, n_scopes, n_rules)
    control_index = (treated_index + rng.integers(1, n_scopes, n_rules)) % n_scopes
    effect = np.zeros(n_scopes)
    effect_start = np.full(n_scopes, DAYS)
    kinds = rng.random(n_scopes)
    effect[kinds < 0.2] = np.log(0.75)
    effect[(kinds >= 0.2) & (kinds < 0.3)] = np.log(1.2)
    for rule in range(n_rules):
        effect_start[treated_index[rule]] = min(effect_start[treated_index[rule]], go_live_offsets[rule])
    rows = []
    day_list = [start + dt.timedelta(days=i) for i in range(DAYS)]
    for index, scope in enumerate(scope_rows):
        users = rng.integers(50_000, 2_000_000)
        after = np.arange(DAYS) >= effect_start[index]
        log_rate = np.log(0.002) + np.log(weekday) + shock + rng.normal(0, 0.15, DAYS) + after * effect[index]
        complaints = rng.poisson(users * np.exp(log_rate))
        active = rng.binomial(users, np.clip(0.5 * weekday**0.3 * np.exp(rng.normal(0, 0.03, DAYS)), 0, 1))
        responses = rng.poisson(max(users / 2000, 20), DAYS)
        histograms = rng.multinomial(responses, [0.05, 0.07, 0.16, 0.37, 0.35])
        for i, day in enumerate(day_list):
            h = histograms[i]
            rows.append(
                MetricDaily(
                    scope_id=scope.pk,
                    day=day,
                    users=int(users),
                    active_users=int(active[i]),
                    complaints=int(complaints[i]),
                    satisfaction_scale=5,
                    satisfaction_1=int(h[0]),
                    satisfaction_2=int(h[1]),
                    satisfaction_3=int(h[2]),
                    satisfaction_4=int(h[3]),
                    satisfaction_5=int(h[4]),
                )
            )
        if len(rows) >= 50_000:
            MetricDaily.objects.bulk_create(rows, batch_size=5_000)
            rows = []
    if rows:
        MetricDaily.objects.bulk_create(rows, batch_size=5_000)
    strategy = Strategy.objects.create(
        title="bench",
        product=products[0],
        layer=ExperienceLayer.FUNCTIONAL,
        experience_event="bench",
        strategy_text="bench",
        status=StrategyStatus.ACCEPTED,
        official_answer="bench",
        created_by=user,
    )
    with transaction.atomic():
        created = ExperienceRule.objects.bulk_create(
            [
                ExperienceRule(
                    strategy=strategy,
                    name=f"规则{i}",
                    trigger_event="bench",
                    trigger_action="bench",
                    implementing_system="cmp",
                    timing="non_instant",
                    owner=user,
                    created_by=user,
                    layer=ExperienceLayer.FUNCTIONAL,
                )
                for i in range(n_rules)
            ],
            batch_size=2_000,
        )
        products_through = ExperienceRule.products.through
        control_through = ExperienceRule.control_products.through
        products_through.objects.bulk_create(
            [
                products_through(experiencerule_id=r.pk, product_id=products[treated_index[i]].pk)
                for i, r in enumerate(created)
            ],
            batch_size=5_000,
        )
        control_through.objects.bulk_create(
            [
                control_through(experiencerule_id=r.pk, product_id=products[control_index[i]].pk)
                for i, r in enumerate(created)
            ],
            batch_size=5_000,
        )
    # Rules reach "live" only through the lifecycle (backdated, as history is loaded): that sets
    # go_live_on and review_due_on exactly as production does.
    for i, rule in enumerate(created):
        went_live = timezone.make_aware(
            dt.datetime.combine(start + dt.timedelta(days=int(go_live_offsets[i])), dt.time(10))
        )
        for to_status, days_before in (("approved", 2), ("implementing", 1), ("live", 0)):
            rule_transition(
                rule=rule,
                to_status=to_status,
                actor=user,
                occurred_at=went_live - dt.timedelta(days=days_before),
            )
    return [r.pk for r in created]


# --- the real code ---------------------------------------------------------------------------


def _batches(rule_ids: list[int], size: int) -> list[list[int]]:
    from rules_lifecycle.selectors.evaluation import evaluable_rule_ids

    ordered = [pk for pk in evaluable_rule_ids() if pk in set(rule_ids)]  # by go-live, as the run sends them
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _work(run_id: int, batches: list[list[int]]) -> int:
    from django.db import connections

    from rules_lifecycle.tasks import evaluate_rules

    connections.close_all()  # a fresh connection per process
    return sum(evaluate_rules.run(run_id, batch) for batch in batches)


def real_run(rule_ids: list[int], workers: int, size: int, today: dt.date) -> tuple[float, int]:
    from django.db import connections

    from rules_lifecycle.models import EvaluationRun
    from rules_lifecycle.models import RuleEvaluation
    from rules_lifecycle.models import RunTrigger
    from rules_lifecycle.services.evaluation import evaluation_run_start

    RuleEvaluation.objects.all().delete()
    EvaluationRun.objects.all().delete()
    run = evaluation_run_start(trigger=RunTrigger.COMMAND, run_on=today, rules_planned=len(rule_ids))
    batches = _batches(rule_ids, size)
    started, cpu = time.perf_counter(), time.process_time()
    if workers == 1:
        written = _work(run.pk, batches)
        print(f"# real, 1 worker: {time.process_time() - cpu:.1f} s of this process's CPU", flush=True)
    else:
        connections.close_all()
        shares = [batches[i::workers] for i in range(workers)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            written = sum(pool.starmap(_work, [(run.pk, share) for share in shares]))
    elapsed = time.perf_counter() - started
    assert RuleEvaluation.objects.filter(run=run).count() == written == len(rule_ids), (
        "not every rule was scored"
    )  # noqa: S101
    return elapsed, written


# --- the floor: the same tests as array operations over all rules at once ----------------------


def _vector_serial(pre: np.ndarray, post: np.ndarray, gap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """scoring.serial.serial_difference for many rules at once (rows), complete data: estimate,
    standard error and df, the larger of the AR(1) and the weekly-means variance."""
    from scipy import special

    from rules_lifecycle.scoring.serial import MIN_WEEKS
    from rules_lifecycle.scoring.serial import MIN_WEEKS_FOR_RHO
    from rules_lifecycle.scoring.serial import RHO_CAP

    def pooled_rho(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ra, rb = a - a.mean(axis=1, keepdims=True), b - b.mean(axis=1, keepdims=True)
        ss = (ra**2).sum(axis=1) + (rb**2).sum(axis=1)
        lag = (ra[:, 1:] * ra[:, :-1]).sum(axis=1) + (rb[:, 1:] * rb[:, :-1]).sum(axis=1)
        return ss, np.where(ss > 0, lag / np.where(ss > 0, ss, 1), 0.0)

    def contrast(n0: int, n1: int, g: int, rho: np.ndarray) -> np.ndarray:
        r = np.clip(rho, 1e-12, RHO_CAP)

        def block(n: int) -> np.ndarray:
            return (n + 2 * (r * (n * (1 - r) - (1 - r**n)) / (1 - r) ** 2)) / n**2

        cov = r ** (g + 1) * (1 - r**n0) / (1 - r) * (1 - r**n1) / (1 - r) / (n0 * n1)
        return np.where(rho > 0, block(n0) + block(n1) - 2 * cov, 1 / n0 + 1 / n1)

    n0, n1 = pre.shape[1], post.shape[1]
    estimate = post.mean(axis=1) - pre.mean(axis=1)
    ss, rho_hat = pooled_rho(pre, post)
    sigma2 = ss / (n0 + n1 - 2)
    rho = np.clip(rho_hat + (1 + 3 * rho_hat) / (n0 + n1), 0.0, RHO_CAP)
    variance = sigma2 * contrast(n0, n1, gap, rho)
    df = np.maximum((n0 + n1) * (1 - rho) / (1 + rho) - 2, 2.0)
    w0, w1 = n0 // 7, n1 // 7
    if w0 >= 2 and w1 >= 2 and w0 + w1 >= MIN_WEEKS:
        weeks_pre, weeks_post = (
            pre.reshape(len(pre), w0, 7).mean(axis=2),
            post.reshape(len(post), w1, 7).mean(axis=2),
        )
        weekly_ss, weekly_rho_hat = pooled_rho(weeks_pre, weeks_post)
        pooled = weekly_ss / (w0 + w1 - 2)
        weekly_rho = (
            np.clip(weekly_rho_hat + (1 + 3 * weekly_rho_hat) / (w0 + w1), 0.0, RHO_CAP)
            if w0 + w1 >= MIN_WEEKS_FOR_RHO
            else np.zeros(len(pre))
        )
        weekly = pooled * contrast(w0, w1, round(gap / 7), weekly_rho)
        use = weekly > variance
        variance = np.where(use, weekly, variance)
        df = np.where(use, np.maximum((w0 + w1) * (1 - weekly_rho) / (1 + weekly_rho) - 2, 2.0), df)
    se = np.sqrt(variance)
    special.stdtr(df, -np.abs(estimate) / se)  # p-values, as the real code computes them
    return estimate, se, df


def floor_run(rule_ids: list[int], size: int, today: dt.date) -> tuple[float, float]:
    """The core tests of every rule (three measures: serially robust difference, 95 % and
    sequential intervals at the rule's look) as array operations over the same data, read by the
    same bulk query path.  (read seconds, compute seconds).  Left out, as pure overhead of a real
    run: per-rule results objects, guardrail and verdict logic, satisfaction's cell test, the
    placebo, missing days, and the write."""
    from scipy import special

    from rules_lifecycle.scoring.measures import daily_means
    from rules_lifecycle.scoring.sequential import boundaries
    from rules_lifecycle.scoring.sequential import information
    from rules_lifecycle.scoring.sequential import planned_post_days
    from rules_lifecycle.selectors.evaluation import evaluation_inputs

    started = time.perf_counter()
    inputs = []
    for batch in _batches(rule_ids, size):
        inputs += evaluation_inputs(rule_ids=batch, as_of=today)
    read = time.perf_counter() - started

    started = time.perf_counter()
    groups: dict[tuple[int, int, int, int, int], list[tuple[np.ndarray, np.ndarray]]] = {}
    for item in inputs:
        design, treated, control = item.design, item.treated, item.control
        go_live = treated.index_of(design.go_live)
        pre_days = min(design.longest_pre_days, go_live) // 7 * 7
        post_days = design.post_days_available
        if post_days < design.min_post_days or pre_days < design.pre_days or control is None:
            continue
        first_post = treated.index_of(design.post_start)
        key = (pre_days, post_days, first_post - go_live, design.min_post_days, design.last_post_days)
        stack = np.vstack(
            [
                np.log((treated.complaints + 0.5) / treated.users)
                - np.log((control.complaints + 0.5) / control.users),
                np.log((treated.active_users + 0.5) / treated.users)
                - np.log((control.active_users + 0.5) / control.users),
                daily_means(treated) - daily_means(control),
            ]
        )
        groups.setdefault(key, []).append(
            (stack[:, go_live - pre_days : go_live], stack[:, first_post : first_post + post_days])
        )
    for (pre_days, post_days, gap, min_post, max_post), rows in groups.items():
        pre = np.concatenate([r[0] for r in rows])
        post = np.concatenate([r[1] for r in rows])
        estimate, se, df = _vector_serial(pre, post, gap)
        plan = planned_post_days(min_post, max_post)
        look = (post_days - plan[0]) // 7
        c = boundaries(information(pre_days, plan), 0.05)[look]
        c_m = boundaries(information(pre_days, plan), 0.05 / 3)[look]
        for quantile in (0.975, special.ndtr(c), special.ndtr(c_m)):
            q = special.stdtrit(df, quantile)
            np.expm1(estimate - q * se), np.expm1(estimate + q * se)
    return read, time.perf_counter() - started


# --- the naive baseline ------------------------------------------------------------------------


def _welch_pure(post: list[float], pre: list[float]) -> tuple[float, float, float]:
    from scipy import stats

    n1, n2 = len(post), len(pre)
    m1, m2 = sum(post) / n1, sum(pre) / n2
    v1 = sum((x - m1) ** 2 for x in post) / (n1 - 1)
    v2 = sum((x - m2) ** 2 for x in pre) / (n2 - 1)
    se = math.sqrt(v1 / n1 + v2 / n2)
    df = (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    q = stats.t.ppf(0.975, df)
    return m1 - m2, m1 - m2 - q * se, m1 - m2 + q * se


def naive_rule(rule_id: int, today: dt.date) -> None:
    """Everything per rule, through the ORM, with Python loops over the days."""
    from cxops.models import MetricDaily
    from cxops.models import MetricScope
    from rules_lifecycle.models import ExperienceRule
    from rules_lifecycle.scoring import Design
    from rules_lifecycle.scoring import Measure

    rule = ExperienceRule.objects.get(pk=rule_id)
    pre_start = rule.go_live_on - dt.timedelta(days=rule.pre_window_days)
    post_start = rule.go_live_on + dt.timedelta(days=rule.burn_in_days)
    last = Design(  # the plan's last look, as the product's (equal terms: the same days)
        go_live=rule.go_live_on,
        as_of=today,
        primary=Measure(rule.primary_measure),
        burn_in_days=rule.burn_in_days,
        min_post_days=rule.post_window_days,
    ).last_post_days
    post_days = min(last, (today - post_start).days // 7 * 7)
    if post_days < 14:
        return
    scopes = {}
    for side, products in (("t", rule.products.all()), ("c", rule.control_products.all())):
        for product in products:
            scope = MetricScope.objects.get(product=product, channel=None, segment=None)
            scopes[side] = {
                row.day: row
                for row in MetricDaily.objects.filter(
                    scope=scope, day__gte=pre_start, day__lt=post_start + dt.timedelta(days=post_days)
                )
            }
    for numerator in ("complaints", "active_users"):
        pre, post = [], []
        for i in range(rule.pre_window_days + rule.burn_in_days + post_days):
            day = pre_start + dt.timedelta(days=i)
            t, c = scopes["t"].get(day), scopes["c"].get(day)
            if t is None or c is None:
                continue
            d = math.log((getattr(t, numerator) + 0.5) / t.users) - math.log(
                (getattr(c, numerator) + 0.5) / c.users
            )
            if day < rule.go_live_on:
                pre.append(d)
            elif day >= post_start:
                post.append(d)
        _welch_pure(post, pre)
    for side in ("t", "c"):
        for row in scopes[side].values():
            counts = [
                row.satisfaction_1,
                row.satisfaction_2,
                row.satisfaction_3,
                row.satisfaction_4,
                row.satisfaction_5,
            ]
            total = sum(counts)
            sum(level * n for level, n in zip(range(1, 6), counts, strict=True)) / max(total, 1)


def run(n_rules: int, n_scopes: int, naive_sample: int, size: int, is_postgres: bool) -> int:
    from django.utils import timezone

    today = timezone.localdate()
    print(
        f"# database: {'PostgreSQL' if is_postgres else 'SQLite'}; {n_rules} rules, {n_scopes} scopes × {DAYS} days"
    )
    rule_ids = timed("load", lambda: load(n_rules, n_scopes, today))
    scale = 10_000 / len(rule_ids)

    one, _written = real_run(rule_ids, 1, size, today)
    print(
        f"# real, 1 worker: {one:.1f} s for {len(rule_ids)} rules ({one / len(rule_ids) * 1000:.2f} ms a rule)"
    )
    two, _written = real_run(rule_ids, 2, size, today)
    print(f"# real, 2 workers: {two:.1f} s for {len(rule_ids)} rules")

    from rules_lifecycle.models import RuleEvaluation

    verdicts = {
        v: RuleEvaluation.objects.filter(verdict=v).count()
        for v in ("keep", "improve", "retire", "undecided")
    }
    print(f"# verdicts: {verdicts}")

    floor_read, floor_compute = floor_run(rule_ids, size, today)
    print(
        f"# floor: {floor_read:.1f} s reading the same inputs + {floor_compute:.2f} s for the tests as array "
        f"operations, for {len(rule_ids)} rules"
    )

    sample = random.Random(7).sample(rule_ids, min(naive_sample, len(rule_ids)))
    times = []
    for rule_id in sample:
        started = time.perf_counter()
        naive_rule(rule_id, today)
        times.append(time.perf_counter() - started)
    naive = statistics.mean(times) * 10_000
    print(f"# naive: {statistics.mean(times) * 1000:.2f} ms a rule on a sample of {len(sample)}")
    print(f"seconds_per_10k_rules={one * scale:.1f}")
    print(f"seconds_per_10k_rules_2_workers={two * scale:.1f}")
    print(f"floor_seconds_per_10k_rules={(floor_read + floor_compute) * scale:.1f}")
    print(f"floor_compute_seconds_per_10k_rules={floor_compute * scale:.2f}")
    print(f"naive_seconds_per_10k_rules={naive:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
