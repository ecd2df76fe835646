"""Reading a model's field metadata for messages and page labels."""

from __future__ import annotations

from django.db import models


def verbose_name(model: type[models.Model], field_name: str) -> str:
    """The field's translated name (a relation's reverse side or a generic key has none: its name)."""
    field = model._meta.get_field(field_name)
    return str(field.verbose_name) if isinstance(field, models.Field) else field_name
