"""The audit log: every listed event, made through the services that do the work, writes exactly
one line (actor, address, object); the log cannot be edited or deleted through the app."""

from __future__ import annotations

import contextlib

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from cxops.models import AuditEvent
from cxops.models import ExperienceIssue
from cxops.models import ImportJob
from cxops.roles import Role
from cxops.services.access import user_access_set
from cxops.services.audit import AuditAction
from cxops.services.imports.core import import_job_create
from cxops.services.imports.core import import_job_start
from cxops.services.service_accounts import service_account_create
from cxops.services.service_accounts import service_token_issue
from cxops.services.service_accounts import service_token_revoke
from cxops.services.triage import reports_classify
from cxops.services.triage import reports_dismiss
from cxops.services.triage import reports_merge
from cxops.services.triage import reports_reopen
from cxops.services.triage import reports_unmerge
from tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def exactly_one(action: str, **expected):
    """The block writes exactly one audit line, of `action` (and with the `expected` fields)."""
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    yield
    new = list(AuditEvent.objects.filter(id__gt=last).order_by("id"))
    assert [event.action for event in new] == [action]
    for field, value in expected.items():
        assert getattr(new[0], field) == value, field


def test_sign_in_sign_out_and_failures(make_user):
    user = make_user(Role.ANALYST, username="li.lei")
    client = Client(REMOTE_ADDR="10.0.0.7")
    with exactly_one(AuditAction.SIGN_IN_FAILED, actor_name="li.lei", address="10.0.0.7", actor=None):
        client.post(reverse("login"), {"username": "li.lei", "password": "wrong"})
    with exactly_one(AuditAction.SIGN_IN, actor=user, address="10.0.0.7", object_id=str(user.pk)):
        client.post(reverse("login"), {"username": "li.lei", "password": "pw-test-12345"})
    with exactly_one(AuditAction.SIGN_OUT, actor=user):
        client.post(reverse("logout"))


def test_role_changes_and_service_tokens(make_user, admin_user_role):
    user = make_user(Role.FRONTLINE)
    with exactly_one(AuditAction.ACCESS_CHANGED, actor=admin_user_role, object_id=str(user.pk)):
        user_access_set(
            actor=admin_user_role,
            user=user,
            groups=[Group.objects.get(name=Role.FRONTLINE), Group.objects.get(name=Role.ANALYST)],
        )
    assert "role:analyst: - → granted" in AuditEvent.objects.get(action=AuditAction.ACCESS_CHANGED).summary
    with exactly_one(AuditAction.SERVICE_ACCOUNT_CREATED):
        account = service_account_create(actor=admin_user_role, name="hotline-10086")
    with exactly_one(AuditAction.TOKEN_CREATED, actor=admin_user_role):
        row, _token = service_token_issue(actor=admin_user_role, account=account, scopes="reports:write")
    with exactly_one(AuditAction.TOKEN_REVOKED, object_id=str(row.pk)):
        service_token_revoke(actor=admin_user_role, token=row)
    before = AuditEvent.objects.count()
    service_token_revoke(actor=admin_user_role, token=row)  # already revoked: nothing happened
    assert AuditEvent.objects.count() == before


def test_triage_decisions_imports_and_exports(analyst, reference_data, client_for, admin_user_role):
    reports = [ReportFactory(product=reference_data["products"]["fetion"]) for _ in range(3)]
    ids = [report.pk for report in reports]
    with exactly_one(AuditAction.TRIAGED, actor=analyst):
        issue = reports_merge(actor=analyst, report_ids=ids[:2], new_issue_title="飞信登录失败")
    assert AuditEvent.objects.filter(action=AuditAction.TRIAGED).get().object_id == str(issue.pk)
    with exactly_one(AuditAction.TRIAGED):
        reports_unmerge(actor=analyst, report_ids=ids[:1])
    with exactly_one(AuditAction.TRIAGED):
        reports_dismiss(actor=analyst, report_ids=ids[2:], reason="测试数据 13800138000")
    assert "138****8000" in AuditEvent.objects.order_by("-id").first().summary
    with exactly_one(AuditAction.TRIAGED):
        reports_reopen(actor=analyst, report_ids=ids[2:])
    with exactly_one(AuditAction.TRIAGED):
        reports_classify(actor=analyst, report_ids=ids[2:], layer="functional")
    assert ExperienceIssue.objects.count() == 1

    job = import_job_create(
        actor=analyst,
        kind="reports",
        source_system="hotline",
        original_name="t.csv",
        data="工单号,受理时间,工单类型,业务名称,渠道,体验层次,体验生命周期,摘要\n"
        "T1,2026-10-22 06:50:00,投诉,飞信,10086热线,功能性体验,使用,飞信申请失败\n".encode(),
    )
    with exactly_one(AuditAction.IMPORT_STARTED, actor=analyst, object_id=str(job.pk)):
        import_job_start(actor=analyst, job=job, enqueue=False)
    assert ImportJob.objects.get().status == "queued"

    client = client_for(analyst)
    with exactly_one(AuditAction.EXPORTED, actor=analyst):
        response = client.get(reverse("reports:import-rejected", args=[job.pk]))
        assert response.status_code == 200
        b"".join(response.streaming_content)
    admin_client = client_for(admin_user_role)
    with exactly_one(AuditAction.EXPORTED, actor=admin_user_role):
        response = admin_client.get(reverse("identity:audit") + "?format=csv&action=triage.decided")
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200
    assert body.count("triage.decided") == 5 and "13800138000" not in body


def test_official_answers_rule_transitions_and_evaluation_decisions(
    analyst, manager, product_owner, client_for
):
    from proposals.services.transitions import strategy_transition
    from rules_lifecycle.transitions import rule_transition
    from tests.proposals.factories import make_strategy
    from tests.rules_lifecycle.factories import make_rule
    from tests.rules_lifecycle.factories import rule_in

    strategy = make_strategy(actor=analyst, status="voting")
    with exactly_one(AuditAction.OFFICIAL_ANSWER, actor=manager, object_id=str(strategy.pk)):
        strategy_transition(strategy=strategy, to_status="accepted", actor=manager, reason="采纳：成本低")
    rule = make_rule(owner=product_owner)
    with exactly_one(AuditAction.RULE_TRANSITION, actor=manager, object_id=str(rule.pk)):
        rule_transition(rule=rule, to_status="approved", actor=manager)
    reviewed = rule_in("under_review", manager=manager, owner=product_owner)
    client = client_for(manager)
    with exactly_one(AuditAction.EVALUATION_DECISION, actor=manager, object_id=str(reviewed.pk)):
        response = client.post(
            reverse("evaluation:decide", args=[reviewed.pk]), {"to_status": "kept", "reason": "效果显著"}
        )
    assert response.status_code == 302
    reviewed.refresh_from_db()
    assert reviewed.status == "kept"


def test_admin_changes_are_audited_and_the_log_cannot_be_changed_there(make_user, reference_data):
    superuser = make_user(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    channel = reference_data["channels"]["hotline-10086"]
    url = reverse("admin:cxops_channel_change", args=[channel.pk])
    with exactly_one(AuditAction.ADMIN_CHANGE, actor=superuser, object_id=str(channel.pk)):
        response = client.post(
            url,
            {
                "code": channel.code,
                "name_zh": "10086热线（新）",
                "name_en": channel.name_en,
                "is_active": "on",
                "sort_order": channel.sort_order,
            },
        )
        assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.order_by("-id").first()
    assert client.get(reverse("admin:cxops_auditevent_change", args=[event.pk])).status_code == 200
    before = AuditEvent.objects.count()
    client.post(reverse("admin:cxops_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert AuditEvent.objects.count() == before
    event.summary = "rewritten"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_the_audit_page_filters_and_is_for_administrators_only(
    make_user, admin_user_role, client_for, analyst
):
    from cxops.services.audit import audit_record

    audit_record(actor=analyst, action=AuditAction.EXPORTED, summary="one")
    audit_record(actor=admin_user_role, action=AuditAction.TRIAGED, summary="two")
    assert client_for(analyst).get(reverse("identity:audit")).status_code == 403
    client = client_for(admin_user_role)
    page = client.get(reverse("identity:audit"), {"action": "data.exported"}).content.decode()
    assert "one" in page and ">two<" not in page
    english = client.get(reverse("identity:audit"), HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    assert client.get(reverse("identity:audit"), {"start": "not a day", "page": "²"}).status_code == 200
