"""The one domain error services raise.  Views turn it into form errors, the API into a 400/409."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A refused operation, with a message a person can act on.

    `code` is machine-readable (e.g. "conflict", "illegal_transition", "forbidden"); `extra` carries
    structured detail (the conflicting revision, the allowed moves, ...).  `status` is the HTTP status
    the API should answer with: services choose it by meaning, never by talking HTTP themselves.
    """

    status_by_code = {"conflict": 409, "forbidden": 403, "not_found": 404}

    def __init__(self, message: str, *, code: str = "invalid", extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}

    @property
    def status(self) -> int:
        return self.status_by_code.get(self.code, 400)

    def __str__(self) -> str:
        return str(self.message)
