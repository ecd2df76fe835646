"""Issue pages: reports, counts over time, channels, registered panels, follow/unfollow, editing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxops.models import ExperienceIssue
from cxops.panels import register_issue_panel
from cxops.panels import unregister_issue_panel
from cxops.services.notifications import is_following
from cxops.services.triage import reports_merge
from tests.cxops.factories import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue(frontline, analyst, reference_data):
    hotline, store = reference_data["channels"]["hotline-10086"], reference_data["channels"]["store"]
    reports = [file_report(frontline, channel=hotline, summary=f"飞信申请失败{n}") for n in range(3)]
    reports.append(file_report(frontline, channel=store, summary="营业厅反映飞信申请失败"))
    return reports_merge(actor=analyst, report_ids=[r.pk for r in reports], new_issue_title="飞信申请失败")


def test_the_issue_page_shows_reports_daily_counts_and_channels(client_for, analyst, issue):
    response = client_for(analyst).get(reverse("reports:issue", args=[issue.pk]))
    assert response.status_code == 200
    context = response.context
    assert len(context["reports"].items) == 4
    assert context["series"] == [{"day": "2026-10-22", "count": 4}]
    assert [(row["channel__code"], row["n"]) for row in context["channels"]] == [
        ("hotline-10086", 3),
        ("store", 1),
    ]
    assert context["can_edit"] is True


def test_frontline_sees_the_issue_but_only_their_own_reports_on_it(client_for, make_user, issue):
    stranger = make_user("frontline")
    response = client_for(stranger).get(reverse("reports:issue", args=[issue.pk]))
    assert response.status_code == 200
    assert response.context["reports"].items == []
    assert response.context["form"] is None


def test_registered_panels_render_on_the_issue_page_without_cxops_importing_them(client_for, analyst, issue):
    def strategies_panel(request, shown_issue):
        if shown_issue.pk != issue.pk:
            return None
        return "cxops/reports/_subnav.html", {"active": "issues"}

    def hidden_panel(request, shown_issue):
        return None

    register_issue_panel(strategies_panel, order=1)
    register_issue_panel(strategies_panel)  # idempotent
    register_issue_panel(hidden_panel)
    try:
        panels = client_for(analyst).get(reverse("reports:issue", args=[issue.pk])).context["panels"]
        assert len([p for p in panels if 'class="subnav"' in p]) == 1
    finally:
        unregister_issue_panel(strategies_panel)
        unregister_issue_panel(hidden_panel)


def test_follow_and_unfollow(client_for, frontline, issue):
    client = client_for(frontline)
    client.post(reverse("reports:issue-follow", args=[issue.pk]), {"follow": "1"})
    assert is_following(user=frontline, target=issue)
    page = client.get(reverse("reports:issue", args=[issue.pk])).content.decode()
    assert "取消关注" in page
    client.post(reverse("reports:issue-follow", args=[issue.pk]), {"follow": "0"})
    assert not is_following(user=frontline, target=issue)


def test_only_analysts_edit_issues(client_for, frontline, analyst, issue):
    data = {
        "title": "飞信申请失败（已定位）",
        "description": "",
        "status": "in_progress",
        "product": "",
        "layer": "functional",
        "stage": "use",
    }
    assert client_for(frontline).post(reverse("reports:issue-edit", args=[issue.pk]), data).status_code == 403
    assert ExperienceIssue.objects.get(pk=issue.pk).status == "open"
    client_for(analyst).post(reverse("reports:issue-edit", args=[issue.pk]), data)
    edited = ExperienceIssue.objects.get(pk=issue.pk)
    assert (edited.title, edited.status, edited.report_count) == ("飞信申请失败（已定位）", "in_progress", 4)


def test_the_issue_list_searches_chinese_titles(client_for, frontline, issue):
    response = client_for(frontline).get(reverse("reports:issues"), {"q": "申请失败"})
    assert [i.pk for i in response.context["page"].items] == [issue.pk]
    assert client_for(frontline).get(reverse("reports:issues"), {"q": "彩铃"}).context["page"].items == []
