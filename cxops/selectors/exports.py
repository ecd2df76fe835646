"""Exports of the main records: what each dataset's file holds, read with the list's own selectors.

A dataset names who may export it, reads the list's filters from the query string, and gives the
header (in the reader's language) and the rows of the records the reader may see (the list's
visibility selector: `ReportFilterSet` → `reports_visible_to`, `IssueFilterSet` → `issues_visible_to`, so
region scoping applies).  Rows come from `values_list(...).iterator(chunk_size=...)`: no model
instances, and memory stays flat however many rows there are (bench/export_memory.py).

Higher floors add theirs with `register_export` from their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cxops.issue_clock import sla_state
from cxops.models import ExperienceLayer
from cxops.models import IssueStatus
from cxops.models import LifecycleStage
from cxops.models import ReportStatus
from cxops.models import SourceType
from cxops.models.choices import Severity
from cxops.roles import Role
from cxops.selectors.filters import IssueFilterSet
from cxops.selectors.filters import ReportFilterSet

CHUNK_ROWS = 2000


@dataclass(frozen=True)
class ExportDataset:
    name: str
    title: Any
    roles: tuple[str, ...]
    # (reader, query parameters) → (header, rows, queryset to count); raises ValidationError
    build: Callable[[Any, Any], tuple[list[str], Iterable[tuple[Any, ...]], QuerySet]]
    # The query parameters `build` reads: what a background job of it stores (any other key would
    # make the same export look like another one)
    filters: tuple[str, ...] = ()


_datasets: dict[str, ExportDataset] = {}


def register_export(dataset: ExportDataset) -> ExportDataset:
    _datasets[dataset.name] = dataset
    return dataset


def export_dataset(name: str) -> ExportDataset | None:
    return _datasets.get(name)


def export_datasets() -> list[ExportDataset]:
    return list(_datasets.values())


def english() -> bool:
    return (get_language() or "").startswith("en")


def labels(choices: Any) -> dict[Any, str]:
    return {value: str(label) for value, label in choices.choices}


def export_table(
    queryset: QuerySet, columns: list[tuple[str, Any]], mapped: dict[str, dict[Any, str]]
) -> tuple[list[str], Iterator[tuple[Any, ...]], QuerySet]:
    """A dataset's table: the header (the columns' labels), its rows read in chunks (a coded value
    shown by its label where `mapped` names the column), and the queryset (for the row count)."""
    fields = [field for field, _label in columns]
    maps = [mapped.get(field) for field in fields]

    def rows() -> Iterator[tuple[Any, ...]]:
        for row in queryset.values_list(*fields).iterator(chunk_size=CHUNK_ROWS):
            yield tuple(m.get(v, v) if m is not None else v for m, v in zip(maps, row, strict=True))

    return [str(label) for _field, label in columns], rows(), queryset


@dataclass(frozen=True)
class FilteredTable:
    """A dataset that is a list's rows as they stand: its FilterSet's rows for the reader, a column
    per field path with its header, a coded column shown by its choices' labels.  `{name}` in a
    path stands for a reference row's name in the reader's language (`product__{name}`)."""

    filterset: Any  # a FilterSet class with cleaned_rows()
    columns: tuple[tuple[str, Any], ...]
    choices: Mapping[str, Any]  # field path -> its choices class

    def read(self, reader: Any, params: Any) -> tuple[QuerySet, list[tuple[str, Any]], dict[str, dict]]:
        """The reader's rows, the columns in the reader's language and the labels of the coded ones."""
        queryset = self.filterset(params, user=reader).cleaned_rows()
        name = "name_en" if english() else "name_zh"
        columns = [(path.format(name=name), label) for path, label in self.columns]
        return queryset, columns, {path: labels(choices) for path, choices in self.choices.items()}

    def __call__(self, reader: Any, params: Any) -> tuple[list[str], Iterator[tuple[Any, ...]], QuerySet]:
        return export_table(*self.read(reader, params))


_reports = FilteredTable(
    ReportFilterSet,
    columns=(
        ("pk", _("id")),
        ("occurred_at", _("occurred at")),
        ("source_type", _("source type")),
        ("product__{name}", _("product")),
        ("channel__{name}", _("channel")),
        ("region__{name}", _("region")),
        ("layer", _("experience layer")),
        ("stage", _("lifecycle stage")),
        ("severity", _("severity")),
        ("status", _("status")),
        ("summary", _("summary")),
        ("issue_id", _("experience issue")),
        ("reporter__username", _("reporter")),
        ("customer_masked", _("customer")),
        ("source_system", _("source system")),
        ("external_id", _("external id")),
        ("created_at", _("created at")),
    ),
    choices={
        "source_type": SourceType,
        "layer": ExperienceLayer,
        "stage": LifecycleStage,
        "severity": Severity,
        "status": ReportStatus,
    },
)
# The columns a titled record's export opens with (issues here, strategies on the proposals floor):
# the same headers in the same order in each file.
TITLED_RECORD_COLUMNS = (
    ("pk", _("id")),
    ("title", _("title")),
    ("status", _("status")),
    ("product__{name}", _("product")),
    ("layer", _("experience layer")),
)
_issue_table = FilteredTable(
    IssueFilterSet,
    columns=(
        *TITLED_RECORD_COLUMNS,
        ("stage", _("lifecycle stage")),
        ("severity", _("severity")),
        ("owner__username", _("owner")),
        ("due_at", _("due")),
        ("escalated_at", _("escalated at")),
        ("report_count", _("reports")),
        ("first_reported_at", _("first reported")),
        ("last_reported_at", _("last reported")),
        ("created_at", _("created at")),
    ),
    choices={
        "status": IssueStatus,
        "layer": ExperienceLayer,
        "stage": LifecycleStage,
        "severity": Severity,
    },
)


def _issues(reader: Any, params: Any) -> tuple[list[str], Iterator[tuple[Any, ...]], QuerySet]:
    """The issue list's table and, last, each open issue's due time state."""
    queryset, columns, mapped = _issue_table.read(reader, params)
    fields = [field for field, _label in columns]
    state_labels = {"due_soon": str(_("Due soon")), "breached": str(_("Overdue")), "": ""}

    def rows() -> Iterator[tuple[Any, ...]]:
        now = timezone.now()
        for row in queryset.values_list(*fields).iterator(chunk_size=CHUNK_ROWS):
            values = dict(zip(fields, row, strict=True))
            state = sla_state(
                due_at=values["due_at"],
                severity=values["severity"],
                open=values["status"] in (IssueStatus.OPEN, IssueStatus.IN_PROGRESS),
                now=now,
            )
            out = [mapped[f].get(v, v) if f in mapped else v for f, v in values.items()]
            yield (*out, state_labels[state])

    return [*(str(label) for _field, label in columns), str(_("due time state"))], rows(), queryset


register_export(
    ExportDataset(
        name="reports",
        title=_("Experience reports"),
        roles=(Role.FRONTLINE,),  # frontline: their own reports (ReportFilterSet decides)
        build=_reports,
        filters=tuple(ReportFilterSet.base_filters),
    )
)
register_export(
    ExportDataset(
        name="issues",
        title=_("Experience issues"),
        roles=(Role.FRONTLINE, Role.ANALYST, Role.PRODUCT_OWNER, Role.MANAGER),
        build=_issues,
        filters=tuple(IssueFilterSet.base_filters),
    )
)
