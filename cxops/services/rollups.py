"""Keep the daily report rollups exact.

Every service that creates, changes or dismisses reports describes the change as the facts
removed and the facts added, and calls `rollups_apply_delta` inside its own transaction.
Increments are applied with one `INSERT ... ON CONFLICT DO UPDATE SET count = count + excluded.count`
per table (the same SQL on PostgreSQL and SQLite), so concurrent writers never lose a count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from cxops.models import (
    ExperienceReport,
    IssueDailyRollup,
    ReportDailyDimensionRollup,
    ReportDailyDimensionTotal,
    ReportDailyRollup,
    ReportStatus,
    RollupDimension,
)

BATCH = 500


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """What the rollups count about one report."""

    day: date
    product_id: int
    channel_id: int
    source_type: str
    layer: str
    stage: str
    issue_id: int | None
    counted: bool = True  # False for dismissed reports

    @classmethod
    def of(cls, report: ExperienceReport) -> ReportFacts:
        return cls(
            day=local_day(report.occurred_at),
            product_id=report.product_id,
            channel_id=report.channel_id,
            source_type=report.source_type,
            layer=report.layer,
            stage=report.stage,
            issue_id=report.issue_id,
            counted=report.status != ReportStatus.DISMISSED,
        )


def local_day(moment: datetime) -> date:
    """The calendar day in the operator's time zone (Asia/Shanghai), not UTC."""
    return timezone.localtime(moment).date()


def rollups_apply_delta(*, removed: Iterable[ReportFacts] = (), added: Iterable[ReportFacts] = ()) -> None:
    """Apply the change in counts; the caller holds the transaction that changes the reports."""
    cells: Counter[tuple] = Counter()
    issue_cells: Counter[tuple] = Counter()
    for sign, facts_list in ((-1, removed), (1, added)):
        for facts in facts_list:
            if not facts.counted:
                continue
            cells[
                (facts.day, facts.product_id, facts.channel_id, facts.source_type, facts.layer, facts.stage)
            ] += sign
            if facts.issue_id is not None:
                issue_cells[(facts.day, facts.issue_id)] += sign
    _upsert(
        ReportDailyRollup._meta.db_table,
        ["day", "product_id", "channel_id", "source_type", "layer", "stage"],
        {key: n for key, n in cells.items() if n},
    )
    dimension_cells = _dimension_cells(cells)
    _upsert(
        ReportDailyDimensionRollup._meta.db_table,
        ["day", "product_id", "dimension", "value"],
        {key: n for key, n in dimension_cells.items() if n},
    )
    _upsert(
        ReportDailyDimensionTotal._meta.db_table,
        ["day", "dimension", "value"],
        {key: n for key, n in _total_cells(dimension_cells).items() if n},
    )
    _upsert(
        IssueDailyRollup._meta.db_table, ["day", "issue_id"], {key: n for key, n in issue_cells.items() if n}
    )


def _dimension_cells(cells: dict[tuple, int] | Counter[tuple]) -> Counter[tuple]:
    """Fine cells → (day, product, dimension, value) sums; channel values are ids as text."""
    result: Counter[tuple] = Counter()
    for (day, product_id, channel_id, source_type, layer, stage), n in cells.items():
        result[(day, product_id, RollupDimension.SOURCE_TYPE.value, source_type)] += n
        result[(day, product_id, RollupDimension.LAYER.value, layer)] += n
        result[(day, product_id, RollupDimension.STAGE.value, stage)] += n
        result[(day, product_id, RollupDimension.CHANNEL.value, str(channel_id))] += n
    return result


def _upsert(table: str, key_columns: list[str], increments: dict[tuple, int]) -> None:
    if not increments:
        return
    items = sorted(increments.items())  # a fixed order avoids deadlocks between concurrent writers
    columns = ", ".join([*key_columns, "count"])
    row = "(" + ", ".join(["%s"] * (len(key_columns) + 1)) + ")"
    conflict = ", ".join(key_columns)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(items), BATCH):
            chunk = items[start : start + BATCH]
            params: list = []
            for key, n in chunk:
                params.extend([*key, n])
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(chunk))} "  # noqa: S608 — identifiers are ours
                f"ON CONFLICT ({conflict}) DO UPDATE SET count = {table}.count + excluded.count",
                params,
            )


def _raw_report_cells() -> dict[tuple, int]:
    queryset = _raw_report_queryset()
    return {
        (r["local_day"], r["product_id"], r["channel_id"], r["source_type"], r["layer"], r["stage"]): r["n"]
        for r in queryset
    }


def _raw_issue_cells() -> dict[tuple, int]:
    queryset = _raw_issue_queryset()
    return {(r["local_day"], r["issue_id"]): r["n"] for r in queryset}


def _stored_report_cells() -> dict[tuple, int]:
    return {
        (r.day, r.product_id, r.channel_id, r.source_type, r.layer, r.stage): r.count
        for r in ReportDailyRollup.objects.exclude(count=0)
    }


def _total_cells(dimension_cells: dict[tuple, int] | Counter[tuple]) -> Counter[tuple]:
    """(day, product, dimension, value) → (day, dimension, value) sums over products."""
    result: Counter[tuple] = Counter()
    for (day, _product_id, dimension, value), n in dimension_cells.items():
        result[(day, dimension, value)] += n
    return result


def _stored_total_cells() -> dict[tuple, int]:
    return {
        (r.day, r.dimension, r.value): r.count for r in ReportDailyDimensionTotal.objects.exclude(count=0)
    }


def _stored_dimension_cells() -> dict[tuple, int]:
    return {
        (r.day, r.product_id, r.dimension, r.value): r.count
        for r in ReportDailyDimensionRollup.objects.exclude(count=0)
    }


def _stored_issue_cells() -> dict[tuple, int]:
    return {(r.day, r.issue_id): r.count for r in IssueDailyRollup.objects.exclude(count=0)}


def _raw_report_queryset():  # noqa: ANN202 — a values queryset
    return (
        ExperienceReport.objects.exclude(status=ReportStatus.DISMISSED)
        .annotate(local_day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values("local_day", "product_id", "channel_id", "source_type", "layer", "stage")
        .annotate(n=Count("id"))
        .order_by()
    )


def _raw_issue_queryset():  # noqa: ANN202 — a values queryset
    return (
        ExperienceReport.objects.exclude(status=ReportStatus.DISMISSED)
        .filter(issue__isnull=False)
        .annotate(local_day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values("local_day", "issue_id")
        .annotate(n=Count("id"))
        .order_by()
    )


def _insert_select(cursor, table: str, columns: list[str], select_sql: str, params: list | tuple = ()) -> int:  # noqa: ANN001
    cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) {select_sql}", params)  # noqa: S608 — ours
    return cursor.rowcount


def rollups_rebuild() -> dict[str, int]:
    """Recompute every rollup from the raw reports, inside the database (INSERT ... SELECT).

    One transaction: readers see the old rollups until it commits.  The grouping is the ORM's (local
    days via TruncDate, dismissed reports excluded), the same queryset `rollups_verify` compares with.
    """
    fine = ReportDailyRollup._meta.db_table
    dimension = ReportDailyDimensionRollup._meta.db_table
    total = ReportDailyDimensionTotal._meta.db_table
    issue = IssueDailyRollup._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (
            ReportDailyRollup,
            ReportDailyDimensionRollup,
            ReportDailyDimensionTotal,
            IssueDailyRollup,
        ):
            model.objects.all().delete()
        sql, params = _raw_report_queryset().query.sql_with_params()
        report_cells = _insert_select(
            cursor,
            fine,
            ["day", "product_id", "channel_id", "source_type", "layer", "stage", "count"],
            f"SELECT local_day, product_id, channel_id, source_type, layer, stage, n FROM ({sql}) AS raw",  # noqa: S608 — identifiers are ours, values are parameters
            params,
        )
        per_dimension = " UNION ALL ".join(
            f"SELECT day, product_id, '{name}', {expression}, SUM(count) FROM {fine} GROUP BY day, product_id, {expression}"  # noqa: S608 — identifiers are ours, values are parameters
            for name, expression in (
                (RollupDimension.SOURCE_TYPE.value, "source_type"),
                (RollupDimension.LAYER.value, "layer"),
                (RollupDimension.STAGE.value, "stage"),
                (RollupDimension.CHANNEL.value, "CAST(channel_id AS VARCHAR(20))"),
            )
        )
        dimension_cells = _insert_select(
            cursor, dimension, ["day", "product_id", "dimension", "value", "count"], per_dimension
        )
        total_cells = _insert_select(
            cursor,
            total,
            ["day", "dimension", "value", "count"],
            f"SELECT day, dimension, value, SUM(count) FROM {dimension} GROUP BY day, dimension, value",  # noqa: S608 — identifiers are ours, values are parameters
        )
        sql, params = _raw_issue_queryset().query.sql_with_params()
        issue_cells = _insert_select(
            cursor,
            issue,
            ["day", "issue_id", "count"],
            f"SELECT local_day, issue_id, n FROM ({sql}) AS raw",  # noqa: S608 — identifiers are ours, values are parameters
            params,
        )
    return {
        "report_cells": report_cells,
        "dimension_cells": dimension_cells,
        "total_cells": total_cells,
        "issue_cells": issue_cells,
    }


def rollups_verify() -> list[str]:
    """Differences between the stored rollups and a recomputation; empty when they match."""
    problems = []
    raw_report_cells = _raw_report_cells()
    raw_dimension_cells = _dimension_cells(raw_report_cells)
    for name, stored, raw in (
        ("report", _stored_report_cells(), raw_report_cells),
        ("dimension", _stored_dimension_cells(), raw_dimension_cells),
        ("total", _stored_total_cells(), _total_cells(raw_dimension_cells)),
        ("issue", _stored_issue_cells(), _raw_issue_cells()),
    ):
        for key in sorted(set(stored) | set(raw), key=str):
            if stored.get(key, 0) != raw.get(key, 0):
                problems.append(f"{name} {key}: stored {stored.get(key, 0)}, actual {raw.get(key, 0)}")
    return problems
