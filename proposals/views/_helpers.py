from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from cxops.errors import ApplicationError


def flash_error(request: HttpRequest, error: ApplicationError | ValidationError) -> None:
    text = " ".join(error.messages) if isinstance(error, ValidationError) else error.message
    messages.error(request, text)
