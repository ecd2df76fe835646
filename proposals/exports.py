"""The strategy pool's export: every strategy with its status and vote tallies, filtered like the
pool's list (`StrategyFilterSet`).  Registered with the ground floor's exports in AppConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cxops.models import ExperienceLayer
from cxops.roles import Role
from cxops.selectors.exports import TITLED_RECORD_COLUMNS
from cxops.selectors.exports import ExportDataset
from cxops.selectors.exports import FilteredTable
from cxops.selectors.exports import register_export

from .filters import StrategyFilterSet
from .models import StrategyStatus

_strategies = FilteredTable(
    StrategyFilterSet,
    columns=(
        *TITLED_RECORD_COLUMNS,
        ("support_count", _("support")),
        ("oppose_count", _("oppose")),
        ("comment_count", _("comments")),
        ("official_answer", _("official answer")),
        ("official_answer_by__username", _("answered by")),
        ("official_answer_at", _("answered at")),
        ("created_by__username", _("created by")),
        ("created_at", _("created at")),
        ("last_activity_at", _("last activity")),
    ),
    choices={"status": StrategyStatus, "layer": ExperienceLayer},
)


def register() -> None:
    register_export(
        ExportDataset(
            name="strategies",
            title=_("Strategies"),
            roles=tuple(Role.values),
            build=_strategies,
            filters=tuple(StrategyFilterSet.base_filters),
        )
    )
