"""Service accounts: scoped, expiring, hashed tokens; revocation on the next request; the command."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from cxops.models import AuditEvent
from cxops.models import ExperienceReport
from cxops.models import ServiceAccount
from cxops.models import ServiceToken
from cxops.services.service_accounts import service_account_create
from cxops.services.service_accounts import service_token_issue
from cxops.services.service_accounts import service_token_revoke
from cxops.services.service_accounts import token_digest

pytestmark = pytest.mark.django_db

REPORT = {
    "source_type": "complaint",
    "product": "fetion",
    "channel": "hotline-10086",
    "layer": "functional",
    "stage": "use",
    "summary": "飞信登录失败",
    "occurred_at": "2026-10-22T06:50:00",
    "source_system": "hotline",
    "external_id": "H-1",
}


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _create(*args: str) -> str:
    out = io.StringIO()
    call_command("service_account", *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_a_reports_write_token_files_reports_reads_nothing_else_and_is_refused_after_revocation(
    reference_data,
):
    token = _create("create", "hotline-10086", "--scopes", "reports:write", "--expires", "2099-12-31")
    assert token.startswith("cxsa_")
    row = ServiceToken.objects.get()
    # stored hashed: the token itself is nowhere in the database
    assert row.digest == token_digest(token) and token not in str(list(ServiceToken.objects.values()))
    assert row.expires_at.date() == dt.date(2100, 1, 1) or row.expires_at.year == 2099
    client = _client(token)
    assert client.get("/api/products/").status_code == 200  # codes to send valid reports
    filed = client.post("/api/reports/", REPORT, format="json", REMOTE_ADDR="10.1.2.3")
    assert filed.status_code == 201, filed.content
    report = ExperienceReport.objects.get()
    assert report.reporter.service_account.name == "hotline-10086"
    for url in (
        "/api/issues/",
        "/api/reports/",
        f"/api/reports/{report.pk}/",
        "/api/strategies/",
        "/api/rules/",
    ):
        refused = client.get(url)
        assert refused.status_code == 403, url
        assert refused.json()["error"]["code"] == "permission_denied"
    assert client.post("/api/metrics/batch/", {"rows": []}, format="json").status_code == 403
    row.refresh_from_db()
    assert row.last_used_address == "10.1.2.3" and row.last_used_at is not None

    out = io.StringIO()
    call_command("service_account", "revoke", "hotline-10086", stdout=out)
    assert "Revoked 1 token" in out.getvalue()
    again = client.post("/api/reports/", {**REPORT, "external_id": "H-2"}, format="json")
    assert again.status_code == 401
    assert ExperienceReport.objects.count() == 1
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_name"))
    assert actions == [
        ("service_account.created", "manage.py"),
        ("service_token.created", "manage.py"),
        ("service_token.revoked", "manage.py"),
    ]


def test_revocation_is_effective_on_the_very_next_request(reference_data, admin_user_role):
    # Service tokens read their row on every request (nothing is cached, unlike personal tokens),
    # so a revocation cannot be outlived by a cached sign-in.
    account = service_account_create(actor=admin_user_role, name="web-forum")
    row, token = service_token_issue(actor=admin_user_role, account=account, scopes="issues:read")
    client = _client(token)
    assert client.get("/api/issues/").status_code == 200
    assert client.get("/api/issues/").status_code == 200
    service_token_revoke(actor=admin_user_role, token=row)
    assert client.get("/api/issues/").status_code == 401


def test_expired_wrong_and_tampered_tokens_are_401(reference_data, admin_user_role):
    account = service_account_create(actor=admin_user_role, name="mall")
    row, token = service_token_issue(
        actor=admin_user_role,
        account=account,
        scopes=["issues:read"],
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert _client(token).get("/api/issues/").status_code == 200
    assert _client(token[:-2] + "xx").get("/api/issues/").status_code == 401
    assert _client("cxsa_nope_nope").get("/api/issues/").status_code == 401
    ServiceToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = _client(token).get("/api/issues/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Token realm="api"'


def test_only_administrators_manage_service_accounts(analyst, manager, admin_user_role):
    from cxops.errors import ApplicationError

    for actor in (analyst, manager):
        with pytest.raises(ApplicationError):
            service_account_create(actor=actor, name="recharge")
    assert ServiceAccount.objects.count() == 0
    account = service_account_create(actor=admin_user_role, name="recharge")
    with pytest.raises(ApplicationError):
        service_token_issue(actor=manager, account=account, scopes="reports:write")
    assert ServiceToken.objects.count() == 0


def test_unknown_scopes_and_past_expiry_are_refused_by_the_command(db):
    from django.core.management.base import CommandError
    from django.utils import translation

    translation.activate("en")

    with pytest.raises(CommandError, match="unknown: everything"):
        _create("create", "mail-139", "--scopes", "everything")
    with pytest.raises(CommandError, match="future"):
        _create("create", "mail-139", "--scopes", "reports:write", "--expires", "2001-01-01")
    assert ServiceToken.objects.count() == 0


def test_the_service_account_cannot_sign_in_to_pages(client, db):
    _create("create", "forum", "--scopes", "reports:write")
    user = ServiceAccount.objects.get().user
    assert not user.has_usable_password()
    response = client.post("/accounts/login/", {"username": user.username, "password": ""})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
