"""Nothing but the sign-in page is reachable signed out: walk every URL pattern, anonymously.

Every pattern of the URL conf is collected (so new pages are covered automatically), its
arguments filled with plausible values, and each is requested with GET and POST.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern
from django.urls import URLResolver
from django.urls import get_resolver

pytestmark = pytest.mark.django_db

# Reachable signed out on purpose.
PUBLIC = {
    "/accounts/login/",
    "/i18n/setlang/",  # only stores the language choice
    "/admin/login/",  # the admin's own sign-in page
    # one-click unsubscribe from an e-mail: only a signed token acts (test below)
    "/notifications/unsubscribe/1/",
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _concrete(pattern: str) -> str:
    path = pattern.replace("^", "").replace("$", "").replace("\\Z", "")
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)  # regex groups
    path = re.sub(r"<(?:\w+:)?\w+>", "1", path)  # path converters
    return "/" + path


def all_paths() -> list[str]:
    # DRF's ".json" format-suffix variants repeat the plain patterns.
    patterns = [p for p in _walk(get_resolver().url_patterns) if "(?P<format>" not in p]
    paths = sorted({_concrete(p) for p in patterns})
    return [p for p in paths if "(" not in p and "[" not in p]


def test_the_walk_covers_every_section():
    paths = all_paths()
    for expected in (
        "/",
        "/sense/",
        "/dashboard/",
        "/pool/",
        "/rules/",
        "/evaluation/",
        "/api/products/",
        "/admin/",
    ):
        assert expected in paths
    assert len(paths) > 20


@pytest.mark.parametrize("path", all_paths())
def test_anonymous_cannot_reach(client, path):
    if path in PUBLIC or path.startswith("/static/"):
        pytest.skip("public by design")
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code in (301, 302, 401, 403, 404, 405), (method, path, response.status_code)
        if response.status_code in (301, 302):
            location = response["Location"]
            # to a sign-in page, or (admin logout) to the admin index, which itself needs sign-in
            assert "/accounts/login/" in location or location.startswith(("/admin/login/", "/admin/")), (
                path,
                location,
            )
        if response.status_code == 200:  # pragma: no cover — the assertion above already failed
            pytest.fail(path)


def test_api_answers_401_json_with_the_error_shape(client):
    response = client.get("/api/products/")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"


def test_login_page_is_public_and_in_chinese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_anonymous_unsubscribe_needs_a_signed_token(client):
    # the one public route that acts: without a valid signature it refuses, on GET and POST
    for method in ("get", "post"):
        response = getattr(client, method)("/notifications/unsubscribe/1/")
        assert response.status_code == 400, (method, response.status_code)
