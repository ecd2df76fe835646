"""The rules kanban in a real browser: a card dragged to the next state moves the rule through the
transitions service; an illegal drag snaps back with the service's reason; a move that needs a
reason asks for one."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _card(page, rule):
    return page.locator(f'.kanban-card[data-rule="{rule.pk}"]')


def _column(page, status):
    return page.locator(f'.kanban-column[data-status="{status}"]')


def test_drag_moves_a_rule_and_an_illegal_drag_is_refused_with_its_reason(open_pages, live_server, make_user):
    from cxops.roles import Role
    from rules_lifecycle.models import ExperienceRule
    from tests.rules_lifecycle.factories import rule_in

    manager = make_user(Role.MANAGER, username="kanban_manager")
    approved = rule_in("approved", manager=manager)
    proposed = rule_in("proposed", name="待审批的规则")
    live = rule_in("live", manager=manager, name="在线的规则")

    page = open_pages.sign_in("manager", manager.username)
    page.goto(f"{live_server.url}/rules/kanban/")

    # an illegal move (proposed → live) is asked of the server and refused with its reason
    _card(page, proposed).drag_to(_column(page, "live").locator(".kanban-cards"))
    status = page.locator("#kanban-status")
    status.wait_for(state="visible")
    assert "不能从" in status.inner_text() or "cannot" in status.inner_text()
    assert _column(page, "proposed").locator(f'[data-rule="{proposed.pk}"]').count() == 1
    proposed.refresh_from_db()
    assert proposed.status == "proposed"

    # a legal move: approved → implementing, by a manager, no reason needed
    _card(page, approved).drag_to(_column(page, "implementing").locator(".kanban-cards"))
    _column(page, "implementing").locator(f'[data-rule="{approved.pk}"]').wait_for()
    assert ExperienceRule.objects.get(pk=approved.pk).status == "implementing"
    assert _column(page, "implementing").locator(".kanban-count").inner_text() == "1"

    # a move that needs a reason (live → retired) asks for it; the reason is recorded
    _card(page, live).locator("select[data-kanban-move]").select_option("retired")
    dialog = page.locator("#kanban-reason")
    dialog.wait_for(state="visible")
    dialog.locator("textarea").fill("投诉率没有下降")
    dialog.get_by_role("button", name="移动").click()
    _column(page, "retired").locator(f'[data-rule="{live.pk}"]').wait_for()
    live.refresh_from_db()
    assert live.status == "retired"
    assert live.transitions.order_by("-id").first().reason == "投诉率没有下降"


def test_a_product_owner_cannot_approve_by_dragging(open_pages, live_server, make_user):
    from cxops.roles import Role
    from tests.rules_lifecycle.factories import rule_in

    owner = make_user(Role.PRODUCT_OWNER, username="kanban_owner")
    proposed = rule_in("proposed", owner=owner)
    page = open_pages.sign_in("owner", owner.username, language="en")
    page.goto(f"{live_server.url}/rules/kanban/")
    assert _card(page, proposed).get_attribute("draggable") == "false"  # nothing the owner may do
    proposed.refresh_from_db()
    assert proposed.status == "proposed"
