"""What the benchmarks share: a throw-away database of their own, and a
timed step that prints how long it took."""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


def timed(label: str, fn: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = fn()
    print(f"# {label}: {time.perf_counter() - started:.1f} s", flush=True)
    return result


@contextmanager
def bench_database(name: str, *, keepdb: bool) -> Iterator[bool]:
    """A test database for one benchmark (`<DATABASE>_<name>` on PostgreSQL, a file in /tmp on
    SQLite), created on entry (reused with `keepdb`) and destroyed on exit unless `keepdb`.
    Yields whether it is PostgreSQL.  Call after `django.setup()`."""
    from django.db import connection

    is_postgres = connection.vendor == "postgresql"
    if is_postgres:
        connection.settings_dict["TEST"]["NAME"] = connection.settings_dict["NAME"] + f"_{name}"
    else:
        connection.settings_dict["TEST"]["NAME"] = f"/tmp/cxops_{name}.sqlite3"  # noqa: S108
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=not keepdb, keepdb=keepdb)
    try:
        yield is_postgres
    finally:
        if not keepdb:
            connection.creation.destroy_test_db(old_name, verbosity=0)
