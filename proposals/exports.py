"""The strategy pool's export: every strategy with its status and vote tallies, filtered like the
pool's list (`StrategyFilterSet`).  Registered with the ground floor's exports in AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cxops.models import ExperienceLayer
from cxops.roles import Role
from cxops.selectors.exports import ExportDataset, english, export_table, labels, register_export

from .filters import StrategyFilterSet
from .models import StrategyStatus


def _strategies(reader: Any, params: Any) -> tuple[list[str], Iterator[tuple[Any, ...]], QuerySet]:
    queryset = StrategyFilterSet(params, user=reader).cleaned_rows()
    name = "name_en" if english() else "name_zh"
    columns = [
        ("pk", _("id")),
        ("title", _("title")),
        ("status", _("status")),
        (f"product__{name}", _("product")),
        ("layer", _("experience layer")),
        ("support_count", _("support")),
        ("oppose_count", _("oppose")),
        ("comment_count", _("comments")),
        ("official_answer", _("official answer")),
        ("official_answer_by__username", _("answered by")),
        ("official_answer_at", _("answered at")),
        ("created_by__username", _("created by")),
        ("created_at", _("created at")),
        ("last_activity_at", _("last activity")),
    ]
    mapped = {"status": labels(StrategyStatus), "layer": labels(ExperienceLayer)}
    return export_table(queryset, columns, mapped)


def register() -> None:
    register_export(
        ExportDataset(
            name="strategies",
            title=_("Strategies"),
            roles=tuple(Role.values),
            build=_strategies,
        )
    )
