"""Evaluation runs through the real broker and a real worker: idempotent, and a worker killed
mid-run loses nothing and duplicates nothing once its unacknowledged tasks are redelivered."""

from __future__ import annotations

import datetime as dt
import os
import time

import numpy as np
import pytest
from django.db import transaction
from django.utils import timezone
from kombu import Connection

from cxops.models import MetricDaily
from cxops.models import MetricScope
from cxops.roles import Role
from rules_lifecycle.models import EvaluationRun
from rules_lifecycle.models import RuleEvaluation
from rules_lifecycle.models import RunTrigger
from rules_lifecycle.scoring.synthetic import Truth
from rules_lifecycle.scoring.synthetic import scope_pair
from rules_lifecycle.services.evaluation import evaluation_run_dispatch
from rules_lifecycle.services.evaluation import evaluation_run_start
from rules_lifecycle.tasks import evaluate_all_rules
from rules_lifecycle.transitions import rule_transition
from tests.conftest import wait_for
from tests.factories import ProductFactory
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import user_with_role

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()


def _daily_rows(scope: MetricScope, series) -> list[MetricDaily]:
    rows = []
    for i in range(series.days):
        counts = [int(n) for n in series.satisfaction[i]]
        rows.append(
            MetricDaily(
                scope=scope,
                day=series.start + dt.timedelta(days=i),
                users=int(series.users[i]),
                active_users=int(series.active_users[i]),
                complaints=int(series.complaints[i]),
                satisfaction_scale=5,
                **{f"satisfaction_{level}": n for level, n in enumerate(counts, start=1)},
            )
        )
    return rows


def live_rules(count: int) -> list[int]:
    """`count` rules live for ten weeks, each with its own treated product and a shared control."""
    manager = user_with_role(Role.MANAGER)
    control = ProductFactory()
    control_scope = MetricScope.objects.create(product=control)
    ids = []
    for index in range(count):
        product = ProductFactory()
        owner = user_with_role(Role.PRODUCT_OWNER)
        rule = make_rule(
            owner=owner,
            strategy=StrategyFactory(product=product),
            products=[product],
            control_products=[control],
        )
        at = timezone.now() - dt.timedelta(days=70)
        rule_transition(rule=rule, to_status="approved", actor=manager, occurred_at=at - dt.timedelta(days=2))
        rule_transition(
            rule=rule, to_status="implementing", actor=owner, occurred_at=at - dt.timedelta(days=1)
        )
        rule_transition(rule=rule, to_status="live", actor=owner, occurred_at=at)
        start = rule.go_live_on - dt.timedelta(days=28)
        treated, control_series = scope_pair(
            np.random.default_rng(index),
            start=start,
            days=(TODAY - start).days,
            go_live=rule.go_live_on,
            truth=Truth(complaint_rate=-0.3),
        )
        MetricDaily.objects.bulk_create(_daily_rows(MetricScope.objects.create(product=product), treated))
        if index == 0:
            MetricDaily.objects.bulk_create(_daily_rows(control_scope, control_series))
        ids.append(rule.pk)
    return ids


def test_the_daily_task_through_the_broker_writes_one_result_per_rule_even_when_sent_twice(
    celery_worker_process,
):
    rule_ids = live_rules(4)
    # when beat's task is sent twice (a duplicate schedule, or a redelivery)
    evaluate_all_rules.delay()
    evaluate_all_rules.delay()
    # then the worker writes exactly one result per rule in one scheduled run
    wait_for(lambda: RuleEvaluation.objects.count() >= len(rule_ids), timeout=60)
    time.sleep(2)  # let any duplicate task finish: it must change nothing
    assert EvaluationRun.objects.filter(trigger=RunTrigger.SCHEDULE).count() == 1
    assert sorted(RuleEvaluation.objects.values_list("rule_id", flat=True)) == sorted(rule_ids)
    assert set(RuleEvaluation.objects.values_list("verdict", flat=True)) <= {"keep", "undecided"}


def _redeliver_unacknowledged() -> int:
    """What the broker does once the visibility timeout has passed (an hour in production):
    put every unacknowledged message of the dead worker back on its queue."""
    with Connection(
        os.environ["CELERY_BROKER_URL"], transport_options={"visibility_timeout": 0}
    ) as connection:
        channel = connection.default_channel
        pending = channel.client.hlen(channel.unacked_key)
        channel.qos.restore_visible(start=0, num=10_000)
        return pending


def test_a_worker_killed_mid_run_loses_nothing_and_duplicates_nothing(celery_worker_process):
    rule_ids = live_rules(24)
    run = evaluation_run_start(trigger=RunTrigger.COMMAND, run_on=TODAY, rules_planned=len(rule_ids))
    # given one task per rule queued through the broker
    with transaction.atomic():
        evaluation_run_dispatch(run=run, rule_ids=rule_ids, batch_size=1)
    # when the whole worker is SIGKILLed as soon as the first results land
    wait_for(lambda: RuleEvaluation.objects.filter(run=run).exists(), timeout=60, interval=0.02)
    celery_worker_process.kill()
    done_before = RuleEvaluation.objects.filter(run=run).count()
    assert done_before < len(rule_ids), "the run finished before the kill; nothing was tested"
    finished = dict(RuleEvaluation.objects.filter(run=run).values_list("rule_id", "updated_at"))
    # and a new worker starts, the dead worker's unacknowledged tasks are redelivered, and the
    # run is retried (the next beat, or `evaluate_rules --queue`, sends every rule again)
    celery_worker_process.restart()
    _redeliver_unacknowledged()
    with transaction.atomic():
        evaluation_run_dispatch(run=run, rule_ids=rule_ids, batch_size=4)
    # then every rule is evaluated, exactly once for the run
    wait_for(lambda: RuleEvaluation.objects.filter(run=run).count() == len(rule_ids), timeout=90)
    time.sleep(2)  # duplicates still in flight must change nothing
    assert sorted(RuleEvaluation.objects.filter(run=run).values_list("rule_id", flat=True)) == sorted(
        rule_ids
    )
    assert RuleEvaluation.objects.count() == len(rule_ids)
    # and the results finished before the kill were not rewritten by the retry
    after = dict(RuleEvaluation.objects.filter(rule_id__in=finished).values_list("rule_id", "updated_at"))
    assert after == finished
