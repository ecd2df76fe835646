"""Evaluation runs, results, flags, pages and API, on rules with synthetic metric histories."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cxops.errors import ApplicationError
from cxops.models import MetricDaily
from cxops.models import MetricScope
from cxops.models import Notification
from cxops.roles import Role
from cxops.services.metrics import ScopeKey
from cxops.services.metrics import metric_records_apply
from rules_lifecycle.demo_evaluation import metric_records_for_series
from rules_lifecycle.models import EvaluationRun
from rules_lifecycle.models import RuleEvaluation
from rules_lifecycle.models import RuleStatus
from rules_lifecycle.models import RunTrigger
from rules_lifecycle.presenters import rule_timeline
from rules_lifecycle.scoring.synthetic import Scenario
from rules_lifecycle.scoring.synthetic import Truth
from rules_lifecycle.scoring.synthetic import scope_pair
from rules_lifecycle.services.evaluation import evaluation_run_all
from rules_lifecycle.services.evaluation import evaluation_run_start
from rules_lifecycle.services.evaluation import rule_evaluate_on_demand
from rules_lifecycle.services.evaluation import rules_evaluate
from rules_lifecycle.tasks import evaluate_all_rules
from rules_lifecycle.transitions import rule_transition
from tests.factories import ProductFactory
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import user_with_role

TODAY = timezone.localdate()


def live_rule(
    *,
    days_live: int,
    truth: Truth,
    layer: str = "functional",
    control: bool = True,
    status: str = RuleStatus.LIVE,
    seed: int = 1,
    manager=None,
    scenario: Scenario | None = None,
):
    """A rule that went live `days_live` days ago, with metric histories for its scopes."""
    manager = manager or user_with_role(Role.MANAGER)
    product, control_product = ProductFactory(), ProductFactory()
    owner = user_with_role(Role.PRODUCT_OWNER)
    rule = make_rule(
        owner=owner,
        strategy=StrategyFactory(product=product, layer=layer),
        layer=layer,
        products=[product],
        control_products=[control_product] if control else [],
    )
    go_live_at = timezone.now() - dt.timedelta(days=days_live)
    rule_transition(
        rule=rule, to_status="approved", actor=manager, occurred_at=go_live_at - dt.timedelta(days=2)
    )
    rule_transition(
        rule=rule, to_status="implementing", actor=owner, occurred_at=go_live_at - dt.timedelta(days=1)
    )
    rule_transition(rule=rule, to_status="live", actor=owner, occurred_at=go_live_at)
    if status == RuleStatus.UNDER_REVIEW:
        rule_transition(rule=rule, to_status="under_review", actor=manager)
    start = rule.go_live_on - dt.timedelta(days=rule.pre_window_days)
    treated, control_series = scope_pair(
        np.random.default_rng(seed),
        start=start,
        days=(TODAY - start).days,
        go_live=rule.go_live_on,
        truth=truth,
        scenario=scenario,
    )
    metric_records_apply(
        actor=None, records=metric_records_for_series(ScopeKey(product.pk, None, None), treated)
    )
    metric_records_apply(
        actor=None,
        records=metric_records_for_series(ScopeKey(control_product.pk, None, None), control_series),
    )
    rule.refresh_from_db()
    return rule


def run_for(day=TODAY, trigger=RunTrigger.SCHEDULE):
    return evaluation_run_start(trigger=trigger, run_on=day)


@pytest.mark.django_db
def test_a_working_rule_is_kept_with_every_measure_stored():
    # given a rule live for 10 weeks that truly cut complaints by 40 %
    rule = live_rule(days_live=70, truth=Truth(complaint_rate=-0.40))
    run = run_for()
    # when the run scores it
    written = rules_evaluate(run=run, rule_ids=[rule.pk])
    # then one result is stored: keep, with three measures and the windows it used
    assert written == 1
    evaluation = RuleEvaluation.objects.get(rule=rule, run=run)
    assert (evaluation.verdict, evaluation.reason) == ("keep", "worthwhile")
    assert [m["measure"] for m in evaluation.measures] == ["activity", "complaint_rate", "satisfaction"]
    assert evaluation.primary_measure == "complaint_rate" and evaluation.has_control
    assert evaluation.primary_ci_high < 0 and evaluation.primary_lift == pytest.approx(-0.4, abs=0.12)
    assert evaluation.go_live_on == rule.go_live_on
    assert evaluation.pre_start == rule.go_live_on - dt.timedelta(days=28)
    assert evaluation.post_days == 63  # whole weeks of data since the burn-in, until the review date
    # and the rule itself is untouched: the evaluation advises, a person decides
    rule.refresh_from_db()
    assert rule.status == RuleStatus.LIVE


@pytest.mark.django_db
def test_rerunning_the_same_run_changes_nothing_and_late_data_updates_the_same_row():
    rule = live_rule(days_live=70, truth=Truth(complaint_rate=-0.40))
    run = run_for()
    rules_evaluate(run=run, rule_ids=[rule.pk])
    first = RuleEvaluation.objects.get(rule=rule, run=run)
    # when the same run is repeated
    assert rules_evaluate(run=run, rule_ids=[rule.pk]) == 0
    # then nothing was written
    again = RuleEvaluation.objects.get(rule=rule, run=run)
    assert (again.pk, again.updated_at, again.fingerprint) == (first.pk, first.updated_at, first.fingerprint)
    # when a late correction arrives for one day of the treated scope and the run is repeated
    day = rule.go_live_on + dt.timedelta(days=20)
    metric_records_apply(
        actor=None,
        records=[
            metric_records_for_series.__globals__["MetricRecord"](
                scope=ScopeKey(rule.products.get().pk, None, None), day=day, values={"complaints": 1}
            )
        ],
    )
    assert rules_evaluate(run=run, rule_ids=[rule.pk]) == 1
    # then the run's one row for the rule was replaced in place
    assert RuleEvaluation.objects.filter(rule=rule).count() == 1
    assert RuleEvaluation.objects.get(rule=rule, run=run).fingerprint != first.fingerprint


@pytest.mark.django_db
def test_retire_at_two_consecutive_looks_flags_the_rule_once_and_never_retires_it(
    django_capture_on_commit_callbacks,
):
    manager = user_with_role(Role.MANAGER)
    # given a rule that truly raised complaints by 60 %
    rule = live_rule(days_live=70, truth=Truth(complaint_rate=0.60), manager=manager)
    Notification.objects.all().delete()
    # when it is evaluated on four days: two in the same week of data (49 post days), then
    # after one and two more weeks of data
    results = []
    for back in (14, 13, 7, 0):
        day = TODAY - dt.timedelta(days=back)
        with django_capture_on_commit_callbacks(execute=True):
            rules_evaluate(run=run_for(day), rule_ids=[rule.pk])
        results.append(RuleEvaluation.objects.get(rule=rule, run_on=day))
    # then: retire each time; the streak counts looks, not daily re-runs of the same look,
    # and the flag waits for the verdict to survive a week of new data
    assert [r.verdict for r in results] == ["retire"] * 4
    assert [r.post_days for r in results] == [49, 49, 56, 63]
    assert [r.retire_streak for r in results] == [1, 1, 2, 3]
    assert [r.flagged_for_retirement for r in results] == [False, False, True, True]
    # and exactly one notification per recipient went to the managers and the owner
    flags = Notification.objects.filter(kind="evaluation", target_id=rule.pk)
    assert sorted(flags.values_list("recipient_id", flat=True)) == sorted([manager.pk, rule.owner_id])
    # and the rule is still live: only a person retires it
    rule.refresh_from_db()
    assert rule.status == RuleStatus.LIVE


@pytest.mark.django_db
def test_pre_post_only_rule_is_never_retired_on_its_numbers():
    rule = live_rule(days_live=70, truth=Truth(complaint_rate=0.60), control=False)
    run = run_for()
    rules_evaluate(run=run, rule_ids=[rule.pk])
    evaluation = RuleEvaluation.objects.get(rule=rule, run=run)
    assert (evaluation.verdict, evaluation.reason, evaluation.has_control) == (
        "undecided",
        "no_control",
        False,
    )
    assert evaluation.primary_ci_low > 0  # the harm is measured and shown


@pytest.mark.django_db
def test_a_rule_live_three_weeks_is_undecided_for_insufficient_data_with_the_date():
    rule = live_rule(days_live=21, truth=Truth(complaint_rate=-0.40))
    run = run_for()
    rules_evaluate(run=run, rule_ids=[rule.pk])
    evaluation = RuleEvaluation.objects.get(rule=rule, run=run)
    assert (evaluation.verdict, evaluation.reason) == ("undecided", "insufficient_data")
    assert evaluation.sufficient_by == rule.go_live_on + dt.timedelta(days=7 + 28)


@pytest.mark.django_db
def test_a_rule_without_metric_data_is_undecided_not_an_error():
    rule = live_rule(days_live=70, truth=Truth())
    rule.products.set([ProductFactory()])  # a product nobody reports metrics for
    run = run_for()
    assert rules_evaluate(run=run, rule_ids=[rule.pk]) == 1
    evaluation = RuleEvaluation.objects.get(rule=rule, run=run)
    assert (evaluation.verdict, evaluation.reason) == ("undecided", "insufficient_data")
    assert evaluation.primary_lift is None


@pytest.mark.django_db
def test_the_daily_task_scores_every_running_rule_once_and_is_idempotent(django_capture_on_commit_callbacks):
    working = live_rule(days_live=70, truth=Truth(complaint_rate=-0.40), seed=2)
    under_review = live_rule(days_live=70, truth=Truth(), status=RuleStatus.UNDER_REVIEW, seed=3)
    proposed = make_rule()
    # when the beat's task runs twice (eager here; the worker tests below use the broker)
    with django_capture_on_commit_callbacks(execute=True):
        evaluate_all_rules.delay()
    with django_capture_on_commit_callbacks(execute=True):
        evaluate_all_rules.delay()
    # then one scheduled run today, one row per running rule, nothing for the proposed rule
    run = EvaluationRun.objects.get()
    assert (run.trigger, run.run_on, run.rules_planned) == ("schedule", TODAY, 2)
    assert set(RuleEvaluation.objects.values_list("rule_id", flat=True)) == {working.pk, under_review.pk}
    assert RuleEvaluation.objects.count() == 2
    assert not RuleEvaluation.objects.filter(rule=proposed).exists()


@pytest.mark.django_db
def test_on_demand_evaluation_is_for_managers_analysts_and_the_owner(django_capture_on_commit_callbacks):
    rule = live_rule(days_live=70, truth=Truth(complaint_rate=-0.4))
    frontline = user_with_role(Role.FRONTLINE)
    other_owner = user_with_role(Role.PRODUCT_OWNER)
    for outsider in (frontline, other_owner):
        with pytest.raises(ApplicationError) as refused:
            rule_evaluate_on_demand(rule=rule, actor=outsider)
        assert refused.value.code == "forbidden"
    assert not EvaluationRun.objects.exists() and not RuleEvaluation.objects.exists()
    # the owner may
    with django_capture_on_commit_callbacks(execute=True):
        run = rule_evaluate_on_demand(rule=rule, actor=rule.owner)
    assert run.trigger == "on_demand"
    assert RuleEvaluation.objects.filter(rule=rule, run=run).count() == 1


@pytest.mark.django_db
def test_the_command_evaluates_in_process_and_repeats_safely(capsys):
    rule = live_rule(days_live=70, truth=Truth(complaint_rate=-0.40))
    call_command("evaluate_rules")
    call_command("evaluate_rules")
    out = capsys.readouterr().out
    assert "1 results written" in out and "0 results written" in out
    assert RuleEvaluation.objects.get(rule=rule).run.trigger == "command"


@pytest.mark.django_db
def test_evaluations_appear_on_the_rule_timeline_once_per_change_of_verdict():
    rule = live_rule(days_live=70, truth=Truth(complaint_rate=0.60))
    for day in (TODAY - dt.timedelta(days=1), TODAY):
        rules_evaluate(run=run_for(day), rule_ids=[rule.pk])
    entries = [e for e in rule_timeline(rule) if e.kind == "evaluation"]
    # the first retire, then the flag on the second run
    assert len(entries) == 2
    assert all(e.url == reverse("evaluation:rule", args=[rule.pk]) for e in entries)
    assert entries[-1].tone == "bad"


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_review_page_lists_live_rules_with_measure_rows_and_says_fdr_is_controlled(
    client_for, django_capture_on_commit_callbacks
):
    kept = live_rule(days_live=70, truth=Truth(complaint_rate=-0.40), seed=4)
    fresh = live_rule(days_live=10, truth=Truth(), seed=5)
    with django_capture_on_commit_callbacks(execute=True):
        evaluation_run_all(run_on=TODAY)
    page = client_for(user_with_role(Role.ANALYST)).get(reverse("evaluation:review"))
    assert page.status_code == 200
    html = page.content.decode()
    assert kept.name in html and fresh.name in html
    assert "Benjamini" in html
    assert html.count('<tbody class="eval-rule') == 2
    rows = page.context["rows"]
    assert {row.rule.pk: row.evaluation.verdict for row in rows} == {kept.pk: "keep", fresh.pk: "undecided"}
    assert len(rows[0].presented) == 3


@pytest.mark.django_db
def test_review_page_filters_and_sorts(client_for, django_capture_on_commit_callbacks):
    kept = live_rule(days_live=70, truth=Truth(complaint_rate=-0.40), seed=4)
    live_rule(days_live=10, truth=Truth(), seed=5)
    with django_capture_on_commit_callbacks(execute=True):
        evaluation_run_all(run_on=TODAY)
    client = client_for(user_with_role(Role.MANAGER))
    page = client.get(reverse("evaluation:review"), {"verdict": "keep", "sort": "lift", "dir": "desc"})
    assert [row.rule.pk for row in page.context["rows"]] == [kept.pk]
    # the summary and the FDR still count the whole portfolio
    assert page.context["summary"]["undecided"] == 1


@pytest.mark.django_db
def test_rule_evaluation_page_shows_measures_charts_history_and_decisions_to_managers(
    client_for, django_capture_on_commit_callbacks
):
    manager = user_with_role(Role.MANAGER)
    rule = live_rule(
        days_live=70, truth=Truth(complaint_rate=-0.40), status=RuleStatus.UNDER_REVIEW, manager=manager
    )
    with django_capture_on_commit_callbacks(execute=True):
        evaluation_run_all(run_on=TODAY)
    page = client_for(manager).get(reverse("evaluation:rule", args=[rule.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="eval-chart-data"' in html and "echarts.min.js" in html
    assert {m.target for m in page.context["moves"]} == {"kept", "implementing", "retired"}
    assert len(page.context["measures"]) == 3 and len(page.context["history"]) == 1
    charts = page.context["charts"]
    assert charts["go_live"] == rule.go_live_on.isoformat() and len(charts["measures"]) == 3
    # an analyst reads the same page without decision buttons
    page = client_for(user_with_role(Role.ANALYST)).get(reverse("evaluation:rule", args=[rule.pk]))
    assert page.context["moves"] == []


@pytest.mark.django_db
def test_decide_keep_calls_the_lifecycle_and_refuses_non_managers(client_for):
    manager = user_with_role(Role.MANAGER)
    rule = live_rule(
        days_live=70, truth=Truth(complaint_rate=-0.40), status=RuleStatus.UNDER_REVIEW, manager=manager
    )
    url = reverse("evaluation:decide", args=[rule.pk])
    # an analyst is refused and nothing moves
    client_for(user_with_role(Role.ANALYST)).post(url, {"to_status": "kept", "reason": "有效"})
    rule.refresh_from_db()
    assert rule.status == RuleStatus.UNDER_REVIEW and rule.transitions.count() == 4
    # a move that is not a decision is refused too
    client_for(manager).post(url, {"to_status": "approved", "reason": "x"})
    rule.refresh_from_db()
    assert rule.status == RuleStatus.UNDER_REVIEW
    # the manager keeps it, with a reason, through rule_transition
    response = client_for(manager).post(url, {"to_status": "kept", "reason": "投诉率下降40%"})
    assert response.status_code == 302 and response.url == reverse("evaluation:rule", args=[rule.pk])
    rule.refresh_from_db()
    assert rule.status == RuleStatus.KEPT
    assert rule.transitions.last().reason == "投诉率下降40%" and rule.transitions.last().actor == manager


@pytest.mark.django_db
def test_run_buttons(client_for, django_capture_on_commit_callbacks):
    rule = live_rule(days_live=70, truth=Truth(complaint_rate=-0.40))
    analyst = user_with_role(Role.ANALYST)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(analyst).post(reverse("evaluation:run_rule", args=[rule.pk]))
    assert RuleEvaluation.objects.filter(rule=rule, run__trigger="on_demand").count() == 1
    # "evaluate every rule" is for managers only
    client_for(analyst).post(reverse("evaluation:run_all"))
    assert not EvaluationRun.objects.filter(trigger="on_demand", rules_planned__gt=1).exists()
    assert EvaluationRun.objects.count() == 1


@pytest.mark.django_db
def test_evaluation_page_of_a_rule_that_never_went_live_is_404(client_for):
    rule = make_rule()
    page = client_for(user_with_role(Role.MANAGER)).get(reverse("evaluation:rule", args=[rule.pk]))
    assert page.status_code == 404


@pytest.mark.django_db
def test_the_bulk_series_read_matches_the_metric_selector_day_by_day():
    from cxops.selectors.metrics import metric_daily_series
    from rules_lifecycle.selectors.evaluation import metric_series_bulk

    rule = live_rule(days_live=40, truth=Truth(complaint_rate=-0.2))
    scope_ids = list(MetricScope.objects.values_list("pk", flat=True))
    # a day with complaints not reported stays NaN in both
    MetricDaily.objects.filter(scope_id=scope_ids[0], day=rule.go_live_on).update(complaints=None)
    start, end = rule.go_live_on - dt.timedelta(days=30), TODAY + dt.timedelta(days=3)
    ours = metric_series_bulk(scope_ids=scope_ids, start=start, end=end)
    theirs = metric_daily_series(scopes=scope_ids, start=start, end=end)
    for scope_id in scope_ids:
        for column in ("users", "active_users", "complaints", "satisfaction_scale"):
            np.testing.assert_array_equal(ours[scope_id].values[column], theirs[scope_id].values[column])
        np.testing.assert_array_equal(ours[scope_id].satisfaction, theirs[scope_id].satisfaction)
    assert np.isnan(ours[scope_ids[0]].values["complaints"][30])


@pytest.mark.django_db
def test_a_control_on_another_survey_scale_gives_no_satisfaction_comparison_but_keeps_the_rates():
    rule = live_rule(days_live=70, truth=Truth(complaint_rate=-0.40))
    control_scope = MetricScope.objects.get(product=rule.control_products.get())
    # the control's surveys are on a 1–10 scale
    MetricDaily.objects.filter(scope=control_scope).update(
        satisfaction_scale=10, **{f"satisfaction_{level}": 3 for level in range(6, 11)}
    )
    run = run_for()
    rules_evaluate(run=run, rule_ids=[rule.pk])
    evaluation = RuleEvaluation.objects.get(rule=rule, run=run)
    satisfaction = next(m for m in evaluation.measures if m["measure"] == "satisfaction")
    assert satisfaction["sufficient"] is False and satisfaction["counts"]["control_pre"] == 0
    assert (evaluation.verdict, evaluation.reason) == ("keep", "worthwhile")  # rates still compare
