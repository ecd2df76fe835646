"""django-simple-history, through its own extension point, without a manager class per save.

simple-history's `Model.history` descriptor answers each access with
`history_manager.from_queryset(historical_queryset)(...)`: a new manager class, made by walking the
queryset class with `inspect.getmembers`, and every save of a tracked model reaches it once (to
write the historical row), ~0.13 ms each.  `HistoryManagerBuiltOnce`, given to `HistoricalRecords`
by its documented `history_manager` option (`TrackedHistory` below), builds that class once per
queryset class.  Measured with `bench/load.py`'s application CPU per request (2026-12-06, PostgreSQL,
20,000 reports, two runs each): filing a report through the API cost 18.75 ms without it and 15.7 ms
(mean of two) with it and the input serializers' field copies (cxops.api.inputs) — with both off,
18.5 ms.
"""

from __future__ import annotations

from typing import Any
from typing import ClassVar

from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords


class HistoryManagerBuiltOnce(HistoryManager):
    _built: ClassVar[dict[tuple[Any, ...], Any]] = {}

    @classmethod
    def from_queryset(cls, queryset_class: Any, class_name: str | None = None) -> Any:
        key = (cls, queryset_class, class_name)
        built = HistoryManagerBuiltOnce._built.get(key)
        if built is None:
            built = HistoryManagerBuiltOnce._built[key] = super().from_queryset(queryset_class, class_name)
        return built


class TrackedHistory(HistoricalRecords):
    """`HistoricalRecords` with the manager class built once; every tracked model uses it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("history_manager", HistoryManagerBuiltOnce)
        super().__init__(*args, **kwargs)
