"""Strategy-pool test data, built through the services so revisions and tallies are real."""

from __future__ import annotations

from typing import Any

from cxops.models import ExperienceIssue
from cxops.models import Product
from proposals.models import Strategy
from proposals.services.strategies import StrategyContent
from proposals.services.strategies import strategy_create
from proposals.services.transitions import strategy_transition
from tests.factories import ProductFactory


def content(
    *,
    title: str = "港澳一卡多号直通车候车室宣传",
    product: Product | None = None,
    layer: str = "functional",
    experience_event: str = "客户不了解港澳一卡多号产品",
    strategy_text: str = "在广九直通车候车室向目标客户宣传",
    body: str = "## 背景\n\n往返粤港两地的客户对产品知晓率低。\n\n- 候车室海报\n- 现场办理",
    issues: list[ExperienceIssue] | None = None,
    tags: list[str] | None = None,
    regions: list | None = None,
) -> StrategyContent:
    return StrategyContent(
        title=title,
        product=product or ProductFactory(code="hk-macau", name_zh="港澳一卡多号", name_en="HK/Macau"),
        layer=layer,
        experience_event=experience_event,
        strategy_text=strategy_text,
        body=body,
        issues=issues or [],
        tags=tags if tags is not None else ["漫游", "宣传"],
        regions=regions or [],
    )


def make_strategy(*, actor: Any, status: str = "draft", manager: Any = None, **overrides: Any) -> Strategy:
    """A strategy created by `actor` (an analyst) and moved to `status` (needs `manager` beyond voting)."""
    strategy = strategy_create(actor=actor, content=content(**overrides))
    path = {
        "draft": [],
        "discussion": ["discussion"],
        "voting": ["discussion", "voting"],
        "accepted": ["discussion", "voting", "accepted"],
        "rejected": ["discussion", "voting", "rejected"],
    }[status]
    for step in path:
        mover = manager if step in ("accepted", "rejected") else actor
        strategy = strategy_transition(
            strategy=strategy,
            to_status=step,
            actor=mover,
            reason="官方答复：理由充分" if mover is manager else "",
        )
    strategy.refresh_from_db()
    return strategy
