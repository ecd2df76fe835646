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
    _upsert(
        ReportDailyDimensionRollup._meta.db_table,
        ["day", "product_id", "dimension", "value"],
        {key: n for key, n in _dimension_cells(cells).items() if n},
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
    queryset = (
        ExperienceReport.objects.exclude(status=ReportStatus.DISMISSED)
        .annotate(local_day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values("local_day", "product_id", "channel_id", "source_type", "layer", "stage")
        .annotate(n=Count("id"))
    )
    return {
        (r["local_day"], r["product_id"], r["channel_id"], r["source_type"], r["layer"], r["stage"]): r["n"]
        for r in queryset
    }


def _raw_issue_cells() -> dict[tuple, int]:
    queryset = (
        ExperienceReport.objects.exclude(status=ReportStatus.DISMISSED)
        .filter(issue__isnull=False)
        .annotate(local_day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values("local_day", "issue_id")
        .annotate(n=Count("id"))
    )
    return {(r["local_day"], r["issue_id"]): r["n"] for r in queryset}


def _stored_report_cells() -> dict[tuple, int]:
    return {
        (r.day, r.product_id, r.channel_id, r.source_type, r.layer, r.stage): r.count
        for r in ReportDailyRollup.objects.exclude(count=0)
    }


def _stored_dimension_cells() -> dict[tuple, int]:
    return {
        (r.day, r.product_id, r.dimension, r.value): r.count
        for r in ReportDailyDimensionRollup.objects.exclude(count=0)
    }


def _stored_issue_cells() -> dict[tuple, int]:
    return {(r.day, r.issue_id): r.count for r in IssueDailyRollup.objects.exclude(count=0)}


def rollups_rebuild() -> dict[str, int]:
    """Recompute every rollup from the raw reports (locks out concurrent rollup writers)."""
    with transaction.atomic():
        ReportDailyRollup.objects.all().delete()
        ReportDailyDimensionRollup.objects.all().delete()
        IssueDailyRollup.objects.all().delete()
        report_cells = _raw_report_cells()
        issue_cells = _raw_issue_cells()
        ReportDailyRollup.objects.bulk_create(
            [
                ReportDailyRollup(
                    day=k[0],
                    product_id=k[1],
                    channel_id=k[2],
                    source_type=k[3],
                    layer=k[4],
                    stage=k[5],
                    count=n,
                )
                for k, n in report_cells.items()
            ],
            batch_size=2000,
        )
        dimension_cells = _dimension_cells(report_cells)
        ReportDailyDimensionRollup.objects.bulk_create(
            [
                ReportDailyDimensionRollup(day=k[0], product_id=k[1], dimension=k[2], value=k[3], count=n)
                for k, n in dimension_cells.items()
            ],
            batch_size=2000,
        )
        IssueDailyRollup.objects.bulk_create(
            [IssueDailyRollup(day=k[0], issue_id=k[1], count=n) for k, n in issue_cells.items()],
            batch_size=2000,
        )
    return {
        "report_cells": len(report_cells),
        "dimension_cells": len(dimension_cells),
        "issue_cells": len(issue_cells),
    }


def rollups_verify() -> list[str]:
    """Differences between the stored rollups and a recomputation; empty when they match."""
    problems = []
    raw_report_cells = _raw_report_cells()
    for name, stored, raw in (
        ("report", _stored_report_cells(), raw_report_cells),
        ("dimension", _stored_dimension_cells(), _dimension_cells(raw_report_cells)),
        ("issue", _stored_issue_cells(), _raw_issue_cells()),
    ):
        for key in sorted(set(stored) | set(raw), key=str):
            if stored.get(key, 0) != raw.get(key, 0):
                problems.append(f"{name} {key}: stored {stored.get(key, 0)}, actual {raw.get(key, 0)}")
    return problems
