"""Hostile values in page forms (a sweep of every POST page as every role found these): each was a
server error, two of them after the change was saved; each is now a form error or a refusal."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cxops.models import ExperienceReport
from cxops.models import Notification
from cxops.models import ReportStatus
from cxops.roles import Role
from rules_lifecycle.models import ExperienceRule
from tests.security.matrix import _report_form
from tests.security.matrix import _rule_edit_form
from tests.security.matrix import _rule_form
from tests.security.matrix import _strategy_create
from tests.security.matrix import _webhook_form
from tests.security.test_hostile_input import _page

pytestmark = pytest.mark.django_db

HUGE = ["9223372036854775808", "18446744073709551616", "-9223372036854775809"]  # 2**63, 2**64, −(2**63 + 1)


def _ctx(world, role):
    from cxops.models import Channel
    from cxops.models import Product

    def obj(key):
        if key in ("product", "channel"):
            return (Product if key == "product" else Channel).objects.order_by("pk").first()
        return world.objects[key]

    return SimpleNamespace(obj=obj, user=world.users[role])


@pytest.mark.parametrize("target", ["garbage", "logout", "-1", "١٢", "0001-01-01", "//evil.example/x"])
def test_a_next_that_is_no_local_path_goes_back_to_the_list_after_the_change(world, target):
    analyst = world.users[Role.ANALYST]
    client = _page(analyst)
    notification = Notification.objects.create(recipient=analyst, kind="mention", title="t")
    read = client.post("/notifications/read/", {"id": notification.pk, "next": target})
    assert (read.status_code, read["Location"]) == (302, "/notifications/")
    notification.refresh_from_db()
    assert notification.read_at is not None
    report = world.objects["report_own"]
    acted = client.post(
        "/sense/triage/act/", {"action": "dismiss", "reports": [report.pk], "reason": "重复", "next": target}
    )
    assert (acted.status_code, acted["Location"]) == (302, "/sense/triage/")
    assert ExperienceReport.objects.get(pk=report.pk).status == ReportStatus.DISMISSED


def test_a_next_that_is_a_local_path_is_followed(world):
    analyst = world.users[Role.ANALYST]
    notification = Notification.objects.create(recipient=analyst, kind="mention", title="t")
    read = _page(analyst).post("/notifications/read/", {"id": notification.pk, "next": "/pool/?q=x"})
    assert (read.status_code, read["Location"]) == (302, "/pool/?q=x")


@pytest.mark.parametrize("value", HUGE)
def test_an_id_beyond_64_bits_in_a_multiple_choice_is_a_form_error(world, value):
    filing = _page(world.users[Role.FRONTLINE]).post(
        "/sense/", {**_report_form(_ctx(world, Role.FRONTLINE)), "segments": value}
    )
    assert filing.status_code == 200 and filing.context["form"].errors["segments"]
    proposing = _page(world.users[Role.ANALYST]).post(
        "/pool/new/", {**_strategy_create(_ctx(world, Role.ANALYST)), "issues": value}
    )
    assert proposing.status_code == 200 and proposing.context["form"].errors["issues"]
    owner = world.users[Role.PRODUCT_OWNER]
    rules_before = ExperienceRule.objects.count()
    for field in ("products", "control_regions"):
        ruled = _page(owner).post(
            f"/rules/from-strategy/{world.objects['strategy'].pk}/",
            {**_rule_form(_ctx(world, Role.PRODUCT_OWNER)), field: value},
        )
        assert ruled.status_code == 200 and ruled.context["form"].errors[field], field
    assert ExperienceRule.objects.count() == rules_before
    subscribed = _page(world.users[Role.ADMIN]).post(
        "/integrations/webhooks/", {**_webhook_form(_ctx(world, Role.ADMIN)), "regions": value}
    )
    assert subscribed.status_code in (200, 400), subscribed.status_code


@pytest.mark.parametrize("value", HUGE)
def test_a_triage_report_id_beyond_64_bits_is_no_such_report(world, value):
    acted = _page(world.users[Role.ANALYST]).post(
        "/sense/triage/act/", {"action": "reopen", "reports": [value]}
    )
    assert acted.status_code == 302


def test_a_strategy_edit_from_a_revision_beyond_any_is_a_form_error(world):
    strategy = world.objects["strategy_other"]
    body = {
        **_strategy_create(_ctx(world, Role.FRONTLINE)),
        "title": strategy.title,
        "base_revision": HUGE[0],
    }
    edited = _page(world.users[Role.FRONTLINE]).post(f"/pool/{strategy.pk}/edit/", body)
    assert edited.status_code == 200 and edited.context["form"].errors["base_revision"]


@pytest.mark.parametrize("days", ["3651", "3000000", HUGE[0]])
def test_a_review_date_years_away_is_refused_on_create_and_edit(world, days):
    owner = world.users[Role.PRODUCT_OWNER]
    created = _page(owner).post(
        f"/rules/from-strategy/{world.objects['strategy'].pk}/",
        {**_rule_form(_ctx(world, Role.PRODUCT_OWNER)), "review_after_days": days},
    )
    assert created.status_code == 200 and created.context["form"].errors["review_after_days"]
    rule = world.objects["rule"]
    edited = _page(owner).post(
        f"/rules/{rule.pk}/edit/",
        {**_rule_edit_form(_ctx(world, Role.PRODUCT_OWNER)), "review_after_days": days},
    )
    assert edited.status_code == 200, edited.status_code
    rule.refresh_from_db()
    assert rule.review_after_days <= 3650
