"""The rules kanban: every rule in its state's column, each card offering only the actor's moves."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from cxops.roles import Role
from tests.rules_lifecycle.factories import rule_in
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db


def _cards(html: str) -> dict[int, tuple[str, list[dict]]]:
    """rule id → (column status, moves offered) as the page renders them."""
    cards = {}
    for column in re.finditer(r'<li class="kanban-column" data-status="(\w+)".*?</ul>', html, re.S):
        for card in re.finditer(r'data-rule="(\d+)" data-moves="([^"]*)"', column.group(0)):
            moves = json.loads(card.group(2).replace("&quot;", '"'))
            cards[int(card.group(1))] = (column.group(1), moves)
    return cards


def test_each_card_sits_in_its_state_and_offers_only_the_actors_moves():
    manager = user_with_role(Role.MANAGER)
    proposed = rule_in("proposed")
    live = rule_in("live", manager=manager)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")

    client.force_login(manager)
    cards = _cards(client.get(reverse("rules:kanban")).content.decode())
    assert cards[proposed.pk] == (
        "proposed",
        [{"to": "approved", "reason": False}, {"to": "rejected", "reason": True}],
    )
    assert cards[live.pk][0] == "live"
    assert {"to": "retired", "reason": True} in cards[live.pk][1]

    client.force_login(live.owner)  # the owner may submit for review, not retire
    cards = _cards(client.get(reverse("rules:kanban")).content.decode())
    assert cards[live.pk] == ("live", [{"to": "under_review", "reason": False}])
    assert cards[proposed.pk] == ("proposed", [])  # another owner's rule: nothing to drag

    client.force_login(user_with_role(Role.FRONTLINE))
    html = client.get(reverse("rules:kanban")).content.decode()
    assert all(moves == [] for _status, moves in _cards(html).values())
    assert 'draggable="true"' not in html


def test_the_kanban_keeps_the_boards_filters_and_switches_views():
    manager = user_with_role(Role.MANAGER)
    live = rule_in("live", manager=manager, name="飞信短信规则")
    other = rule_in("proposed", name="另一条规则")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager)
    html = client.get(reverse("rules:kanban"), {"owner": live.owner.pk}).content.decode()
    cards = _cards(html)
    assert live.pk in cards and other.pk not in cards
    assert f'href="/rules/?owner={live.owner.pk}"' in html  # the list view, same filter
    assert "Kanban" in html
