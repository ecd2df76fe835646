"""`strategy.answered`: the official answer (accepted or rejected) reaches subscribers once, with
the vote tallies; other moves send nothing."""

from __future__ import annotations

import pytest

from cxops.models import WebhookDelivery
from cxops.models import WebhookEvent
from cxops.services.webhooks import webhook_subscription_save
from proposals.services.transitions import strategy_transition
from tests.proposals.factories import make_strategy

pytestmark = pytest.mark.django_db


def test_the_official_answer_is_one_event_and_other_moves_none(
    make_user, analyst, manager, settings, django_capture_on_commit_callbacks
):
    settings.CXOPS_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    webhook_subscription_save(
        actor=make_user("admin"),
        name="CMP",
        target_url="http://127.0.0.1:9/hook",  # nobody listens: the delivery waits to retry
        events=[WebhookEvent.STRATEGY_ANSWERED],
        secret="x" * 20,
    )
    strategy = make_strategy(actor=analyst, status="voting", manager=manager)
    assert not WebhookDelivery.objects.exists()  # draft → discussion → voting: no answer yet
    with django_capture_on_commit_callbacks(execute=True):
        strategy_transition(strategy=strategy, to_status="rejected", actor=manager, reason="成本过高")
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "strategy.answered"
    answer = delivery.payload["data"]["answer"]
    assert (answer["from"], answer["status"], answer["text"], answer["by"]) == (
        "voting",
        "rejected",
        "成本过高",
        manager.username,
    )
    assert set(delivery.payload["data"]["strategy"]["votes"]) == {"support", "oppose"}
    assert delivery.payload["summary"]["url"].startswith(settings.SITE_URL + "/pool/")
    assert delivery.attempts == 1  # sent after commit
