"""Workflow signals: a live rule past its review date is flagged, an accepted strategy says what comes
next (and who takes it), and a strategy proposed from an issue starts from that issue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxops.roles import Role
from proposals.forms import initial_from_issues
from rules_lifecycle.models import ExperienceRule
from tests.factories import IssueFactory
from tests.factories import ProductFactory
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import rule_in
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db


def _client(user, lang="zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


def _past_review(rule: ExperienceRule, days: int) -> ExperienceRule:
    ExperienceRule.objects.filter(pk=rule.pk).update(
        review_due_on=timezone.localdate() - dt.timedelta(days=days)
    )
    rule.refresh_from_db()
    return rule


def test_review_overdue_days_counts_only_live_rules_past_their_date():
    rule = rule_in("live")
    assert rule.review_due_on > timezone.localdate() and rule.review_overdue_days == 0
    assert _past_review(rule, 0).review_overdue_days == 0  # due today is not overdue yet
    assert _past_review(rule, 3).review_overdue_days == 3
    reviewing = _past_review(rule_in("under_review"), 3)
    assert reviewing.review_overdue_days == 0  # the decision is being made


def test_board_and_rule_page_flag_a_rule_past_its_review_date():
    rule = _past_review(rule_in("live"), 4)
    on_time = rule_in("live", name="准时的规则")
    manager = user_with_role(Role.MANAGER)
    board = _client(manager).get(reverse("rules:board")).content.decode()
    assert board.count("overdue-flag") == 1 and "逾期 4 天" in board
    page = _client(manager).get(rule.get_absolute_url()).content.decode()
    assert "已超过评审日期" in page and "4 天" in page
    english = _client(manager, "en").get(rule.get_absolute_url()).content.decode()
    assert "by 4 days: start the review" in english
    assert "overdue-flag" not in _client(manager).get(on_time.get_absolute_url()).content.decode()


def test_an_accepted_strategy_without_a_rule_offers_the_next_step():
    strategy = StrategyFactory(
        official_answer_by=user_with_role(Role.MANAGER), official_answer_at=timezone.now()
    )
    owner = user_with_role(Role.PRODUCT_OWNER)
    create_url = reverse("rules:create", args=[strategy.pk])
    page = _client(owner).get(strategy.get_absolute_url()).content.decode()
    assert "下一步：把这条已采纳的策略落地为体验规则" in page and create_url in page

    frontline = user_with_role(Role.FRONTLINE)
    seen = _client(frontline).get(strategy.get_absolute_url()).content.decode()
    assert "下一步" in seen and create_url not in seen  # told who acts, not offered a refusal

    rule = make_rule(owner=owner, strategy=strategy)
    after = _client(owner).get(strategy.get_absolute_url()).content.decode()
    assert "下一步：把这条" not in after and rule.get_absolute_url() in after


def test_a_draft_strategy_shows_no_rules_panel():
    strategy = StrategyFactory(status="draft", official_answer="")
    page = _client(user_with_role(Role.PRODUCT_OWNER)).get(strategy.get_absolute_url()).content.decode()
    assert 'id="strategy-rules-h"' not in page


def test_a_strategy_proposed_from_an_issue_starts_from_it():
    product = ProductFactory()
    issue = IssueFactory(
        product=product, title="彩信发送失败", description="客户反映彩信总是发不出去", layer="functional"
    )
    analyst = user_with_role(Role.ANALYST)
    page = _client(analyst).get(reverse("proposals:create") + f"?issue={issue.pk}").content.decode()
    assert 'value="彩信发送失败"' in page
    assert "客户反映彩信总是发不出去</textarea>" in page
    assert f'<option value="{product.code}" selected>' in page

    other = IssueFactory(product=ProductFactory(), layer="emotional")
    both = initial_from_issues(
        [str(issue.pk), str(other.pk), "abc", "-1", "99999999999999999999"], user=analyst
    )
    assert both["issues"] == [issue.pk, other.pk] and both["title"] == "彩信发送失败"
    assert "product" not in both and "layer" not in both  # the issues disagree: the author chooses
    assert initial_from_issues(["nope"], user=analyst) == {}
