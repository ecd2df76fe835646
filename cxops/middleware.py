from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.db import DataError
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import QueryDict
from django.urls import reverse
from django.views.defaults import bad_request

logger = logging.getLogger(__name__)


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Nothing but the sign-in page is reachable signed out.

    The API is left to DRF, which authenticates tokens inside the view (the middleware cannot see
    them) and answers 401/403 JSON through its default IsAuthenticated permission.  The admin has
    its own login redirect.  `tests/security/test_anonymous.py` walks every URL to prove it.
    """

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ):
        if request.path_info.startswith(("/api/", "/admin/")):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


CSP_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self' 'unsafe-inline'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Scripts only from our own static files: user-written Markdown can never run code."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith("/api/docs/") or request.path_info.startswith("/api/redoc/"):
            # The sidecar's Swagger UI boots with a small inline script.
            response.setdefault(
                "Content-Security-Policy",
                CSP_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"),
            )
        else:
            response.setdefault("Content-Security-Policy", getattr(settings, "CXOPS_CSP", CSP_POLICY))
        return response


class QueryStringNulMiddleware:
    """NUL removed from every query-string value, and from url-encoded form bodies, before any view
    reads them.

    PostgreSQL cannot store or compare text with NUL: a search for "a%00b" answered 500 on every
    route that filters by a query parameter (issue search, pool search, the API's filters), and a
    page that stores a form value it reads itself (an alert's note) would too.  No parameter has a
    use for it, so it is dropped here once, for pages and the API alike.  Multipart bodies are
    left to the forms (their fields refuse NUL) so that uploads stay streamed; JSON bodies to the
    serializers (DRF's CharField refuses it).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query_string = request.META.get("QUERY_STRING", "")
        if "%00" in query_string or "\x00" in query_string:
            request.GET = _without_nul(request.GET)  # type: ignore[assignment]  # an immutable copy, as Django's
        if (
            request.method == "POST"
            and request.content_type == "application/x-www-form-urlencoded"
            and b"%00" in request.body
        ):
            request.POST = _without_nul(request.POST)  # type: ignore[assignment]  # as above
        return self.get_response(request)


def _without_nul(data: QueryDict) -> QueryDict:
    cleaned = QueryDict(mutable=True)
    for key, values in data.lists():
        cleaned.setlist(key.replace("\x00", ""), [value.replace("\x00", "") for value in values])
    cleaned._mutable = False
    return cleaned


class AdminRefusedValueMiddleware:
    """The admin's two 500s on a value it cannot use, as the 400 they are.

    Django's admin turns a filter it cannot apply into its own "?e=1" page, but two values get
    past it: a number too large for the database in a list's filter (`?pk__in=99999999999999999999`:
    an OverflowError from SQLite, a DataError from PostgreSQL, raised while the list is read), and
    a selected row in a bulk action that is not a number (`_selected_action=abc`: the primary key
    field's ValueError, "Field 'id' expected a number").  Both are Django's code, not ours; on the
    admin's paths only, they get the site's 400 page and a warning in the log.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(reverse("admin:index")):
            return None
        refused_value = isinstance(exception, OverflowError | DataError) or (
            isinstance(exception, ValueError | TypeError) and str(exception).startswith("Field '")
        )
        if not refused_value:
            return None
        logger.warning("admin: a value in the request could not be used: %s", exception)
        return bad_request(request, exception)
