from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from cxops.models import Channel
from cxops.models import Product
from cxops.models import Segment
from cxops.roles import Role
from cxops.roles import has_role
from cxops.roles import user_roles

ROOT = Path(__file__).resolve().parents[2]


def test_role_groups_exist_after_migrations(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_roles_nest(make_user):
    # given one user per role
    frontline, analyst, owner, manager = (
        make_user(r) for r in ("frontline", "analyst", "product_owner", "manager")
    )
    # then a manager holds every working role, an analyst does not vote, a product owner does not triage
    assert user_roles(manager) == {"manager", "analyst", "product_owner", "frontline"}
    assert has_role(analyst, Role.FRONTLINE) and not has_role(analyst, Role.PRODUCT_OWNER)
    assert has_role(owner, Role.FRONTLINE) and not has_role(owner, Role.ANALYST)
    assert user_roles(frontline) == {"frontline"}


def test_user_without_group_has_no_role(make_user):
    assert user_roles(make_user()) == frozenset()


def test_demo_is_idempotent(db):
    # when the demo command runs twice
    call_command("demo", "--no-migrate", stdout=io.StringIO())
    counts = (Product.objects.count(), Channel.objects.count(), Segment.objects.count())
    call_command("demo", "--no-migrate", stdout=io.StringIO())
    # then nothing is duplicated and the seed values of PRODUCT.md are there in both languages
    assert (Product.objects.count(), Channel.objects.count(), Segment.objects.count()) == counts
    fetion = Product.objects.get(code="fetion")
    assert (fetion.name_zh, fetion.name_en) == ("飞信", "Fetion")
    assert Channel.objects.filter(name_zh="10086热线").exists()


@pytest.mark.django_db(transaction=True)
def test_demo_accounts_arrive_with_a_few_unread_notifications_not_two_years_worth():
    """As `manage.py demo` really runs (autocommit: notifications are written as the services go)."""
    from cxops.models import Notification

    call_command("demo", "--no-migrate", stdout=io.StringIO())
    for username in ("analyst", "owner", "manager"):
        unread = Notification.objects.filter(read_at__isnull=True, recipient__username=username).count()
        assert unread <= 5, username
    analyst = Notification.objects.filter(recipient__username="analyst")
    assert analyst.count() > analyst.filter(read_at__isnull=True).count() > 0


def test_signed_in_pages_render_in_both_languages(client_for, analyst):
    client = client_for(analyst)
    home_zh = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "看板" in home_zh or "仪表盘" in home_zh
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    home_en = client.get("/").content.decode()
    assert "Dashboard" in home_en


def test_content_security_policy_sent(client_for, frontline):
    response = client_for(frontline).get("/")
    assert "script-src 'self'" in response["Content-Security-Policy"]


def _run_manage(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secret_key():
    result = _run_manage({"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "cx.example.com"}, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run_manage({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 60}, "check")
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


@pytest.mark.slow
def test_check_deploy_is_clean_under_production_settings():
    result = _run_manage(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "k3y-" + "a9Zq" * 16,
            "DJANGO_ALLOWED_HOSTS": "cx.example.com",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_missing_migrations(db):
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())


@pytest.mark.django_db
def test_the_main_menu_offers_only_sections_the_user_may_open(client_for, frontline, analyst, reference_data):
    from django.urls import reverse

    dashboard = reverse("dashboard:overview")
    for user, shown in ((frontline, False), (analyst, True)):
        client = client_for(user)
        home = client.get("/").content.decode()
        assert (f'href="{dashboard}"' in home) is shown
        # and every link the menu does offer opens
        assert client.get(dashboard).status_code == (200 if shown else 403)
