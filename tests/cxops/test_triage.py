"""Triage: classify, merge (existing or new issue), split out, dismiss, reopen — counts and rollups exact,
permissions enforced, concurrent merges exact on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from cxops.errors import ApplicationError
from cxops.models import ExperienceIssue
from cxops.models import ExperienceReport
from cxops.models import IssueDailyRollup
from cxops.models import Notification
from cxops.models import ReportStatus
from cxops.services.notifications import follow_create
from cxops.services.rollups import rollups_verify
from cxops.services.triage import issue_create
from cxops.services.triage import reports_classify
from cxops.services.triage import reports_dismiss
from cxops.services.triage import reports_merge
from cxops.services.triage import reports_reopen
from cxops.services.triage import reports_unmerge
from tests.cxops.factories import file_report
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(frontline):
    return [file_report(frontline, summary=f"飞信申请失败{n}") for n in range(4)]


def test_classify_sets_fields_marks_new_reports_triaged_and_moves_rollups(analyst, reports):
    product = ProductFactory(code="fetion-x")
    n = reports_classify(
        actor=analyst,
        report_ids=[r.pk for r in reports[:2]],
        product=product,
        layer="convenience",
        stage="knowledge",
    )
    assert n == 2
    first = ExperienceReport.objects.get(pk=reports[0].pk)
    assert (first.product, first.layer, first.stage, first.status, first.triaged_by) == (
        product,
        "convenience",
        "knowledge",
        "triaged",
        analyst,
    )
    assert ExperienceReport.objects.get(pk=reports[2].pk).status == "new"
    assert first.history.first().history_change_reason == "已分类"
    assert rollups_verify() == []


def test_merge_into_a_new_issue_then_another_then_split_out_keeps_counts_exact(analyst, reports):
    ids = [r.pk for r in reports]
    issue = reports_merge(actor=analyst, report_ids=ids[:3], new_issue_title="飞信申请失败")
    assert issue.report_count == 3
    assert issue.product == reports[0].product
    assert issue.first_reported_at == min(r.occurred_at for r in reports[:3])
    assert issue.last_reported_at == max(r.occurred_at for r in reports[:3])
    other = issue_create(actor=analyst, title="飞信无法登录")
    other = reports_merge(actor=analyst, report_ids=ids[2:], issue=other)
    issue.refresh_from_db()
    assert (issue.report_count, other.report_count) == (2, 2)
    assert sum(IssueDailyRollup.objects.filter(issue=other).values_list("count", flat=True)) == 2
    assert reports_unmerge(actor=analyst, report_ids=[ids[0]]) == 1
    issue.refresh_from_db()
    assert issue.report_count == 1
    assert ExperienceReport.objects.get(pk=ids[0]).status == ReportStatus.TRIAGED
    assert rollups_verify() == []


def test_merging_reports_already_in_the_issue_changes_nothing(analyst, reports):
    issue = reports_merge(actor=analyst, report_ids=[reports[0].pk], new_issue_title="t")
    issue = reports_merge(actor=analyst, report_ids=[reports[0].pk], issue=issue)
    assert issue.report_count == 1
    assert rollups_verify() == []


def test_dismiss_needs_a_reason_takes_reports_out_of_counts_and_reopen_puts_them_back(analyst, reports):
    issue = reports_merge(actor=analyst, report_ids=[reports[0].pk, reports[1].pk], new_issue_title="t")
    with pytest.raises(ApplicationError, match="请说明驳回原因"):
        reports_dismiss(actor=analyst, report_ids=[reports[0].pk], reason=" ")
    assert ExperienceReport.objects.get(pk=reports[0].pk).status == ReportStatus.LINKED
    reports_dismiss(actor=analyst, report_ids=[reports[0].pk, reports[2].pk], reason="测试数据")
    issue.refresh_from_db()
    assert issue.report_count == 1
    dismissed = ExperienceReport.objects.get(pk=reports[0].pk)
    assert (dismissed.status, dismissed.issue, dismissed.dismiss_reason) == ("dismissed", None, "测试数据")
    assert rollups_verify() == []
    assert reports_reopen(actor=analyst, report_ids=[reports[0].pk]) == 1
    assert ExperienceReport.objects.get(pk=reports[0].pk).status == ReportStatus.NEW
    assert rollups_verify() == []


def test_followers_hear_about_merges(analyst, reports, make_user):
    follower = make_user("frontline")
    issue = issue_create(actor=analyst, title="飞信申请失败")
    follow_create(user=follower, target=issue)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        reports_merge(actor=analyst, report_ids=[reports[0].pk], issue=issue)
    assert list(Notification.objects.filter(recipient=follower).values_list("title", flat=True)) == [
        "1 条报告合并到“飞信申请失败”"
    ]


def test_frontline_cannot_triage_by_service(frontline, reports):
    for call in (
        lambda: reports_classify(actor=frontline, report_ids=[reports[0].pk], layer="emotional"),
        lambda: reports_merge(actor=frontline, report_ids=[reports[0].pk], new_issue_title="x"),
        lambda: reports_dismiss(actor=frontline, report_ids=[reports[0].pk], reason="x"),
        lambda: reports_unmerge(actor=frontline, report_ids=[reports[0].pk]),
    ):
        with pytest.raises(ApplicationError) as refused:
            call()
        assert refused.value.code == "forbidden"
    assert ExperienceIssue.objects.count() == 0
    assert set(ExperienceReport.objects.values_list("status", "layer")) == {("new", "functional")}


def test_frontline_cannot_open_the_queue_or_act(client_for, frontline, reports):
    client = client_for(frontline)
    assert client.get(reverse("reports:triage")).status_code == 403
    response = client.post(
        reverse("reports:triage-act"), {"action": "dismiss", "reports": [reports[0].pk], "reason": "x"}
    )
    assert response.status_code == 403
    assert ExperienceReport.objects.get(pk=reports[0].pk).status == "new"


def test_the_queue_shows_new_reports_and_bulk_actions_work(client_for, analyst, reports):
    client = client_for(analyst)
    page = client.get(reverse("reports:triage"))
    assert page.status_code == 200
    assert [r.pk for r in page.context["page"].items] == sorted((r.pk for r in reports), reverse=True)
    response = client.post(
        reverse("reports:triage-act"),
        {
            "action": "merge",
            "reports": [reports[0].pk, reports[1].pk],
            "new_issue_title": "飞信申请失败",
            "next": "/sense/triage/",
        },
    )
    assert response.status_code == 302
    issue = ExperienceIssue.objects.get()
    assert issue.report_count == 2
    client.post(
        reverse("reports:triage-act"), {"action": "dismiss", "reports": [reports[2].pk], "reason": "重复"}
    )
    remaining = client.get(reverse("reports:triage")).context["page"].items
    assert [r.pk for r in remaining] == [reports[3].pk]
    # an action with a missing reason is refused with a message and changes nothing
    response = client.post(
        reverse("reports:triage-act"), {"action": "dismiss", "reports": [reports[3].pk]}, follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert ExperienceReport.objects.get(pk=reports[3].pk).status == "new"
    assert rollups_verify() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_merges_into_one_issue_keep_the_count_exact(make_user):
    # given 40 reports and one issue
    frontline = make_user("frontline")
    analysts = [make_user("analyst") for _ in range(4)]
    product = ProductFactory()
    reports = [file_report(frontline, product=product, summary=f"飞信登录失败{n}") for n in range(40)]
    issue = issue_create(actor=analysts[0], title="飞信登录失败")
    other = issue_create(actor=analysts[0], title="飞信其他问题")
    ids = [r.pk for r in reports]
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def merge(worker: int) -> None:
        try:
            barrier.wait()
            for round_ in range(5):
                # overlapping slices, moving reports back and forth between the two issues
                chunk = ids[(worker * 7 + round_ * 3) % 30 :][:12]
                target = issue if (worker + round_) % 2 == 0 else other
                reports_merge(actor=analysts[worker], report_ids=chunk, issue=target)
        except BaseException as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connection.close()

    # when four analysts merge overlapping sets at the same time
    threads = [threading.Thread(target=merge, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then no merge failed and the counts equal the linked reports exactly
    assert errors == []
    for target in (issue, other):
        target.refresh_from_db()
        assert target.report_count == ExperienceReport.objects.filter(issue=target, status="linked").count()
    assert issue.report_count + other.report_count == ExperienceReport.objects.filter(status="linked").count()
    assert rollups_verify() == []
