"""A database connection terminated under a web process (PostgreSQL restarted, a failover, an
idle-connection reaper) costs no request an error: the persistent connection is health-checked at
the start of each request's first query (CONN_HEALTH_CHECKS) and replaced when dead.

Requests go through Django's WSGI handler itself, as gunicorn calls it, so the request-start
signal that checks connections fires (the test client turns it off)."""

from __future__ import annotations

import io

import psycopg
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client
from django.test import RequestFactory

from cxops.roles import Role

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _wsgi_get(path: str, cookie: str) -> int:
    environ = RequestFactory()._base_environ(
        PATH_INFO=path, REQUEST_METHOD="GET", HTTP_COOKIE=cookie, HTTP_ACCEPT="application/json"
    )
    environ["wsgi.input"] = io.BytesIO(b"")
    status: list[str] = []
    response = WSGIHandler()(environ, lambda s, headers, exc_info=None: status.append(s))
    b"".join(response)
    response.close()
    return int(status[0].split()[0])


def _terminate(pid: int) -> None:
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    ) as other:
        terminated = other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    assert terminated is True


def test_the_next_request_after_the_connection_is_terminated_succeeds(make_user):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0  # persistent: the case that needs a check
    client = Client()
    client.force_login(make_user(Role.ANALYST))
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    # given a web process whose persistent connection served a request
    assert _wsgi_get("/api/reports/", cookie) == 200
    pid = connection.connection.info.backend_pid
    # when PostgreSQL terminates that connection between requests
    _terminate(pid)
    # then the next request is answered normally, on a new connection
    assert _wsgi_get("/api/reports/", cookie) == 200
    assert connection.connection.info.backend_pid != pid
