"""The verdict in words: the sentence a manager reads first, the look of the plan, and the
details behind a toggle, in Chinese and English."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.urls import reverse
from django.utils import translation

from cxops.roles import Role
from rules_lifecycle.models import RuleEvaluation
from rules_lifecycle.models import RuleStatus
from rules_lifecycle.presenters import look_sentence
from rules_lifecycle.presenters import verdict_sentence
from rules_lifecycle.scoring import score_rule
from rules_lifecycle.scoring.synthetic import Truth
from rules_lifecycle.scoring.synthetic import case
from rules_lifecycle.services.evaluation import evaluation_run_all
from tests.rules_lifecycle.factories import user_with_role
from tests.rules_lifecycle.test_evaluation import TODAY
from tests.rules_lifecycle.test_evaluation import live_rule


def stored(truth: Truth, post_days: int = 91, seed: int = 1) -> dict:
    design, treated, control = case(np.random.default_rng(seed), truth=truth, post_days=post_days)
    return score_rule(design, treated, control).as_dict()


def test_a_kept_rule_reads_keep_with_the_change_and_the_decision_interval_in_both_languages():
    results = stored(Truth(complaint_rate=-0.2))
    assert results["verdict"] == "keep"
    primary = next(m for m in results["measures"] if m["role"] == "primary")
    low, high = sorted(
        abs(v) * 100 for v in (primary["ci_sequential"]["low"], primary["ci_sequential"]["high"])
    )
    with translation.override("zh-hans"):
        zh = verdict_sentence(verdict="keep", reason="worthwhile", results=results)
    with translation.override("en"):
        en = verdict_sentence(verdict="keep", reason="worthwhile", results=results)
    size = f"{abs(primary['lift']) * 100:.0f}%"
    assert zh.startswith(f"保留：投诉率下降 {size}（95% 可信区间 {low:.0f}%–{high:.0f}%）")
    assert zh.endswith("已达最小值得效果（5.0%）。")
    assert en.startswith(f"Keep: Complaint rate down {size} (95% interval {low:.0f}%–{high:.0f}%)")


def test_an_undecided_rule_says_when_it_will_know_and_a_harmful_guardrail_is_named():
    with translation.override("zh-hans"):
        early = verdict_sentence(
            verdict="undecided", reason="insufficient_data", results={}, sufficient_by=dt.date(2027, 1, 4)
        )
        assert early == "待定：数据尚不足，预计 2027-01-04 可下结论。"
        harmed = stored(Truth(complaint_rate=-0.25, satisfaction_points=-0.4), seed=12)
        assert (harmed["verdict"], harmed["reason"]) == ("retire", "guardrail_harmed")
        text = verdict_sentence(verdict="retire", reason="guardrail_harmed", results=harmed)
        assert text.startswith("退出：投诉率下降") and "但护栏指标显著变差：满意度降低" in text


def test_the_look_sentence_names_the_look_its_boundary_and_the_end_of_the_evaluation():
    results = stored(Truth(), post_days=49)
    look = results["look"]
    assert (look["number"], look["planned"]) == (4, 8)
    with translation.override("en"):
        text = look_sentence(results)
    assert text.startswith("Look 4 of 8 (49 days compared).")
    assert f"boundary z = {look['boundary']:.2f}" in text and look["concludes_on"] in text


@pytest.mark.django_db
def test_the_evaluation_page_leads_with_the_sentence_and_keeps_the_statistics_behind_a_toggle(
    client_for, django_capture_on_commit_callbacks
):
    manager = user_with_role(Role.MANAGER)
    rule = live_rule(
        days_live=98, truth=Truth(complaint_rate=-0.40), status=RuleStatus.UNDER_REVIEW, manager=manager
    )
    with django_capture_on_commit_callbacks(execute=True):
        evaluation_run_all(run_on=TODAY)
    evaluation = RuleEvaluation.objects.get(rule=rule)
    assert evaluation.verdict == "keep"
    client = client_for(manager)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(
        reverse("evaluation:rule", args=[rule.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    headline = html.index('class="eval-headline')
    assert html[headline:].split(">", 1)[1].startswith("保留：投诉率下降")
    # the tests, p-values and MDE are inside a <details> toggle, after the headline
    details = html.index('<details class="eval-details">')
    assert headline < details < html.index("最小可检测效应", details)
    assert "共 8 次" in html  # which look of the plan this is (8 weekly looks by the review date)
    # the stored interval is the decision interval the sentence quotes
    primary = next(m for m in evaluation.results["measures"] if m["role"] == "primary")
    assert evaluation.primary_ci_low == pytest.approx(primary["ci_sequential"]["low"])
    # and the review page shows the same sentence
    review = client.get(reverse("evaluation:review"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert html[headline:].split(">", 1)[1].split("</p>")[0] in review


@pytest.mark.django_db
def test_the_api_gives_the_same_sentence_look_and_decision_interval(
    api_client_for, django_capture_on_commit_callbacks
):
    rule = live_rule(days_live=70, truth=Truth(complaint_rate=-0.40))
    with django_capture_on_commit_callbacks(execute=True):
        evaluation_run_all(run_on=TODAY)
    client = api_client_for(user_with_role(Role.ANALYST))
    data = client.get(f"/api/rule-evaluations/?rule={rule.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    row = data["results"][0] if "results" in data else data[0]
    evaluation = RuleEvaluation.objects.get(rule=rule)
    with translation.override("zh-hans"):
        expected = verdict_sentence(
            verdict=evaluation.verdict,
            reason=evaluation.reason,
            results=evaluation.results,
            sufficient_by=evaluation.sufficient_by,
        )
    assert row["summary"] == expected and row["summary"].startswith("保留：")
    assert row["look"]["number"] == 6 and row["look"]["planned"] == 8
    assert "第 6 次查看" in row["look_text"]
    primary = next(m for m in row["measures"] if m["role"] == "primary")
    assert row["primary_ci_low"] == pytest.approx(primary["ci_sequential"]["low"])
