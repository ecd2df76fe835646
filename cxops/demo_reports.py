"""Demo experience reports and issues (two years, Chinese, seed events among them)."""

from __future__ import annotations

from typing import Any


def load(*, users: dict[str, Any], log: Any) -> None:
    log("reports: none yet")
