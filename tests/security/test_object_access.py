"""Someone else's objects: invisible ones answer 404 (ids cannot be probed), and fields a client
may not set (state, owner, counts) never change the database, whatever the request carries.

A first slice of the permission matrix (the full generated matrix is not built yet)."""

from __future__ import annotations

import pytest

from cxops.roles import Role

pytestmark = pytest.mark.django_db


def test_a_frontline_agent_cannot_probe_other_agents_reports(world, api_client_for, client_for):
    own, other = world.objects["report_own"], world.objects["report_other"]
    agent = world.users[Role.FRONTLINE]
    api, page = api_client_for(agent), client_for(agent)
    # own report: visible on the API and the page
    assert api.get(f"/api/reports/{own.pk}/").status_code == 200
    assert page.get(f"/sense/reports/{own.pk}/").status_code == 200
    # someone else's report and an id that does not exist answer the same 404
    for report_id in (other.pk, 999_999):
        assert api.get(f"/api/reports/{report_id}/").status_code == 404
        assert page.get(f"/sense/reports/{report_id}/").status_code == 404
    # and the list holds only the agent's own reports
    listed = {row["id"] for row in api.get("/api/reports/").json()["results"]}
    assert listed == {own.pk}


def test_notifications_of_another_user_are_invisible(world, api_client_for):
    from cxops.models import Notification

    recipient = world.users[Role.ANALYST]
    mine = Notification.objects.create(recipient=recipient, kind="mention", title="给你的")
    outsider = api_client_for(world.others[Role.ANALYST])
    assert outsider.get(f"/api/notifications/{mine.pk}/").status_code == 404
    assert api_client_for(recipient).get(f"/api/notifications/{mine.pk}/").status_code == 200
    # marking someone else's notification read changes nothing
    outsider.post("/api/notifications/mark-read/", {"ids": [mine.pk]}, format="json")
    mine.refresh_from_db()
    assert mine.read_at is None


def test_a_rule_edit_cannot_set_state_or_owner(world, api_client_for):
    from rules_lifecycle.models import ExperienceRule

    rule = world.objects["rule"]
    before = ExperienceRule.objects.filter(pk=rule.pk).values("status", "owner_id", "name").get()
    owner = api_client_for(world.users[Role.PRODUCT_OWNER])
    current = owner.get(f"/api/rules/{rule.pk}/").json()
    # when the owner sends state, another owner and unknown fields along with an edit
    owner.patch(
        f"/api/rules/{rule.pk}/",
        {
            "status": "retired",
            "owner": world.others[Role.PRODUCT_OWNER].username,
            "is_superuser": True,
            "version": current.get("version"),
        },
        format="json",
    )
    # then neither the state nor the owner moved
    after = ExperienceRule.objects.filter(pk=rule.pk).values("status", "owner_id", "name").get()
    assert (after["status"], after["owner_id"]) == (before["status"], before["owner_id"])


def test_another_product_owner_cannot_edit_a_rule(world, api_client_for):
    from rules_lifecycle.models import ExperienceRule

    rule = world.objects["rule"]
    outsider = api_client_for(world.others[Role.PRODUCT_OWNER])
    version = outsider.get(f"/api/rules/{rule.pk}/").json().get("version")
    response = outsider.patch(f"/api/rules/{rule.pk}/", {"name": "改名", "version": version}, format="json")
    # rules are shared reading, so the refusal is a 403, not a 404
    assert response.status_code == 403
    assert ExperienceRule.objects.get(pk=rule.pk).name == rule.name


def test_strategy_counts_and_status_cannot_be_written_through_the_api(world, api_client_for):
    from proposals.models import Strategy

    strategy = world.objects["strategy_other"]
    before = Strategy.objects.filter(pk=strategy.pk).values("status", "support_count", "created_by_id").get()
    author = api_client_for(world.others[Role.ANALYST])
    detail = author.get(f"/api/strategies/{strategy.pk}/").json()
    author.put(
        f"/api/strategies/{strategy.pk}/",
        {
            "title": detail["title"],
            "product": detail["product"],
            "layer": detail["layer"],
            "experience_event": detail["experience_event"],
            "strategy_text": detail["strategy_text"],
            "body": "改写",
            "base_revision": detail["current_revision"],
            "status": "accepted",
            "support_count": 99,
            "created_by": world.users[Role.ADMIN].pk,
        },
        format="json",
    )
    after = Strategy.objects.filter(pk=strategy.pk).values("status", "support_count", "created_by_id").get()
    assert after == before
