"""The `rule.transitioned` event: what the implementing system needs to act on a rule's move.

Called by `rules_lifecycle.transitions.rule_transition` inside its transaction; the ground floor
(`cxops.services.webhooks`) matches subscriptions and sends after commit.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import override

from cxops.models import WebhookEvent
from cxops.people import display_name
from cxops.services.webhooks import webhook_emit
from cxops.webhooks import Summary
from rules_lifecycle.models import RuleStatus


def rule_transitioned_emit(*, rule: Any, record: Any) -> None:
    """Queue `rule.transitioned` for subscribers (caller holds the rule's row lock)."""
    products = list(rule.products.order_by("code"))
    # the pilot's cities (none: the whole province), as the routing reads them
    regions = list(rule.regions.order_by("sort_order", "code"))
    data = {
        "rule": {
            "id": rule.pk,
            "name": rule.name,
            "status": rule.status,
            "version": rule.version,
            "url": rule.get_absolute_url(),
            "trigger": {
                "event": rule.trigger_event,
                "condition": rule.trigger_condition,
                "action": rule.trigger_action,
                "notes": rule.trigger_notes,
            },
            "scope": {
                "products": [product.code for product in products],
                "channels": sorted(rule.channels.values_list("code", flat=True)),
                "segments": sorted(rule.segments.values_list("code", flat=True)),
                "regions": [region.code for region in regions],
                "control_regions": list(
                    rule.control_regions.order_by("sort_order", "code").values_list("code", flat=True)
                ),
            },
            "timing": rule.timing,
            "implementing_system": rule.implementing_system,
            "layer": rule.layer,
            "owner": rule.owner.get_username(),
            "go_live_on": rule.go_live_on.isoformat() if rule.go_live_on else None,
            "review_due_on": rule.review_due_on.isoformat() if rule.review_due_on else None,
        },
        "transition": {
            "id": record.pk,
            "from": record.from_status,
            "to": record.to_status,
            "actor": record.actor.get_username() if record.actor else None,
            "reason": record.reason,
            "at": record.created_at.isoformat(),
        },
    }
    # Robots post in Chinese, the operators' language.
    with override("zh-hans"):
        summary = Summary(
            title=_("Rule “%(name)s”: %(from)s → %(to)s")
            % {
                "name": rule.name,
                "from": RuleStatus(record.from_status).label,
                "to": RuleStatus(record.to_status).label,
            },
            facts=[
                (_("trigger event"), rule.trigger_event),
                (_("action"), rule.trigger_action),
                (_("implementing system"), rule.get_implementing_system_display()),
                (_("timing"), rule.get_timing_display()),
                (_("products"), "、".join(product.name_zh for product in products)),
                (_("cities"), "、".join(region.name_zh for region in regions) or _("Province-wide")),
                (_("by"), display_name(record.actor)),
                *([(_("reason"), record.reason)] if record.reason else []),
            ],
            url=rule.get_absolute_url(),
            link_text=_("Open the rule"),
        )
    webhook_emit(
        event=WebhookEvent.RULE_TRANSITIONED,
        data=data,
        summary=summary,
        product_ids=[product.pk for product in products],
        region_ids=[region.pk for region in regions],
    )
