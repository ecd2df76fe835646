"""Links: absolute ones for what leaves the browser (e-mails, robot messages): settings.SITE_URL +
path; and where a form may send its user back to (`next`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http import QueryDict
from django.utils.http import url_has_allowed_host_and_scheme


def local_next(request: Any, value: Any, default: str) -> str:
    """`value` (a form's `next`) if it is a path on this site, else `default`: what a view may redirect
    to.  Never handed to `redirect()`, which would read "logout" or "garbage" as a URL name."""
    if (
        isinstance(value, str)
        and value.startswith("/")
        and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()})
    ):
        return value
    return default


def list_query(request: HttpRequest) -> QueryDict:
    """A keyset list's query string without its cursor (`before`): what its "Newest" and "Older"
    links and its export links carry, so paging keeps the filters and an export takes them all."""
    query = request.GET.copy()
    query.pop("before", None)
    return query


def absolute_url(path: str) -> str:
    """`/rules/7/` → `https://cx.example.com/rules/7/`; an empty or already absolute link is kept."""
    if not path or "://" in path:
        return path
    return settings.SITE_URL + (path if path.startswith("/") else "/" + path)
