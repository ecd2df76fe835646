"""Keep the daily report rollups exact.

Every service that creates, changes or dismisses reports describes the change as the facts
removed and the facts added, and calls `rollups_apply_delta` inside its own transaction.
Increments are applied with one `INSERT ... ON CONFLICT DO UPDATE SET count = count + excluded.count`
per table, so concurrent writers never lose a count.  The bulk import on PostgreSQL does the same
inside its own INSERT statement (`rollup_upsert_ctes`): the counts never leave the database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any

from django.db import connection
from django.db import models
from django.db import transaction
from django.db.models import Count
from django.db.models import QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from cxops.models import ExperienceReport
from cxops.models import IssueDailyRegionRollup
from cxops.models import IssueDailyRollup
from cxops.models import ReportDailyDimensionRollup
from cxops.models import ReportDailyDimensionTotal
from cxops.models import ReportDailyRegionRollup
from cxops.models import ReportDailyRegionTotal
from cxops.models import ReportStatus
from cxops.models import RollupDimension

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
    region_id: int | None = None  # every report has one; None only in hand-made facts (tests)

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
            region_id=report.region_id,
        )


def local_day(moment: datetime) -> date:
    """The calendar day in the operator's time zone (Asia/Shanghai), not UTC."""
    return timezone.localtime(moment).date()


def rollups_apply_delta(*, removed: Iterable[ReportFacts] = (), added: Iterable[ReportFacts] = ()) -> None:
    """Apply the change in counts; the caller holds the transaction that changes the reports."""
    cells: Counter[tuple] = Counter()
    issue_cells: Counter[tuple] = Counter()
    region_cells: Counter[tuple] = Counter()
    issue_region_cells: Counter[tuple] = Counter()
    for sign, facts_list in ((-1, removed), (1, added)):
        for facts in facts_list:
            if not facts.counted:
                continue
            cell = (
                facts.day,
                facts.product_id,
                facts.channel_id,
                facts.source_type,
                facts.layer,
                facts.stage,
            )
            cells[cell] += sign
            if facts.region_id is not None:
                region_cells[(facts.region_id, *cell)] += sign
            if facts.issue_id is not None:
                issue_cells[(facts.day, facts.issue_id)] += sign
                if facts.region_id is not None:
                    issue_region_cells[(facts.day, facts.region_id, facts.issue_id)] += sign
    _apply_cells(cells, issue_cells, region_cells, issue_region_cells)


def _region_dimension_cells(region_cells: dict[tuple, int] | Counter[tuple]) -> Counter[tuple]:
    """(region, day, product, channel, source type, layer, stage) counts → (day, region, product,
    dimension, value) sums."""
    result: Counter[tuple] = Counter()
    for (region_id, *cell), n in region_cells.items():
        for (day, product_id, dimension, value), m in _dimension_cells({tuple(cell): n}).items():
            result[(day, region_id, product_id, dimension, value)] += m
    return result


def _region_total_cells(region_dimension_cells: dict[tuple, int] | Counter[tuple]) -> Counter[tuple]:
    """(day, region, product, dimension, value) → (day, region, dimension, value) sums over products."""
    result: Counter[tuple] = Counter()
    for (day, region_id, _product_id, dimension, value), n in region_dimension_cells.items():
        result[(day, region_id, dimension, value)] += n
    return result


def _apply_cells(
    cells: Counter[tuple],
    issue_cells: Counter[tuple],
    region_cells: Counter[tuple] | None = None,
    issue_region_cells: Counter[tuple] | None = None,
) -> None:
    dimension_cells = _dimension_cells(cells)
    region_dimension_cells = _region_dimension_cells(region_cells or {})
    tables = (
        (
            ReportDailyDimensionRollup,
            ["day", "product_id", "dimension", "value"],
            {key: n for key, n in dimension_cells.items() if n},
        ),
        (
            ReportDailyDimensionTotal,
            ["day", "dimension", "value"],
            {key: n for key, n in _total_cells(dimension_cells).items() if n},
        ),
        (IssueDailyRollup, ["day", "issue_id"], {key: n for key, n in issue_cells.items() if n}),
        (
            ReportDailyRegionRollup,
            ["day", "region_id", "product_id", "dimension", "value"],
            {key: n for key, n in region_dimension_cells.items() if n},
        ),
        (
            ReportDailyRegionTotal,
            ["day", "region_id", "dimension", "value"],
            {key: n for key, n in _region_total_cells(region_dimension_cells).items() if n},
        ),
        (
            IssueDailyRegionRollup,
            ["day", "region_id", "issue_id"],
            {key: n for key, n in (issue_region_cells or {}).items() if n},
        ),
    )
    # joins the caller's transaction without a savepoint: a failure here fails the caller's write
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # every table's upsert in one statement (data-modifying CTEs): one round trip, and one
            # statement that the server can keep prepared
            statements = [_upsert_unnest(*table) for table in tables if table[2]]
            if len(statements) == 1:
                cursor.execute(*statements[0])
            elif statements:
                cursor.execute(
                    "WITH "
                    + ", ".join(f"upsert_{i} AS ({sql})" for i, (sql, _p) in enumerate(statements))
                    + " SELECT 1",
                    [p for _sql, ps in statements for p in ps],
                )
            return
        for table in tables:
            _upsert_values(cursor, *table)


# Each dimension and the SQL expression of its value in a row of reports.
DIMENSION_EXPRESSIONS = (
    (RollupDimension.SOURCE_TYPE.value, "source_type"),
    (RollupDimension.LAYER.value, "layer"),
    (RollupDimension.STAGE.value, "stage"),
    (RollupDimension.CHANNEL.value, "CAST(channel_id AS VARCHAR(20))"),
)


def rollup_upsert_ctes(source: str) -> tuple[str, list]:
    """PostgreSQL: CTEs that add the reports of the CTE `source` (columns occurred_at, region_id,
    product_id, channel_id, source_type, layer, stage; none dismissed, none in an issue) to the
    rollups, the region rollup included.

    For a bulk insert `WITH added AS (INSERT ... RETURNING ...)`: appended to its WITH list, the
    counts are grouped and upserted by the same statement.
    """
    dimension = ReportDailyDimensionRollup._meta.db_table
    total = ReportDailyDimensionTotal._meta.db_table
    region = ReportDailyRegionRollup._meta.db_table
    region_total = ReportDailyRegionTotal._meta.db_table
    per_dimension = " UNION ALL ".join(
        f"SELECT day, region_id, product_id, '{name}' AS dimension, {expression} AS value, count(*) AS n "  # noqa: S608 — ours
        f"FROM rollup_source GROUP BY day, region_id, product_id, {expression}"
        for name, expression in DIMENSION_EXPRESSIONS
    )
    sql = f"""
        rollup_source AS MATERIALIZED (
            SELECT (occurred_at AT TIME ZONE %s)::date AS day, region_id, product_id, channel_id, source_type,
                layer, stage
            FROM {source}
        ), rollup_region_cells AS MATERIALIZED ({per_dimension}),
        rollup_region_upsert AS (
            INSERT INTO {region} (day, region_id, product_id, dimension, value, count)
            SELECT day, region_id, product_id, dimension, value, n FROM rollup_region_cells ORDER BY 1, 2, 3, 4, 5
            ON CONFLICT (day, region_id, product_id, dimension, value)
            DO UPDATE SET count = {region}.count + excluded.count
        ), rollup_region_total_upsert AS (
            INSERT INTO {region_total} (day, region_id, dimension, value, count)
            SELECT day, region_id, dimension, value, sum(n) FROM rollup_region_cells GROUP BY 1, 2, 3, 4
            ORDER BY 1, 2, 3, 4
            ON CONFLICT (day, region_id, dimension, value) DO UPDATE SET count = {region_total}.count + excluded.count
        ), rollup_dimension_cells AS MATERIALIZED (
            SELECT day, product_id, dimension, value, sum(n) AS n FROM rollup_region_cells GROUP BY 1, 2, 3, 4
        ),
        rollup_dimension_upsert AS (
            INSERT INTO {dimension} (day, product_id, dimension, value, count)
            SELECT day, product_id, dimension, value, n FROM rollup_dimension_cells ORDER BY 1, 2, 3, 4
            ON CONFLICT (day, product_id, dimension, value) DO UPDATE SET count = {dimension}.count + excluded.count
        ), rollup_total_upsert AS (
            INSERT INTO {total} (day, dimension, value, count)
            SELECT day, dimension, value, sum(n) FROM rollup_dimension_cells GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (day, dimension, value) DO UPDATE SET count = {total}.count + excluded.count
        ), rollup_reports AS (
            SELECT day, product_id, n FROM rollup_dimension_cells WHERE dimension = '{RollupDimension.STAGE.value}'
        )"""  # noqa: S608 — identifiers are ours, values are parameters
    return sql, [timezone.get_default_timezone_name()]


def _dimension_cells(cells: dict[tuple, int] | Counter[tuple]) -> Counter[tuple]:
    """(day, product, channel, source type, layer, stage) counts → (day, product, dimension, value)
    sums; channel values are ids as text."""
    result: Counter[tuple] = Counter()
    for (day, product_id, channel_id, source_type, layer, stage), n in cells.items():
        result[(day, product_id, RollupDimension.SOURCE_TYPE.value, source_type)] += n
        result[(day, product_id, RollupDimension.LAYER.value, layer)] += n
        result[(day, product_id, RollupDimension.STAGE.value, stage)] += n
        result[(day, product_id, RollupDimension.CHANNEL.value, str(channel_id))] += n
    return result


def _on_conflict(table: str, key_columns: list[str]) -> str:
    return f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET count = {table}.count + excluded.count"


def _upsert_unnest(
    model: type[models.Model], key_columns: list[str], increments: dict[tuple, int]
) -> tuple[str, list]:
    """PostgreSQL: one statement whatever the size; each column travels as one array parameter, so
    the driver neither builds nor splits a query with thousands of placeholders.  Rows go in key
    order, which keeps concurrent writers from deadlocking."""
    table = model._meta.db_table
    types = [_column_type(model, column) for column in key_columns] + ["integer"]
    arrays: list[list] = [[] for _ in types]
    for key, n in sorted(increments.items()):
        for position, value in enumerate((*key, n)):
            arrays[position].append(value)
    unnest = ", ".join(f"%s::{kind}[]" for kind in types)
    columns = ", ".join([*key_columns, "count"])
    sql = f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({unnest}) {_on_conflict(table, key_columns)}"  # noqa: S608 — identifiers are ours
    return sql, arrays


def _upsert_values(
    cursor: Any, model: type[models.Model], key_columns: list[str], increments: dict[tuple, int]
) -> None:
    """Other databases: batched multi-row VALUES, in key order."""
    table = model._meta.db_table
    items = sorted(increments.items())
    columns = ", ".join([*key_columns, "count"])
    row = "(" + ", ".join(["%s"] * (len(key_columns) + 1)) + ")"
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        params: list = []
        for key, n in chunk:
            params.extend([*key, n])
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(chunk))} {_on_conflict(table, key_columns)}",  # noqa: S608 — identifiers are ours
            params,
        )


def _column_type(model: type[models.Model], column: str) -> str:
    """The PostgreSQL type of a column, without its length (varchar(20) → varchar)."""
    field = next(field for field in model._meta.concrete_fields if field.column == column)
    return (field.db_type(connection) or "").split("(")[0]


def _per_dimension_sql(queryset: QuerySet, keys: str) -> tuple[str, list]:
    """`queryset`'s rows (`keys`, the dimension columns, n) summed per dimension value: one
    UNION ALL branch a dimension, giving (`keys`, dimension name, value, n)."""
    sql, params = queryset.query.sql_with_params()
    per_dimension = " UNION ALL ".join(
        f"SELECT {keys}, '{name}', {expression}, SUM(n) FROM ({sql}) AS raw "  # noqa: S608 — identifiers are ours, values are parameters
        f"GROUP BY {keys}, {expression}"
        for name, expression in DIMENSION_EXPRESSIONS
    )
    return per_dimension, list(params) * len(DIMENSION_EXPRESSIONS)


def _raw_dimension_sql() -> tuple[str, list]:
    """(local day, product, dimension, value, n) of the raw reports, grouped in the database."""
    return _per_dimension_sql(_raw_report_queryset(), "local_day, product_id")


def _raw_region_sql() -> tuple[str, list]:
    """(local day, region, product, dimension, value, n) of the raw reports, grouped in the database."""
    return _per_dimension_sql(_raw_report_queryset(by_region=True), "local_day, region_id, product_id")


def _raw_dimension_cells() -> dict[tuple, int]:
    """(day, product, dimension, value) of the raw reports."""
    return _day_cells(*_raw_dimension_sql())


def _raw_region_cells() -> dict[tuple, int]:
    """(day, region, product, dimension, value) of the raw reports."""
    return _day_cells(*_raw_region_sql())


def _day_cells(sql: str, params: list) -> dict[tuple, int]:
    """The rows of a per-dimension query, (local day, *the rest, n), as {(day, *the rest): n}."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    day_field: models.DateField = models.DateField()
    return {(day_field.to_python(day), *rest): int(n) for day, *rest, n in rows}


def _raw_issue_region_cells() -> dict[tuple, int]:
    queryset = _raw_issue_queryset().values("local_day", "region_id", "issue_id").annotate(n=Count("id"))
    return {(r["local_day"], r["region_id"], r["issue_id"]): r["n"] for r in queryset}


def _stored_region_cells() -> dict[tuple, int]:
    return {
        (r.day, r.region_id, r.product_id, r.dimension, r.value): r.count
        for r in ReportDailyRegionRollup.objects.exclude(count=0)
    }


def _stored_region_total_cells() -> dict[tuple, int]:
    return {
        (r.day, r.region_id, r.dimension, r.value): r.count
        for r in ReportDailyRegionTotal.objects.exclude(count=0)
    }


def _stored_issue_region_cells() -> dict[tuple, int]:
    return {
        (r.day, r.region_id, r.issue_id): r.count for r in IssueDailyRegionRollup.objects.exclude(count=0)
    }


def _raw_issue_cells() -> dict[tuple, int]:
    queryset = _raw_issue_queryset()
    return {(r["local_day"], r["issue_id"]): r["n"] for r in queryset}


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


def _raw_report_queryset(*, by_region: bool = False):  # noqa: ANN202 — a values queryset
    """Counted reports per (local day, [region,] product, channel, source type, layer, stage)."""
    keys = ("local_day", "region_id", "product_id") if by_region else ("local_day", "product_id")
    return (
        ExperienceReport.objects.exclude(status=ReportStatus.DISMISSED)
        .annotate(local_day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values(*keys, "channel_id", "source_type", "layer", "stage")
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
    days via TruncDate, dismissed reports excluded), the same queries `rollups_verify` compares with.
    """
    dimension = ReportDailyDimensionRollup._meta.db_table
    total = ReportDailyDimensionTotal._meta.db_table
    issue = IssueDailyRollup._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (
            ReportDailyDimensionRollup,
            ReportDailyDimensionTotal,
            IssueDailyRollup,
            ReportDailyRegionRollup,
            ReportDailyRegionTotal,
            IssueDailyRegionRollup,
        ):
            model.objects.all().delete()
        sql, params = _raw_dimension_sql()
        dimension_cells = _insert_select(
            cursor, dimension, ["day", "product_id", "dimension", "value", "count"], sql, params
        )
        total_cells = _insert_select(
            cursor,
            total,
            ["day", "dimension", "value", "count"],
            f"SELECT day, dimension, value, SUM(count) FROM {dimension} GROUP BY day, dimension, value",  # noqa: S608 — identifiers are ours
        )
        sql, params = _raw_issue_queryset().query.sql_with_params()
        issue_cells = _insert_select(
            cursor,
            issue,
            ["day", "issue_id", "count"],
            f"SELECT local_day, issue_id, n FROM ({sql}) AS raw",  # noqa: S608 — identifiers are ours, values are parameters
            params,
        )
        sql, params = _raw_region_sql()
        region_cells = _insert_select(
            cursor,
            ReportDailyRegionRollup._meta.db_table,
            ["day", "region_id", "product_id", "dimension", "value", "count"],
            sql,
            params,
        )
        region_table = ReportDailyRegionRollup._meta.db_table
        region_total_cells = _insert_select(
            cursor,
            ReportDailyRegionTotal._meta.db_table,
            ["day", "region_id", "dimension", "value", "count"],
            f"SELECT day, region_id, dimension, value, SUM(count) FROM {region_table} "  # noqa: S608 — identifiers are ours
            "GROUP BY day, region_id, dimension, value",
        )
        sql, params = (
            _raw_issue_queryset()
            .values("local_day", "region_id", "issue_id")
            .annotate(n=Count("id"))
            .query.sql_with_params()
        )
        issue_region_cells = _insert_select(
            cursor,
            IssueDailyRegionRollup._meta.db_table,
            ["day", "region_id", "issue_id", "count"],
            f"SELECT local_day, region_id, issue_id, n FROM ({sql}) AS raw",  # noqa: S608 — identifiers are ours, values are parameters
            params,
        )
    return {
        "dimension_cells": dimension_cells,
        "total_cells": total_cells,
        "issue_cells": issue_cells,
        "region_cells": region_cells,
        "region_total_cells": region_total_cells,
        "issue_region_cells": issue_region_cells,
    }


def rollups_verify() -> list[str]:
    """Differences between the stored rollups and a recomputation; empty when they match."""
    problems = []
    raw_dimension_cells = _raw_dimension_cells()
    raw_region_cells = _raw_region_cells()
    for name, stored, raw in (
        ("dimension", _stored_dimension_cells(), raw_dimension_cells),
        ("total", _stored_total_cells(), _total_cells(raw_dimension_cells)),
        ("issue", _stored_issue_cells(), _raw_issue_cells()),
        ("region", _stored_region_cells(), raw_region_cells),
        ("region total", _stored_region_total_cells(), _region_total_cells(raw_region_cells)),
        ("issue region", _stored_issue_region_cells(), _raw_issue_region_cells()),
    ):
        for key in sorted(set(stored) | set(raw), key=str):
            if stored.get(key, 0) != raw.get(key, 0):
                problems.append(f"{name} {key}: stored {stored.get(key, 0)}, actual {raw.get(key, 0)}")
    return problems
