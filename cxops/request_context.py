"""The address of the request being served, for the audit log.

Services do not speak HTTP, yet an audit line needs the address the act came from.  This
middleware keeps the client's address (as `cxops.client_address` works it out behind the proxy) in
a context variable for the length of the request; `cxops.services.audit.audit_record` reads it when
the caller does not pass one.  Commands and tasks have no request: their lines have no address.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest
from django.http import HttpResponse

from cxops.client_address import client_address

_address: ContextVar[str | None] = ContextVar("cxops_request_address", default=None)


def current_address() -> str | None:
    return _address.get()


class RequestAddressMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _address.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            _address.reset(token)
