"""A report as the reports API answers it (list, detail, create), declared once.

`REPORT_ROW` names the answer's columns, in order, and how each is shown.  From it come:

- `report_rows_queryset`: the columns read for the list and detail, one query with `values()`
  (the segment ids in a correlated subquery, `RelatedIds`; the reporter's username the only join);
- `report_rows`: those rows → answers, no model instances (product, channel, region and segment
  codes looked up by id in the per-process reference table, `cxops.selectors.reference`);
- `report_row_of`: one report instance → its answer (at create), through the same presentation;
- the fields of `cxops.api.reports.ReportOutputSerializer`, the answer's OpenAPI schema
  (`Shown.slug` gives the related fields).

A new column is one line in `REPORT_ROW`; tests/cxops/test_report_presenter.py proves the
schema's fields, the rows and the instances agree.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from typing import cast

from django.db import models
from django.db.models import CharField
from django.db.models import Expression
from django.db.models import QuerySet
from django.utils import timezone

from cxops.models import ExperienceReport
from cxops.selectors.reference import reference_by_id


class Shown(enum.Enum):
    """How a column's stored value is shown in the answer."""

    VALUE = "value"  # as stored (a foreign key: its id)
    MOMENT = "moment"  # a datetime in ISO 8601, in the current time zone (as DRF's DateTimeField)
    CODE = "code"  # a reference row (product, channel, region): its code
    CODES = "codes"  # reference rows of a many-to-many (segments): codes in (sort_order, code) order
    USERNAME = "username"  # a user: the username, or None

    @property
    def slug(self) -> str | None:
        """The related row's field that is shown (the schema's `SlugRelatedField`), if any."""
        return {Shown.CODE: "code", Shown.CODES: "code", Shown.USERNAME: "username"}.get(self)


@dataclass(frozen=True)
class Column:
    name: str  # the answer's key, a field of ExperienceReport
    shown: Shown = Shown.VALUE

    @property
    def field(self) -> models.Field:
        return cast(models.Field, ExperienceReport._meta.get_field(self.name))

    @property
    def read(self) -> str:
        """The key `report_rows_queryset` reads the column under."""
        if self.shown is Shown.USERNAME:
            return f"{self.name}__username"
        if self.shown is Shown.CODES:
            return f"{self.name}_ids"
        return self.field.attname  # product_id, issue_id: the id without a join


@dataclass(frozen=True)
class Row:
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


REPORT_ROW = Row(
    (
        Column("id"),
        Column("source_type"),
        Column("product", Shown.CODE),
        Column("channel", Shown.CODE),
        Column("region", Shown.CODE),
        Column("segments", Shown.CODES),
        Column("layer"),
        Column("stage"),
        Column("summary"),
        Column("detail"),
        Column("occurred_at", Shown.MOMENT),
        Column("severity"),
        Column("reporter", Shown.USERNAME),
        Column("customer_masked"),
        Column("source_system"),
        Column("external_id"),
        Column("status"),
        Column("issue"),
        Column("dismiss_reason"),
        Column("created_at", Shown.MOMENT),
    )
)


class RelatedIds(Expression):
    """A report's ids in one many-to-many (`field_name`), comma-separated, from a correlated
    subquery in the report's own SELECT: the list and detail answer with one query, not one more
    for the segments."""

    output_field = CharField()

    def __init__(self, field_name: str) -> None:
        super().__init__()
        self.field_name = field_name

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        field = cast(models.ManyToManyField, ExperienceReport._meta.get_field(self.field_name))
        quote = connection.ops.quote_name
        link = quote(field.m2m_db_table())
        source, target = quote(field.m2m_column_name()), quote(field.m2m_reverse_name())
        outer = compiler.quote_name_unless_alias(ExperienceReport._meta.db_table)
        key = quote(ExperienceReport._meta.pk.column)
        if connection.vendor == "postgresql":
            aggregate = f"STRING_AGG({target}::text, ',')"
        else:
            aggregate = f"GROUP_CONCAT({target})"
        # identifiers from the models' metadata only, no value from a request
        return f"(SELECT {aggregate} FROM {link} WHERE {source} = {outer}.{key})", []  # noqa: S608


@functools.cache
def report_rows_queryset() -> QuerySet:
    """All reports as the rows `report_rows` presents.  Built once per process (never evaluated
    itself: each request filters a copy), which saves resolving the same columns and join on every
    call."""
    plain = [column.read for column in REPORT_ROW.columns if column.shown is not Shown.CODES]
    many = {
        column.read: RelatedIds(column.name) for column in REPORT_ROW.columns if column.shown is Shown.CODES
    }
    return ExperienceReport.objects.values(*plain, **many).order_by()


def _presenter(column: Column, zone: Any) -> Callable[[Any], Any] | None:
    """How `column`'s stored value becomes the answer's (None: as it is)."""
    model: Any = column.field.related_model  # CODE, CODES: a reference model (code, sort_order)
    if column.shown is Shown.MOMENT:

        def moment(value: Any) -> str:  # DRF's DateTimeField in ISO 8601
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return moment
    if column.shown is Shown.CODE:

        def code(pk: Any) -> str | None:
            row = reference_by_id(model, pk) if pk is not None else None
            return row.code if row is not None else None

        return code
    if column.shown is Shown.CODES:

        def codes(ids: str | Iterable[int] | None) -> list[str]:
            if not ids:
                return []
            keys: Iterable[str | int] = ids.split(",") if isinstance(ids, str) else ids
            rows = filter(None, (reference_by_id(model, int(pk)) for pk in set(keys)))
            return [row.code for row in sorted(rows, key=lambda row: (row.sort_order, row.code))]

        return codes
    return None  # VALUE, and USERNAME (read as the username already)


def report_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The answers for rows of `report_rows_queryset` (tests/cxops/test_report_api.py proves them
    identical to `ReportOutputSerializer`'s)."""
    zone = timezone.get_current_timezone()
    plan = [(column.name, column.read, _presenter(column, zone)) for column in REPORT_ROW.columns]
    return [
        {name: show(row[read]) if show is not None else row[read] for name, read, show in plan}
        for row in rows
    ]


def report_row_of(
    report: ExperienceReport, *, related: Mapping[str, Iterable[models.Model]] | None = None
) -> dict[str, Any]:
    """The answer for one report: its values read as `report_rows_queryset` reads them, then
    presented by `report_rows`.  `related` gives a many-to-many column's rows by name when the
    caller has them (the segments of a report just filed); else they are read (one query)."""
    related = related or {}
    row: dict[str, Any] = {}
    for column in REPORT_ROW.columns:
        if column.shown is Shown.USERNAME:
            user = getattr(report, column.name)
            row[column.read] = user.username if user is not None else None
        elif column.shown is Shown.CODES:
            known = related.get(column.name)
            row[column.read] = (
                [item.pk for item in known]
                if known is not None
                else list(getattr(report, column.name).values_list("pk", flat=True))
            )
        else:
            row[column.read] = getattr(report, column.read)
    return report_rows([row])[0]
