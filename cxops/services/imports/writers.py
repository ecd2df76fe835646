"""Bulk writers for import handlers: COPY into a staging table on PostgreSQL, batched INSERTs on SQLite.

Both skip rows whose unique key already exists (`ON CONFLICT DO NOTHING`) and tell the caller
exactly which rows were added (`RETURNING`), so derived data (rollups, link tables) is written for
those rows only and a re-import adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any

from django.db import connection

SQLITE_MAX_VARIABLES = 30_000


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    text = value if isinstance(value, str) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_payload(rows: Iterable[Sequence[Any]]) -> str:
    """Rows as PostgreSQL COPY text (tab-separated, \\N for NULL); values are str/int/None."""
    return "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)


def copy_into(cursor: Any, table: str, columns: Sequence[str], payload: str) -> None:
    """PostgreSQL COPY ... FROM STDIN of a `copy_payload`, sent in blocks."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with cursor.cursor.copy(sql) as copy:
        for start in range(0, len(payload), 1 << 20):
            copy.write(payload[start : start + (1 << 20)])


def ensure_staging(cursor: Any, *, name: str, like: str, columns_sql: str) -> None:
    """A session-local staging table, emptied at every commit (one import chunk per transaction)."""
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns_sql}) ON COMMIT DELETE ROWS")
    cursor.execute(f"TRUNCATE {name}")


def insert_ignoring_conflicts(
    *, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], returning: Sequence[str] = ()
) -> list[tuple]:
    """Batched `INSERT ... ON CONFLICT DO NOTHING [RETURNING ...]` (PostgreSQL and SQLite ≥ 3.35).

    Returns the RETURNING rows of the rows actually inserted (empty when `returning` is empty).
    """
    if not rows:
        return []
    per_row = len(columns)
    batch = max(1, min(1000, SQLITE_MAX_VARIABLES // per_row))
    placeholder = "(" + ", ".join(["%s"] * per_row) + ")"
    tail = f" RETURNING {', '.join(returning)}" if returning else ""
    added: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            params = [value for row in chunk for value in row]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([placeholder] * len(chunk))} "  # noqa: S608 — identifiers are the handler's
                f"ON CONFLICT DO NOTHING{tail}",
                params,
            )
            if returning:
                added.extend(cursor.fetchall())
            else:
                added.extend([()] * max(cursor.rowcount, 0))
    return added
