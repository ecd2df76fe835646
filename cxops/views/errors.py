"""Error answers of the whole site: the API's in its documented shape, pages inside the app's layout.

An exception the API's handler does not know (a bug, a database that went away) reaches Django's
500 handler, which answered an HTML page to API clients; a path under /api/ that names no route
likewise got Django's HTML 404.  Both now answer `{"error": {"code", "message"}}` there.

Pages (400, 403, 404, CSRF failure) render `templates/<status>.html`, which extend the layout and say
what the user can do next; the 500 page is standalone (it renders with no request context, so it
cannot depend on the database or the session that may be what failed).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.http import HttpResponse
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _api_error(code: str, message: str, status: int) -> JsonResponse:
    """The API's documented error shape."""
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    if _is_api(request):
        return _api_error("server_error", _("A server error occurred; it has been logged."), 500)
    return defaults.server_error(request, template_name)


def page_not_found(request: HttpRequest, exception: Exception, template_name: str = "404.html") -> Any:
    if _is_api(request):
        return _api_error("not_found", _("Not found."), 404)
    return defaults.page_not_found(request, exception, template_name)


def permission_denied(request: HttpRequest, exception: Exception, template_name: str = "403.html") -> Any:
    if _is_api(request):
        return _api_error("forbidden", _("You do not have permission to perform this action."), 403)
    return defaults.permission_denied(request, exception, template_name)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: an expired form (a page left open, a sign-in in another tab) explained."""
    if _is_api(request):
        return _api_error("csrf_failed", _("The form expired; reload the page and try again."), 403)
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


def bad_request(request: HttpRequest, exception: Exception, template_name: str = "400.html") -> Any:
    if _is_api(request):
        return _api_error("bad_request", _("Bad request."), 400)
    return defaults.bad_request(request, exception, template_name)
