"""A service's refusal shown on the page's form: the one adapter every floor's views use.

Services raise Django's `ValidationError` (with or without field names) or `ApplicationError`
(whose `extra["fields"]` may name fields); the form shows each message beside its field, and a
message for a field the form does not have, or for no field, at the top of the form.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from cxops.errors import ApplicationError


def form_add_service_error(form: forms.BaseForm, error: ValidationError | ApplicationError) -> None:
    if isinstance(error, ApplicationError):
        fields = error.extra.get("fields") or {}
        if not fields:
            form.add_error(None, error.message)
    elif hasattr(error, "error_dict"):
        fields = error.message_dict
    else:  # a ValidationError for no field: `message_dict` would raise AttributeError
        form.add_error(None, error.messages)
        return
    for field, messages in fields.items():
        form.add_error(field if field in form.fields else None, messages)
