"""Error answers of the whole site: the API's in its documented shape, pages as Django has them.

An exception the API's handler does not know (a bug, a database that went away) reaches Django's
500 handler, which answered an HTML page to API clients; a path under /api/ that names no route
likewise got Django's HTML 404.  Both now answer `{"error": {"code", "message"}}` there.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"error": {"code": "server_error", "message": _("A server error occurred; it has been logged.")}},
            status=500,
        )
    return defaults.server_error(request, template_name)


def page_not_found(request: HttpRequest, exception: Exception, template_name: str = "404.html") -> Any:
    if _is_api(request):
        return JsonResponse({"error": {"code": "not_found", "message": _("Not found.")}}, status=404)
    return defaults.page_not_found(request, exception, template_name)


def bad_request(request: HttpRequest, exception: Exception, template_name: str = "400.html") -> Any:
    if _is_api(request):
        return JsonResponse({"error": {"code": "bad_request", "message": _("Bad request.")}}, status=400)
    return defaults.bad_request(request, exception, template_name)
