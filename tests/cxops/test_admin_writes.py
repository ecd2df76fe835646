"""The Django admin is not a second, unchecked write path (issue 16, case 11): every write it
offers goes through the service the pages and the API use; the rest is not offered."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from cxops.models import ExperienceIssue
from cxops.models import ExperienceReport
from cxops.models import Notification
from cxops.roles import Role
from cxops.services.notifications import follow_create
from cxops.services.rollups import rollups_verify
from cxops.services.triage import reports_merge
from tests.cxops.factories import file_report
from tests.factories import IssueFactory

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-12345")


@pytest.fixture
def root_client(client_for, superuser):
    return client_for(superuser)


def test_an_issue_added_in_the_admin_goes_through_the_service(root_client, superuser, reference_data):
    response = root_client.post(
        "/admin/cxops/experienceissue/add/",
        {
            "title": f"客户{PHONE}反映飞信登录失败",
            "description": f"回拨 {PHONE}",
            "layer": "functional",
            "stage": "",
        },
    )
    assert response.status_code == 302
    issue = ExperienceIssue.objects.get()
    assert (issue.title, issue.description, issue.status, issue.created_by) == (
        "客户138****8000反映飞信登录失败",
        "回拨 138****8000",
        "open",
        superuser,
    )


def test_a_status_changed_in_the_admin_tells_the_followers(
    root_client, make_user, reference_data, django_capture_on_commit_callbacks
):
    issue = IssueFactory(product=None)
    follower = make_user(Role.ANALYST)
    follow_create(user=follower, target=issue)
    with django_capture_on_commit_callbacks(execute=True):
        response = root_client.post(
            f"/admin/cxops/experienceissue/{issue.pk}/change/",
            {
                "title": issue.title,
                "description": f"联系 {PHONE}",
                "status": "closed",
                "layer": "functional",
                "stage": "use",
            },
        )
    assert response.status_code == 302
    issue.refresh_from_db()
    assert (issue.status, issue.description) == ("closed", "联系 138****8000")
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [(follower.pk, "status")]


def test_an_issue_with_reports_is_not_deleted_in_the_admin(root_client, make_user, reference_data):
    analyst = make_user(Role.ANALYST)
    report = file_report(make_user(Role.FRONTLINE))
    issue = IssueFactory(product=report.product)
    reports_merge(actor=analyst, report_ids=[report.pk], issue=issue)
    # neither the delete page nor the list's bulk delete is offered
    assert root_client.get(f"/admin/cxops/experienceissue/{issue.pk}/delete/").status_code == 403
    assert (
        root_client.post(f"/admin/cxops/experienceissue/{issue.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    bulk = root_client.post(
        "/admin/cxops/experienceissue/",
        {"action": "delete_selected", "_selected_action": [issue.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    issue.refresh_from_db()
    assert issue.report_count == 1
    assert ExperienceReport.objects.get().issue_id == issue.pk
    assert rollups_verify() == []


def test_a_report_is_neither_changed_nor_deleted_in_the_admin(root_client, make_user, reference_data):
    report = file_report(make_user(Role.FRONTLINE), summary="飞信登录失败")
    url = f"/admin/cxops/experiencereport/{report.pk}/"
    assert root_client.post(f"{url}change/", {"summary": f"改成 {PHONE}", "detail": PHONE}).status_code == 403
    assert root_client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    root_client.post(
        "/admin/cxops/experiencereport/",
        {"action": "delete_selected", "_selected_action": [report.pk], "post": "yes"},
    )
    report.refresh_from_db()
    assert (report.summary, report.detail) == ("飞信登录失败", "")
    assert rollups_verify() == []


def test_no_past_version_is_restored_through_the_admin_history(root_client, reference_data):
    issue = IssueFactory(product=None, title="旧标题")
    root_client.post(
        f"/admin/cxops/experienceissue/{issue.pk}/change/",
        {"title": "新标题", "description": "", "status": "closed", "layer": "functional", "stage": "use"},
    )
    first = issue.history.order_by("history_id").first()
    url = f"/admin/cxops/experienceissue/{issue.pk}/history/{first.history_id}/"
    assert root_client.get(url).status_code == 200  # a past version can be looked at
    response = root_client.post(url, {"title": "旧标题", "status": "open", "layer": "functional"})
    assert response.status_code == 403
    issue.refresh_from_db()
    assert (issue.title, issue.status) == ("新标题", "closed")


# Admins through which a write reaches a service, or where the admin is the place of the write.
WRITE_PATHS = {
    "cxops.ExperienceIssue": "issue_create / issue_update",
    "cxops.Product": "reference data is edited in the admin",
    "cxops.Channel": "reference data is edited in the admin",
    "cxops.Segment": "reference data is edited in the admin",
    "cxops.Region": "cxops.services.reference.region_save",
    "cxops.MatchConcept": "cxops.services.matching.match_concept_save",
    "auth.User": "cxops.services.access",
    "auth.Group": "cxops.services.access (superusers only)",
    "authtoken.TokenProxy": "API tokens are issued by superusers here",
    "axes.AccessAttempt": "unlocking a locked sign-in",
    "axes.AccessLog": "sign-in records",
    "axes.AccessFailureLog": "sign-in records",
}


def test_every_other_admin_offers_no_write_at_all(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    offering = {}
    for model, model_admin in admin.site._registry.items():
        label = f"{model._meta.app_label}.{model.__name__}"
        if label in WRITE_PATHS:
            continue
        writes = [
            name
            for name, allowed in (
                ("add", model_admin.has_add_permission(request)),
                ("change", model_admin.has_change_permission(request)),
                ("delete", model_admin.has_delete_permission(request)),
            )
            if allowed
        ]
        if writes:
            offering[label] = writes
    assert offering == {}
