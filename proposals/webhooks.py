"""The `strategy.answered` event: a manager's official answer (accepted or rejected).

Called by `proposals.services.transitions.strategy_transition` inside its transaction.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import override

from cxops.models import WebhookEvent
from cxops.people import display_name
from cxops.services.webhooks import webhook_emit
from cxops.webhooks import Summary


def strategy_answered_emit(*, strategy: Any, from_status: str) -> None:
    """Queue `strategy.answered` for subscribers (caller holds the strategy's row lock)."""
    answered_by = strategy.official_answer_by
    data = {
        "strategy": {
            "id": strategy.pk,
            "title": strategy.title,
            "url": strategy.get_absolute_url(),
            "product": strategy.product.code if strategy.product_id else None,
            "layer": strategy.layer,
            "votes": {"support": strategy.support_count, "oppose": strategy.oppose_count},
        },
        "answer": {
            "from": from_status,
            "status": strategy.status,
            "text": strategy.official_answer,
            "by": answered_by.get_username() if answered_by else None,
            "at": strategy.official_answer_at.isoformat() if strategy.official_answer_at else None,
        },
    }
    with override("zh-hans"):
        summary = Summary(
            title=_("Strategy “%(title)s”: %(status)s")
            % {"title": strategy.title, "status": strategy.get_status_display()},
            facts=[
                (_("product"), strategy.product.name_zh if strategy.product_id else ""),
                (_("official answer"), strategy.official_answer),
                (_("by"), display_name(answered_by)),
            ],
            url=strategy.get_absolute_url(),
            link_text=_("Open the strategy"),
        )
    webhook_emit(
        event=WebhookEvent.STRATEGY_ANSWERED,
        data=data,
        summary=summary,
        product_ids=[strategy.product_id] if strategy.product_id else [],
    )
