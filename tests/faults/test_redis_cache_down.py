"""Redis (the cache) stopped: the API keeps answering within 2 s, nothing it files is lost, and a
sign-in cached before the outage cannot outlive a change made during it.

A redis-server of the test's own is paused with SIGSTOP (it keeps its data, as a Redis behind a
network fault does: the worst case for stale sign-ins) and, for the refused-connection case, killed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
from django.core.cache import cache
from django.core.cache import caches
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cxops import cache as cxops_cache
from cxops.api import throttling
from cxops.models import ExperienceReport
from cxops.roles import Role
from tests.conftest import wait_for

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not shutil.which("redis-server"), reason="needs redis-server (apt-get install redis-server)"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_redis(settings):
    """The cache (and so the rate limit) on a redis-server of this test's own."""
    port = _free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    wait_for(
        lambda: (
            subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout.strip()
            == b"PONG"
        ),
        timeout=10,
    )
    url = f"redis://127.0.0.1:{port}/0"
    settings.REDIS_URL = url
    settings.CACHES = {"default": {"BACKEND": "cxops.cache.RedisCache", "LOCATION": url}}
    yield proc
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGCONT)
        proc.terminate()
        proc.wait()


def _recover_now() -> None:
    """Skip the few seconds the cache waits before trying Redis again."""
    cache._down_until = time.monotonic() - 1 if cache._down_until else 0.0


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


REPORT = {
    "source_type": "complaint",
    "product": "fetion",
    "channel": "hotline-10086",
    "layer": "functional",
    "stage": "use",
    "summary": "Redis 停了也要能登记：客户反映飞信无法登录",
    "occurred_at": "2026-11-20T10:00:00+08:00",
}


def test_a_paused_redis_costs_the_api_no_errors_and_no_reports(own_redis, make_user, reference_data):
    analyst, agent = make_user(Role.ANALYST), make_user(Role.FRONTLINE)
    reader, filer = _token_client(analyst), _token_client(agent)
    assert reader.get("/api/reports/").status_code == 200  # signed in and cached while Redis is up
    assert isinstance(caches["default"], cxops_cache.RedisCache)
    assert cache.get("cxops:auth-generation") is not None  # the sign-in went through Redis

    os.kill(own_redis.pid, signal.SIGSTOP)  # Redis stops answering (connections hang)
    try:
        timings = []
        for n in range(5):
            response, took = _timed(lambda: reader.get("/api/reports/"))
            assert response.status_code == 200
            timings.append(took)
            response, took = _timed(
                lambda n=n: filer.post(
                    "/api/reports/",
                    json.dumps({**REPORT, "external_id": f"down-{n}"}),
                    content_type="application/json",
                )
            )
            assert response.status_code == 201, response.content
            timings.append(took)
        assert max(timings) < 2.0, timings
        # only the first call waits for Redis (one short timeout each for the cache and the rate
        # limit); the rest answer without trying it
        assert sorted(timings)[-2] < 2.0 and sum(t > 0.4 for t in timings) <= 1, timings
    finally:
        os.kill(own_redis.pid, signal.SIGCONT)
    assert ExperienceReport.objects.filter(external_id__startswith="down-").count() == 5
    _recover_now()
    assert reader.get("/api/reports/").status_code == 200  # and back on Redis


def test_a_user_deactivated_while_redis_is_away_is_refused_once_it_is_back(
    own_redis, make_user, reference_data
):
    analyst = make_user(Role.ANALYST)
    client = _token_client(analyst)
    assert client.get("/api/reports/").status_code == 200
    assert client.get("/api/reports/").status_code == 200  # now from the cache, generation G

    os.kill(own_redis.pid, signal.SIGSTOP)
    try:
        analyst.is_active = False
        analyst.save()  # the generation cannot be moved on: Redis does not answer
        assert client.get("/api/reports/").status_code == 401  # read from the database meanwhile
    finally:
        os.kill(own_redis.pid, signal.SIGCONT)
    # Redis is back with the entry of generation G still in it; it must not be trusted
    _recover_now()
    assert client.get("/api/reports/").status_code == 401
    assert client.get("/api/reports/").status_code == 401


def test_a_refused_connection_is_answered_from_the_database_and_the_limit_fails_open(
    own_redis, make_user, reference_data, monkeypatch
):
    monkeypatch.setattr(throttling.FixedWindowUserRateThrottle, "THROTTLE_RATES", {"user": "2/min"})
    client = _token_client(make_user(Role.ANALYST))
    own_redis.kill()  # Redis gone: connections are refused
    own_redis.wait()
    responses = [_timed(lambda: client.get("/api/reports/")) for _ in range(4)]
    assert [r.status_code for r, _ in responses] == [200] * 4  # no 500s, and no 429s it cannot count
    assert max(took for _, took in responses) < 2.0
