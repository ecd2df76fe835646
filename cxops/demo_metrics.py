"""Demo metric data (two years of daily aggregates for the seed products)."""

from __future__ import annotations

from typing import Any


def load(*, users: dict[str, Any], log: Any) -> None:
    log("metrics: none yet")
