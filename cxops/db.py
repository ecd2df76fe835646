"""Reading dates PostgreSQL can hold but Python cannot: the read side of `cxops.inputs`' bounds.

PostgreSQL keeps dates from 4713 BC to 294276 AD; Python's from year 1 to 9999.  A report filed
"in year 1" local time was stored as 1 BC in UTC, and from then on every query that read it raised
DataError in psycopg's loader: the report lists answered 500 for everyone until the row was
deleted by hand.  Entry points now refuse such dates (`cxops.inputs`), but rows written before, by
hand or by another program may still hold them.  On each new connection, the date and time loaders
are wrapped so such a value reads as the nearest date Python can hold (a day inside its range, so
converting it to local time cannot overflow again), and the page shows an obviously wrong date
instead of failing.

A moment Python can hold may still be unshowable: 9999-12-31 23:00 UTC is in year 10000 in
Shanghai, 0001-01-01 local midnight is in year 0 in UTC; templates and DRF convert to local time
and overflowed.  `MomentField`, the model field of the moments people enter (a report's time and
the issue times taken from it), reads such values as the nearest showable moment, on every
database.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import psycopg
from django.db import models
from psycopg.adapt import Loader
from psycopg.postgres import types as pg_types
from psycopg.pq import Format

logger = logging.getLogger(__name__)

EARLIEST = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
LATEST = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)


def clamp_moment(value: dt.datetime | None) -> dt.datetime | None:
    """`value` moved into [EARLIEST, LATEST]: a day inside Python's range, so local time exists."""
    if value is None or timezone_is_naive(value):
        return value
    if value < EARLIEST:
        return EARLIEST
    if value > LATEST:
        return LATEST
    return value


def timezone_is_naive(value: dt.datetime) -> bool:
    return value.tzinfo is None or value.tzinfo.utcoffset(value) is None


class MomentField(models.DateTimeField):
    """A DateTimeField whose stored extremes read as the nearest showable moment (see above).

    It deconstructs as Django's DateTimeField: the table is the same, so no migration."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return clamp_moment(value)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs


def _nearest(type_name: str, too_small: bool, tzinfo: Any) -> Any:
    moment = EARLIEST if too_small else LATEST
    if type_name == "date":
        return moment.date()
    if type_name == "timestamptz":
        return moment.replace(tzinfo=tzinfo or dt.UTC)
    return moment.replace(tzinfo=None)  # a timestamp without time zone


def _lenient(loader: Any, type_name: str) -> type:
    """A loader that asks `loader` and answers the nearest date when it cannot.  It wraps rather
    than subclasses: psycopg's C loaders are final."""

    class LenientLoader(Loader):
        format = loader.format
        # Django's cursor compares the time-zone loader's `timezone` with the connection's.
        timezone = getattr(loader, "timezone", None)

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self.inner = loader(oid, context)

        def load(self, data: Any) -> Any:
            try:
                return self.inner.load(data)
            except psycopg.DataError as error:
                logger.warning("a stored %s outside Python's range read as the nearest: %s", type_name, error)
                return _nearest(type_name, "too small" in str(error), self.timezone)

    LenientLoader.__name__ = f"Lenient{loader.__name__}"
    return LenientLoader


def register_lenient_date_loaders(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: wraps the date, timestamp and timestamptz loaders."""
    if connection.vendor != "postgresql":
        return
    adapters = connection.connection.adapters
    for type_name in ("date", "timestamp", "timestamptz"):
        oid = pg_types[type_name].oid
        for wire_format in (Format.TEXT, Format.BINARY):
            loader = adapters.get_loader(oid, wire_format)
            if loader is not None and not loader.__name__.startswith("Lenient"):
                adapters.register_loader(oid, _lenient(loader, type_name))
