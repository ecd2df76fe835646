"""Form fields the pages share where Django's own lets a hostile value through to the database."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from cxops.inputs import parse_id


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing an id that is no number within range as "not a valid value".

    Django sends the submitted values to an `__in` query, where an id beyond 64 bits (2**63) is an
    OverflowError, a server error, not "no such row" (its single-choice field handles that case)."""

    def _check_values(self, value: Any) -> Any:
        key = self.to_field_name or "pk"
        queryset = self.queryset
        if queryset is not None:
            meta = queryset.model._meta
            field = meta.pk if key == "pk" else meta.get_field(key)
            if isinstance(field, models.IntegerField):
                for pk in value:
                    if parse_id(str(pk)) is None:
                        raise ValidationError(
                            self.error_messages["invalid_pk_value"],
                            code="invalid_pk_value",
                            params={"pk": str(pk)[:40]},
                        )
        return super()._check_values(value)  # type: ignore[misc]  # not in django-stubs
