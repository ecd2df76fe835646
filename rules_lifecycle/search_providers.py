"""The rules floor's part of the global search: experience rules, the board and the kanban."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from cxops.roles import Role
from cxops.search import Command
from cxops.search import SearchHit
from cxops.search import all_terms_q
from cxops.search import highlight
from cxops.search import register_commands
from cxops.search import register_search_provider

from .models import ExperienceRule


def rule_hits(user: Any, terms: list[str], limit: int) -> list[SearchHit]:
    fields = ["name", "trigger_event", "trigger_condition", "trigger_action"]
    rules = ExperienceRule.objects.filter(all_terms_q(terms, fields)).order_by("-updated_at")[:limit]
    return [
        SearchHit(
            kind="rule",
            title=rule.name,
            url=rule.get_absolute_url(),
            meta=str(rule.status_label),
            snippet=highlight(
                " ".join((rule.name, rule.trigger_event, rule.trigger_condition, rule.trigger_action)), terms
            ),
        )
        for rule in rules
    ]


def register() -> None:
    register_search_provider("rule", _("Experience rules"), rule_hits, order=40)
    members = (Role.FRONTLINE, Role.ADMIN)
    register_commands(
        Command(_("Experience rules"), "rules:board", members, keywords="rules board 规则"),
        Command(_("Rules kanban"), "rules:kanban", members, keywords="kanban board 看板 规则"),
        Command(_("Effectiveness"), "evaluation:review", members, keywords="evaluation verdicts 评价 效果"),
    )
