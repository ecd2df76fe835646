"""The pool's "status" sort: voting first, then discussion, draft, ... (STATUS_ORDER), newest
activity first within a status; ordered by the rank expression itself, so the
other sorts carry no rank annotation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from proposals.models import Strategy
from proposals.selectors import STATUS_ORDER
from proposals.selectors import strategy_list
from tests.proposals.factories import make_strategy

pytestmark = pytest.mark.django_db

STATUSES = ["draft", "voting", "discussion", "draft", "discussion", "voting"]


@pytest.fixture
def mixed(analyst):
    now = timezone.now()
    strategies = []
    for i, status in enumerate(STATUSES):
        strategy = make_strategy(actor=analyst, status=status, title=f"排序策略{i}")
        Strategy.objects.filter(pk=strategy.pk).update(last_activity_at=now - dt.timedelta(hours=i))
        strategies.append(strategy.pk)
    return strategies


def test_the_status_sort_follows_the_status_order_then_activity(mixed):
    rows = list(strategy_list(sort="status"))
    keys = [(STATUS_ORDER.index(s.status), -s.last_activity_at.timestamp(), -s.pk) for s in rows]
    assert keys == sorted(keys) and len(rows) == len(STATUSES)
    assert [s.status for s in rows][:3] == ["voting", "voting", "discussion"]


def test_the_pool_page_lists_by_status(mixed, analyst):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(analyst)
    page = client.get("/pool/", {"sort": "status"}).context["page"]
    statuses = [s.status for s in page.object_list]
    assert statuses == sorted(statuses, key=STATUS_ORDER.index)
    assert not hasattr(page.object_list[0], "status_rank")
