"""django-simple-history, without building a manager class on every save.

simple-history's `HistoryDescriptor` (`Model.history`) answers each access with
`HistoryManager.from_queryset(HistoricalQuerySet)(...)`: a new manager class, made by walking the
queryset class with `inspect.getmembers`.  Every save of a model with history reaches it once (to
write the historical row), so filing one report paid for a class it threw away.  The class depends
only on the descriptor: `history_descriptors_cached` swaps each model's descriptor for one that
builds it once.  Behaviour is otherwise the library's (same manager and queryset classes).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from simple_history.manager import HistoryDescriptor


class CachedHistoryDescriptor(HistoryDescriptor):
    def __get__(self, instance: Any, owner: Any) -> Any:
        manager_class = self.__dict__.get("_manager_with_queryset")
        if manager_class is None:
            manager_class = self.manager_class.from_queryset(self.queryset_class)
            self._manager_with_queryset = manager_class
        return manager_class(self.model, instance)


def history_descriptors_cached() -> int:
    """Swap the history descriptor of every installed model that has one; returns how many."""
    swapped = 0
    for model in apps.get_models(include_auto_created=True):
        name = getattr(model._meta, "simple_history_manager_attribute", None)
        descriptor = model.__dict__.get(name) if name else None
        if name and type(descriptor) is HistoryDescriptor:
            setattr(
                model,
                name,
                CachedHistoryDescriptor(
                    descriptor.model, manager=descriptor.manager_class, queryset=descriptor.queryset_class
                ),
            )
            swapped += 1
    return swapped
