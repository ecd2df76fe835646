"""The demo: rules in every state, from the seed strategies, with plausible two-year histories."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cxops.demo import demo_users
from cxops.services.reference import reference_data_seed
from proposals import demo as proposals_demo
from rules_lifecycle import demo
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleStatus
from rules_lifecycle.models import RuleTransition

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(monkeypatch):
    reference_data_seed()
    users = demo_users()
    proposals_demo.load(users=users, log=lambda message: None)
    # the evaluation demo is tested with the evaluation; here only the rules are loaded
    monkeypatch.setattr(demo.demo_evaluation, "load", lambda **kwargs: None)
    demo.load(users=users, log=lambda message: None)
    return users


def test_there_are_rules_in_every_state_from_accepted_strategies(loaded):
    assert set(ExperienceRule.objects.values_list("status", flat=True)) == set(RuleStatus.values)
    assert not ExperienceRule.objects.exclude(strategy__status="accepted").exists()
    # the seed scenarios of PRODUCT.md are among them (港澳一卡多号, 飞信)
    codes = set(ExperienceRule.objects.values_list("products__code", flat=True))
    assert {"hk-macau-multi-number", "fetion", "web-hall", "tariffs"} <= codes


def test_histories_are_consistent_and_spread_over_two_years(loaded):
    today = timezone.localdate()
    for rule in ExperienceRule.objects.prefetch_related("transitions"):
        moves = list(rule.transitions.all())
        # each move starts where the previous one ended, after the rule was proposed, in the past
        assert [m.from_status for m in moves] == (["proposed"] + [m.to_status for m in moves])[: len(moves)]
        assert (moves[-1].to_status if moves else "proposed") == rule.status
        times = [rule.created_at] + [m.created_at for m in moves]
        assert times == sorted(times) and times[-1] <= timezone.now()
        assert rule.created_at >= rule.strategy.official_answer_at
        if rule.go_live_on:
            last_live = [m for m in moves if m.to_status == "live"][-1]
            assert rule.go_live_on == timezone.localdate(last_live.created_at)
    go_lives = sorted(ExperienceRule.objects.exclude(go_live_on=None).values_list("go_live_on", flat=True))
    assert len(go_lives) >= 8
    assert go_lives[0] <= today - dt.timedelta(days=600) and go_lives[-1] >= today - dt.timedelta(days=60)


def test_loading_twice_changes_nothing(loaded):
    counts = (ExperienceRule.objects.count(), RuleTransition.objects.count())
    demo.load(users=loaded, log=lambda message: None)
    assert (ExperienceRule.objects.count(), RuleTransition.objects.count()) == counts
