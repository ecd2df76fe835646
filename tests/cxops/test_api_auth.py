"""Cached API sign-in: no queries for a known token, and any change to users, groups or tokens is
seen on the very next request."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cxops.api import auth

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["locmem", "redis"])
def shared_cache(request, monkeypatch, settings):
    """The cache as production has it: shared by every process (Redis); locmem stands in when it
    is one process, as in this test."""
    if request.param == "redis":
        url = os.environ.get("REDIS_URL")
        if not url:
            pytest.skip("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/14")
        settings.CACHES = {"default": {"BACKEND": "cxops.cache.RedisCache", "LOCATION": url}}
    else:
        monkeypatch.setattr(auth, "cache_is_shared", lambda: True)
    cache.clear()
    yield
    cache.clear()


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _auth_queries(client, path="/api/products/") -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in queries if "authtoken_token" in q["sql"] or "auth_group" in q["sql"]]


def test_a_known_token_costs_no_query(shared_cache, analyst, reference_data):
    client = _client(analyst)
    assert _auth_queries(client)  # first call: token, user and groups are read
    assert _auth_queries(client) == []  # then they come from the cache


def test_a_deactivated_user_is_refused_on_the_next_request(shared_cache, analyst, reference_data):
    client = _client(analyst)
    assert client.get("/api/products/").status_code == 200
    analyst.is_active = False
    analyst.save()
    assert client.get("/api/products/").status_code == 401


def test_a_revoked_token_is_refused_on_the_next_request(shared_cache, analyst, reference_data):
    client = _client(analyst)
    assert client.get("/api/products/").status_code == 200
    Token.objects.filter(user=analyst).delete()
    assert client.get("/api/products/").status_code == 401


def test_a_role_taken_away_applies_on_the_next_request(shared_cache, analyst, reference_data):
    client = _client(analyst)
    assert client.get("/api/import-jobs/").status_code == 200  # analysts run imports
    analyst.groups.clear()
    assert client.get("/api/import-jobs/").status_code == 403


def test_the_cache_never_holds_a_usable_token(shared_cache, analyst, reference_data):
    client = _client(analyst)
    client.get("/api/products/")
    key = Token.objects.get(user=analyst).key
    import pickle

    stored = cache.get(auth._entry_key(key))
    assert stored is not None and key not in auth._entry_key(key)
    # neither the token nor the password hash is in what the cache holds
    assert key.encode() not in pickle.dumps(stored)
    assert analyst.password.encode() not in pickle.dumps(stored)
    # and a save of the cached user cannot overwrite the password
    password_hash = analyst.password
    cached_user = stored[1]
    cached_user.first_name = "晓明"
    cached_user.save()
    analyst.refresh_from_db()
    assert (analyst.first_name, analyst.password) == ("晓明", password_hash)
    assert analyst.check_password("pw-test-12345")


def test_without_a_shared_cache_nothing_is_cached(settings, analyst, reference_data):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    client = _client(analyst)
    client.get("/api/products/")
    assert _auth_queries(client)  # every request reads the token again


def test_a_token_client_over_its_rate_is_throttled_while_another_is_served(
    shared_cache, make_user, reference_data, monkeypatch
):
    """The rate limit as API clients meet it: signed in with a token served from the sign-in cache."""
    from cxops.api.throttling import FixedWindowUserRateThrottle
    from cxops.roles import Role

    monkeypatch.setattr(FixedWindowUserRateThrottle, "THROTTLE_RATES", {"user": "3/min"})
    monkeypatch.setattr(FixedWindowUserRateThrottle, "timer", staticmethod(lambda: 60 * 28_000_000 + 1.0))
    greedy, patient = _client(make_user(Role.ANALYST)), _client(make_user(Role.ANALYST))
    # 3 a minute: the greedy client's fourth and fifth calls are refused, with Retry-After
    assert [greedy.get("/api/products/").status_code for _ in range(5)] == [200] * 3 + [429] * 2
    refused = greedy.get("/api/products/")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    assert patient.get("/api/products/").status_code == 200  # another client is still served
    # a new window serves the greedy client again
    monkeypatch.setattr(FixedWindowUserRateThrottle, "timer", staticmethod(lambda: 60 * 28_000_001 + 1.0))
    assert greedy.get("/api/products/").status_code == 200
    # a refused sign-in (unknown token) is still answered 401, not 429 or 500
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert stranger.get("/api/products/").status_code == 401
