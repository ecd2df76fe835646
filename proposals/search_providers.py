"""The pool's part of the global search: strategies (open to every member, 全员参与)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from cxops.roles import Role
from cxops.search import Command
from cxops.search import SearchHit
from cxops.search import highlight
from cxops.search import register_commands
from cxops.search import register_search_provider

from .markdown import markdown_plain_text
from .selectors import strategy_list


def strategy_hits(user: Any, terms: list[str], limit: int) -> list[SearchHit]:
    strategies = strategy_list(query=" ".join(terms))[:limit]
    return [
        SearchHit(
            kind="strategy",
            title=strategy.title,
            url=strategy.get_absolute_url(),
            meta=" · ".join((strategy.product.name, strategy.get_status_display())),
            snippet=highlight(
                " ".join(
                    (
                        strategy.title,
                        strategy.experience_event,
                        strategy.strategy_text,
                        markdown_plain_text(strategy.body),
                    )
                ),
                terms,
            ),
        )
        for strategy in strategies
    ]


def register() -> None:
    register_search_provider("strategy", _("Strategies"), strategy_hits, order=30)
    register_commands(
        Command(
            _("Strategy pool"),
            "proposals:list",
            (Role.FRONTLINE, Role.ADMIN),
            keywords="pool strategies 孵化池 策略",
        ),
        Command(
            _("New strategy"), "proposals:create", (Role.ANALYST,), keywords="new strategy propose 新建 策略"
        ),
    )
