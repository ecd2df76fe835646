"""Issues get an owner and a clock: due time from severity, escalation at the due time (once), the
reporters told when their issue is resolved, closed or becomes a live rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cxops.errors import ApplicationError
from cxops.issue_clock import BREACHED
from cxops.issue_clock import DUE_SOON
from cxops.issue_clock import ON_TRACK
from cxops.issue_clock import parse_sla_hours
from cxops.issue_clock import sla_state
from cxops.models import ExperienceIssue
from cxops.models import Notification
from cxops.models import NotificationKind
from cxops.models import WebhookDelivery
from cxops.models import WebhookEvent
from cxops.selectors.issue_clock import issue_clock_summary
from cxops.services.issue_clock import issue_owner_set
from cxops.services.issue_clock import issues_escalate_breached
from cxops.services.triage import issue_create
from cxops.services.triage import issue_update
from cxops.services.webhooks import webhook_subscription_save
from rules_lifecycle.transitions import rule_transition
from tests.factories import IssueFactory
from tests.factories import ReportFactory
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_the_sla_table_is_read_strictly():
    assert parse_sla_hours("4:24,3:72,2:168,1:336") == {4: 24, 3: 72, 2: 168, 1: 336}
    for bad in ("4:24", "5:1,4:24,3:72,2:168,1:336", "4:0,3:72,2:168,1:336", "4-24"):
        with pytest.raises(ValueError, match="CXOPS_ISSUE_SLA_HOURS"):
            parse_sla_hours(bad)


def test_states_against_the_due_time():
    now = timezone.now()
    assert sla_state(due_at=now + dt.timedelta(hours=10), severity=4, open=True, now=now) == ON_TRACK
    assert (
        sla_state(due_at=now + dt.timedelta(hours=5), severity=4, open=True, now=now) == DUE_SOON
    )  # < 6 h of 24
    assert sla_state(due_at=now, severity=4, open=True, now=now) == BREACHED
    assert sla_state(due_at=now - dt.timedelta(days=9), severity=4, open=False, now=now) == ON_TRACK
    assert sla_state(due_at=None, severity=4, open=True, now=now) == ON_TRACK


def test_a_new_issue_gets_the_due_time_of_its_severity(analyst):
    issue = issue_create(actor=analyst, title="话费扣错")
    assert issue.severity == 2
    assert issue.due_at == issue.created_at + dt.timedelta(hours=168)


def test_an_overdue_critical_issue_escalates_at_its_due_time_once(
    make_user, analyst, settings, django_capture_on_commit_callbacks
):
    # given a critical (紧急) issue owned by an analyst, two managers and a webhook subscriber
    settings.CXOPS_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    webhook_subscription_save(
        actor=make_user("admin"),
        name="值班群",
        target_url="http://127.0.0.1:9/robot",
        format="wecom",
        events=[WebhookEvent.ISSUE_SLA_BREACHED],
        secret="",
    )
    managers = [make_user("manager"), make_user("manager")]
    owner = make_user("analyst")
    issue = issue_create(actor=analyst, title="携号转网后无法接收短信")
    with django_capture_on_commit_callbacks(execute=True):
        issue = issue_owner_set(actor=analyst, issue=issue, owner=owner, severity=4)
    assert issue.due_at == issue.created_at + dt.timedelta(hours=24)
    Notification.objects.all().delete()
    # when the sweep runs a minute before the due time: nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert issues_escalate_breached(now=issue.due_at - dt.timedelta(minutes=1)) == []
    assert not Notification.objects.exists()
    # when it runs at the due time: escalated, managers and owner told, the event sent
    with django_capture_on_commit_callbacks(execute=True):
        assert issues_escalate_breached(now=issue.due_at) == [issue.pk]
    issue.refresh_from_db()
    assert issue.escalated_at == issue.due_at
    assert sorted(
        Notification.objects.filter(kind=NotificationKind.ALERT).values_list("recipient", flat=True)
    ) == sorted([m.pk for m in managers] + [owner.pk])
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "issue.sla_breached"
    assert delivery.payload["data"]["issue"]["severity"] == 4
    assert "紧急" in " ".join(value for _label, value in delivery.payload["summary"]["facts"])
    # and again later: nothing more
    with django_capture_on_commit_callbacks(execute=True):
        assert issues_escalate_breached(now=issue.due_at + dt.timedelta(hours=3)) == []
    assert Notification.objects.count() == 3
    assert WebhookDelivery.objects.count() == 1


def test_resolved_and_closed_issues_are_not_escalated(analyst):
    issue = issue_create(actor=analyst, title="宽带报装超时")
    issue_update(
        actor=analyst,
        issue=issue,
        title=issue.title,
        description="",
        status="resolved",
        product=None,
        layer="",
        stage="",
    )
    assert issues_escalate_breached(now=timezone.now() + dt.timedelta(days=60)) == []


def test_lowering_the_severity_moves_the_due_time_and_clears_the_escalation(analyst):
    issue = issue_create(actor=analyst, title="积分清零")
    ExperienceIssue.objects.filter(pk=issue.pk).update(created_at=timezone.now() - dt.timedelta(hours=30))
    issue = issue_owner_set(actor=analyst, issue=issue, owner=None, severity=4)
    assert issues_escalate_breached() == [issue.pk]
    issue = issue_owner_set(actor=analyst, issue=issue, owner=None, severity=3)
    assert issue.escalated_at is None and issue.due_at > timezone.now()


def test_who_may_own_and_who_may_assign(make_user, analyst):
    issue = issue_create(actor=analyst, title="国际漫游无法上网")
    with pytest.raises(ApplicationError):
        issue_owner_set(actor=make_user("frontline"), issue=issue, owner=analyst, severity=3)
    with pytest.raises(ApplicationError):
        issue_owner_set(actor=analyst, issue=issue, owner=make_user("frontline"), severity=3)
    issue.refresh_from_db()
    assert (issue.owner_id, issue.severity) == (None, 2)


def _linked_report(issue, reporter):
    extra = {"product": issue.product} if issue.product_id else {}
    return ReportFactory(issue=issue, status="linked", reporter=reporter, **extra)


def test_the_reporter_hears_when_the_issue_becomes_a_live_rule(make_user, django_capture_on_commit_callbacks):
    # given two frontline reports merged into an issue, and a rule made from it
    reporters = [make_user("frontline"), make_user("frontline")]
    issue = IssueFactory()
    for reporter in reporters:
        _linked_report(issue, reporter)
    rule = make_rule(strategy=StrategyFactory(issues=[issue], product=issue.product))
    rule.issues.set([issue])
    manager = user_with_role("manager")
    for to_status, actor in (("approved", manager), ("implementing", rule.owner)):
        with django_capture_on_commit_callbacks(execute=True):
            rule_transition(rule=rule, to_status=to_status, actor=actor)
    assert not Notification.objects.filter(recipient__in=reporters).exists()  # not live yet
    # when it goes live
    with django_capture_on_commit_callbacks(execute=True):
        rule_transition(rule=rule, to_status="live", actor=rule.owner)
    # then each reporter has one notification that opens the rule
    told = Notification.objects.filter(recipient__in=reporters)
    assert sorted(told.values_list("recipient", flat=True)) == sorted(r.pk for r in reporters)
    assert {n.url for n in told} == {f"/rules/{rule.pk}/"}
    assert all(rule.name in n.title for n in told)


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_the_reporter_hears_when_the_issue_is_resolved_or_closed(
    make_user, analyst, django_capture_on_commit_callbacks, status
):
    reporter = make_user("frontline")
    issue = issue_create(actor=analyst, title="补卡收费争议")
    _linked_report(issue, reporter)
    with django_capture_on_commit_callbacks(execute=True):
        issue_update(
            actor=analyst,
            issue=issue,
            title=issue.title,
            description="",
            status="in_progress",
            product=None,
            layer="",
            stage="",
        )
    assert not Notification.objects.filter(recipient=reporter).exists()
    with django_capture_on_commit_callbacks(execute=True):
        issue_update(
            actor=analyst,
            issue=issue,
            title=issue.title,
            description="",
            status=status,
            product=None,
            layer="",
            stage="",
        )
    told = Notification.objects.get(recipient=reporter)
    assert told.url == f"/sense/issues/{issue.pk}/"


def test_the_issue_page_shows_the_clock_and_analysts_set_the_owner(make_user, client_for, analyst):
    issue = issue_create(actor=analyst, title="流量包未生效")
    owner = make_user("product_owner")
    page = client_for(make_user("frontline")).get(f"/sense/issues/{issue.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Owner and due time" in page.content.decode()
    assert 'name="severity"' not in page.content.decode()  # frontline reads only
    assert (
        client_for(make_user("frontline"))
        .post(f"/sense/issues/{issue.pk}/owner/", {"owner": owner.pk, "severity": 4})
        .status_code
        == 403
    )
    answer = client_for(analyst).post(f"/sense/issues/{issue.pk}/owner/", {"owner": owner.pk, "severity": 4})
    assert answer.status_code == 302
    issue.refresh_from_db()
    assert (issue.owner_id, issue.severity) == (owner.pk, 4)
    zh = (
        client_for(analyst).get(f"/sense/issues/{issue.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )
    assert "负责人与截止时间" in zh


def test_the_dashboard_counts_overdue_and_due_soon_issues(analyst, client_for):
    now = timezone.now()
    overdue, soon, fine = (
        issue_create(actor=analyst, title=t) for t in ("超时问题", "将到期问题", "正常问题")
    )
    ExperienceIssue.objects.filter(pk=overdue.pk).update(severity=4, due_at=now - dt.timedelta(hours=1))
    ExperienceIssue.objects.filter(pk=soon.pk).update(severity=4, due_at=now + dt.timedelta(hours=2))
    summary = issue_clock_summary(now=now)
    assert (summary["breached"], summary["due_soon"], [i.pk for i in summary["overdue"]]) == (
        1,
        1,
        [overdue.pk],
    )
    page = client_for(analyst).get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Issues past their due time" in page and "超时问题" in page and fine.title not in page
    listed = client_for(analyst).get("/sense/issues/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert listed.count("sla-breached") == 1 and listed.count("sla-due-soon") == 1


def test_a_city_member_sees_only_their_citys_overdue_issues_on_the_dashboard(make_user, client_for):
    from cxops.models import HomeRegion
    from cxops.models import Region
    from tests.factories import ReportFactory

    province_analyst = make_user("analyst")
    foshan, zhuhai = Region.objects.get(code="foshan"), Region.objects.get(code="zhuhai")
    analyst_fs = make_user("analyst")
    HomeRegion.objects.create(user=analyst_fs, region=foshan)
    now = timezone.now()
    here = issue_create(actor=province_analyst, title="佛山超时问题")
    there = issue_create(actor=province_analyst, title="珠海超时问题")
    ReportFactory(issue=here, region=foshan)
    ReportFactory(issue=there, region=zhuhai)
    ExperienceIssue.objects.filter(pk__in=[here.pk, there.pk]).update(
        severity=4, due_at=now - dt.timedelta(hours=1)
    )

    summary = issue_clock_summary(user=analyst_fs, now=now)
    assert (summary["breached"], [i.pk for i in summary["overdue"]]) == (1, [here.pk])
    page = client_for(analyst_fs).get("/dashboard/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "佛山超时问题" in page and "珠海超时问题" not in page
    assert issue_clock_summary(user=province_analyst, now=now)["breached"] == 2
