"""Reference data by code for the hot write paths, from a small table kept in each process.

Products, channels and segments change a few times a year, through the admin; filing one report
reads two or three of them, and every report the API lists shows the codes of its product, channel
and segments.  Each process keeps {code: row} and {id: row} per model for at most
`REFERENCE_TTL_SECONDS` and drops them at once when a row of that model is saved or deleted in the
process, so an admin's change is seen here at once and by other processes within a minute.  An id
not in the table (a row added by another process) reloads it once.
"""

from __future__ import annotations

import time
from typing import Any
from typing import TypeVar

from django.db import models
from django.db.models.signals import post_delete
from django.db.models.signals import post_save

from cxops.models import Channel
from cxops.models import Product
from cxops.models import Region
from cxops.models import Segment

REFERENCE_TTL_SECONDS = 60.0
CACHED_MODELS = (Product, Channel, Segment, Region)

Row = TypeVar("Row", bound=models.Model)
_tables: dict[type[models.Model], tuple[float, dict[str, Any], dict[int, Any]]] = {}


def _table(model: type[Row], *, reload: bool = False) -> tuple[float, dict[str, Row], dict[int, Row]]:
    now = time.monotonic()
    entry = _tables.get(model)
    if reload or entry is None or now - entry[0] > REFERENCE_TTL_SECONDS:
        rows = list(model._default_manager.all())
        entry = (now, {row.code: row for row in rows}, {row.pk: row for row in rows})  # type: ignore[attr-defined]
        _tables[model] = entry
    return entry


def reference_by_code(model: type[Row], code: str) -> Row | None:
    """The row of `model` with this code, or None."""
    return _table(model)[1].get(code)


def reference_by_id(model: type[Row], pk: int) -> Row | None:
    """The row of `model` with this id, or None (after one reload, for a row added elsewhere)."""
    row = _table(model)[2].get(pk)
    if row is None:
        row = _table(model, reload=True)[2].get(pk)
    return row


def reference_cache_clear(**kwargs: Any) -> None:
    """Forget what is kept (all models, or the signal's sender)."""
    sender = kwargs.get("sender")
    if sender is None:
        _tables.clear()
    else:
        _tables.pop(sender, None)


def connect_signals() -> None:
    for model in CACHED_MODELS:
        post_save.connect(
            reference_cache_clear, sender=model, dispatch_uid=f"cxops-reference-save-{model.__name__}"
        )
        post_delete.connect(
            reference_cache_clear, sender=model, dispatch_uid=f"cxops-reference-delete-{model.__name__}"
        )
