"""Every kind of notification stores the event, not the sentence (issue 19): caused by someone working
in Chinese, it reads in English for an English reader (the page, the API, the e-mail) and in Chinese
for a Chinese one.  One test per caller that creates notifications; they span the three apps, hence
this file at the top of tests/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import translation

from cxops.models import HotSpotAlert
from cxops.models import IssueStatus
from cxops.models import Notification
from cxops.roles import Role
from cxops.services.notifications import follow_create
from cxops.services.notifications import notification_preferences_set
from proposals.services.discussion import comment_create
from proposals.services.discussion import comment_hide
from proposals.services.strategies import strategy_update
from proposals.services.transitions import strategy_transition
from rules_lifecycle.services.rules import rule_update
from tests.factories import IssueFactory
from tests.factories import ProductFactory
from tests.proposals.factories import content
from tests.proposals.factories import make_strategy
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db


def _in(language: str, notification: Notification) -> str:
    with translation.override(language):
        return notification.rendered_title


def _only(recipient, kind: str) -> Notification:
    return Notification.objects.get(recipient=recipient, kind=kind)


def _chinese(callable_, *args, **kwargs):
    with translation.override("zh-hans"), TestCase.captureOnCommitCallbacks(execute=True):
        return callable_(*args, **kwargs)


def test_edit_kind(make_user):
    author, reader = make_user(Role.ANALYST, first_name="王"), make_user(Role.FRONTLINE)
    issue = IssueFactory(title="飞信无法登录")
    follow_create(user=reader, target=issue)
    strategy = _chinese(make_strategy, actor=author, issues=[issue])
    new = _only(reader, "edit")
    assert _in("en", new) == f"New strategy for issue “飞信无法登录”: {strategy.title}"
    assert _in("zh-hans", new) == new.title and "New strategy" not in new.title
    follow_create(user=reader, target=strategy)
    _chinese(
        strategy_update,
        strategy=strategy,
        actor=author,
        base_revision=1,
        content=content(title="改过的标题", product=strategy.product),
    )
    edited = Notification.objects.filter(recipient=reader, kind="edit").exclude(pk=new.pk).get()
    assert _in("en", edited) == "王 edited “改过的标题” (revision 2)"
    assert "edited" not in _in("zh-hans", edited)


def test_comment_and_mention_kinds(make_user):
    author = make_user(Role.ANALYST, username="author9", first_name="李")
    follower, named = make_user(Role.FRONTLINE), make_user(Role.FRONTLINE, username="named9")
    strategy = make_strategy(actor=author, title="候车室宣传")
    follow_create(user=follower, target=strategy)
    comment = _chinese(comment_create, actor=author, strategy=strategy, body="@named9 请看")
    assert _in("en", _only(named, "mention")) == "李 mentioned you on “候车室宣传”"
    assert _in("en", _only(follower, "comment")) == "李 commented on “候车室宣传”"
    assert "commented" not in _in("zh-hans", _only(follower, "comment"))
    moderator = make_user(Role.MANAGER)
    _chinese(comment_hide, comment=comment, actor=moderator, reason="与主题无关")
    hidden = Notification.objects.filter(recipient=author, kind="comment").get()
    assert _in("en", hidden) == "A moderator hid your comment on “候车室宣传”"
    assert "moderator" not in _in("zh-hans", hidden)


def test_status_and_vote_kinds_and_one_item_for_a_reader_who_follows_both(make_user):
    analyst, manager = make_user(Role.ANALYST), make_user(Role.MANAGER)
    owner = make_user(Role.PRODUCT_OWNER)
    issue = IssueFactory(title="漫游资费不清")
    strategy = make_strategy(actor=analyst, title="资费提醒", issues=[issue])
    watcher = make_user(Role.FRONTLINE)
    follow_create(user=watcher, target=strategy)
    follow_create(user=watcher, target=issue)  # the move reaches them by two paths
    _chinese(strategy_transition, strategy=strategy, to_status="discussion", actor=analyst)
    status = _only(watcher, "status")  # one item, not two
    assert _in("en", status) == "“资费提醒”: Draft → In discussion"
    assert _in("zh-hans", status) == status.title and "Draft" not in status.title
    _chinese(strategy_transition, strategy=strategy, to_status="voting", actor=analyst)
    assert _in("en", _only(owner, "vote")) == "Voting is open on “资费提醒”"
    _chinese(strategy_transition, strategy=strategy, to_status="accepted", actor=manager, reason="同意")
    closed = _only(analyst, "vote")  # the author follows their strategy; the manager moved it
    assert _in("en", closed) == "Voting closed on “资费提醒”: Accepted"
    assert "Accepted" not in _in("zh-hans", closed)


def test_issue_status_and_merge_kinds_and_a_reporter_who_follows_hears_once(make_user):
    from cxops.services.triage import issue_update
    from cxops.services.triage import reports_merge
    from tests.cxops.factories import file_report

    analyst, reporter = make_user(Role.ANALYST), make_user(Role.FRONTLINE)
    report = file_report(reporter)
    issue = _chinese(reports_merge, actor=analyst, report_ids=[report.pk], new_issue_title="飞信登录失败")
    follow_create(user=reporter, target=issue)
    other = file_report(make_user(Role.FRONTLINE))
    _chinese(reports_merge, actor=analyst, report_ids=[other.pk], issue=issue)
    merged = _only(reporter, "other")
    assert _in("en", merged) == "1 report(s) merged into “飞信登录失败”"
    _chinese(
        issue_update,
        actor=analyst,
        issue=issue,
        title=issue.title,
        description="",
        status=IssueStatus.RESOLVED,
        product=issue.product,
        layer=issue.layer,
        stage=issue.stage,
    )
    # the reporter follows the issue and reported it: one item (the reporter's own words)
    told = _only(reporter, "status")
    assert _in("en", told) == "What you reported was resolved: “飞信登录失败”"
    follower = make_user(Role.FRONTLINE)
    follow_create(user=follower, target=issue)
    _chinese(
        issue_update,
        actor=analyst,
        issue=issue,
        title=issue.title,
        description="",
        status=IssueStatus.CLOSED,
        product=issue.product,
        layer=issue.layer,
        stage=issue.stage,
    )
    assert _in("en", _only(follower, "status")) == "Issue “飞信登录失败” is now Closed"


def test_alert_kind_names_the_product_in_the_readers_language(make_user, settings):
    from cxops.services.hotspots import _notify_subscribers

    reader = make_user(Role.ANALYST)
    product = ProductFactory(name_zh="飞信", name_en="Fetion")
    follow_create(user=reader, target=product)
    alert = HotSpotAlert.objects.create(
        product=product,
        day=dt.date(2026, 11, 16),
        observed=200,
        expected=40.2,
        threshold=80,
        score=6.0,
        signal="product_reports",
    )
    _chinese(_notify_subscribers, alert)
    stored = _only(reader, "alert")
    assert _in("en", stored) == "Hot spot: Fetion — 200 on 2026-11-16, usually about 40"
    assert "飞信" in _in("zh-hans", stored) and "Hot spot" not in _in("zh-hans", stored)
    with translation.override("en"):
        assert stored.rendered_body == "Reports on a product"


def test_rule_and_evaluation_kinds_and_the_english_email(make_user, settings):
    settings.CXOPS_EMAIL_NOTIFICATIONS = True
    manager = user_with_role(Role.MANAGER)
    owner = make_user(Role.PRODUCT_OWNER, username="owner")
    notification_preferences_set(user=owner, preferences={}, language="en")
    rule = _chinese(make_rule, name="飞信下载短信", actor=manager)
    _chinese(rule_update, rule=rule, actor=manager, expected_version=rule.version, changes={"owner": owner})
    owned = _only(owner, "rule")
    assert _in("en", owned) == "You now own the rule “飞信下载短信”"
    assert "You" not in owned.title
    # the e-mail is in the owner's language, subject included
    (message,) = [m for m in mail.outbox if m.to == [owner.email]]
    assert message.subject == "[cxops] You now own the rule “飞信下载短信”"
    assert "Open it in cxops" in message.body

    from tests.rules_lifecycle.test_evaluation import TODAY
    from tests.rules_lifecycle.test_evaluation import Truth
    from tests.rules_lifecycle.test_evaluation import live_rule
    from tests.rules_lifecycle.test_evaluation import run_for

    live = live_rule(days_live=70, truth=Truth(complaint_rate=0.60), manager=manager)
    Notification.objects.all().delete()
    from rules_lifecycle.services.evaluation import rules_evaluate

    for back in (7, 0):
        with translation.override("zh-hans"), TestCase.captureOnCommitCallbacks(execute=True):
            rules_evaluate(run=run_for(TODAY - dt.timedelta(days=back)), rule_ids=[live.pk])
    flag = _only(manager, "evaluation")
    assert _in("en", flag) == f"Rule “{live.name}”: “retire” at 2 consecutive weekly looks"
    assert "consecutive" not in _in("zh-hans", flag)
    with translation.override("en"):
        assert flag.rendered_body.startswith("The evaluation suggests retiring this rule.")
