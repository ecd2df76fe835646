from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from cxops.errors import ApplicationError


def form_error(form: forms.Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form's fields (unknown fields → form-wide)."""
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def flash_error(request: HttpRequest, error: ApplicationError | ValidationError) -> None:
    text = " ".join(error.messages) if isinstance(error, ValidationError) else error.message
    messages.error(request, text)
