"""Schemathesis over the whole API, in-process: no 5xx, responses match the schema, auth is enforced.

The OpenAPI document is generated in-process by drf-spectacular (the same one /api/schema/ serves)
and every operation is fuzzed through the WSGI app, signed in with a token: once as a manager (who
may do most things) and once as a frontline agent (who is refused most things — refusals must be
clean 403/404s, never 500s).  Each operation also gets schemathesis's `ignored_auth` check: the
request is repeated without credentials and must be refused.

Bounded and deterministic for CI: a fixed seed, derandomised Hypothesis, a few examples per phase.
Path ids of positive examples are mapped onto objects that exist, so reads and writes reach real
rows instead of 404ing on random integers.
"""

from __future__ import annotations

import json
import os

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished
from django.core.signals import request_started
from django.db import close_old_connections
from django.db import transaction
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.authtoken.models import Token

from cxops.roles import Role
from tests.security.world import build_world

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

SEED = 20261123
# CI's bounded run; a longer one: CXOPS_FUZZ_EXAMPLES=200 pytest tests/security/test_api_fuzz.py
EXAMPLES_PER_OPERATION = int(os.environ.get("CXOPS_FUZZ_EXAMPLES", "8"))

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "mode": "all",
            "max-examples": EXAMPLES_PER_OPERATION,
            "deterministic": True,
            "database": "none",
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": False},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "checks": {
            "not_a_server_error": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "ignored_auth": {"enabled": True},
            # Off on purpose: the API documents its happy-path codes only, and a generated
            # "positive" body often names rows that do not exist (a 400 there is correct).
            "status_code_conformance": {"enabled": False},
            "positive_data_acceptance": {"enabled": False},
            "negative_data_rejection": {"enabled": False},
            "missing_required_header": {"enabled": False},
            "unsupported_method": {"enabled": False},
            "use_after_free": {"enabled": False},
            "ensure_resource_availability": {"enabled": False},
        },
    }
)

SIGNED_IN: dict = {}

# Counted across the module so the figures can be printed (see the report in docs/architecture.md).
CASES_RUN = {"count": 0}


def openapi_document() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


def test_the_schema_generates_without_errors_or_name_collisions():
    # given drf-spectacular's own diagnostics, cleared
    GENERATOR_STATS.reset()
    # when the schema is generated
    with GENERATOR_STATS.silence():
        document = openapi_document()
    # then it has no errors, and no two serializers share a component name (which silently gives
    # one operation the other's body); enum-name collisions are cosmetic and resolved by a suffix
    assert dict(GENERATOR_STATS._error_cache) == {}
    serious = [w for w in GENERATOR_STATS._warn_cache if "enum naming" not in w and "choice set" not in w]
    assert serious == []
    assert len(document["paths"]) > 30


@pytest.fixture(scope="module", autouse=True)
def _report_figures(request):
    yield
    # Shown in the run's output, for the figures in the resolving note.
    plugins = request.config.pluginmanager
    with plugins.get_plugin("capturemanager").global_and_fixture_disabled():
        plugins.get_plugin("terminalreporter").write_line(f"\napi fuzz: fuzz_cases={CASES_RUN['count']}")


def _schema_for(role: str):
    world = build_world()
    user = world.users[role]
    token, _ = Token.objects.get_or_create(user=user)
    # Schemathesis clones the schema per operation, so what the test body needs lives here.
    SIGNED_IN.update(token=token.key, ids=world.ids_by_path_prefix())
    loaded = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)
    loaded.app = WSGIHandler()
    return loaded


@pytest.fixture
def manager_schema(reference_data):
    return _schema_for(Role.MANAGER)


@pytest.fixture
def frontline_schema(reference_data):
    return _schema_for(Role.FRONTLINE)


def _point_at_real_rows(case, ids_by_prefix: dict[str, list[int]]) -> None:
    """Positive examples address existing rows; negative ones keep their hostile ids."""
    identifier = case.path_parameters.get("id") if case.path_parameters else None
    if not isinstance(identifier, int) or identifier < 0:
        return
    for prefix, ids in ids_by_prefix.items():
        if case.path.startswith(prefix) and ids:
            case.path_parameters["id"] = ids[identifier % len(ids)]
            return


def _call(case):
    _point_at_real_rows(case, SIGNED_IN["ids"])
    CASES_RUN["count"] += 1
    # A savepoint per request: one failing request must not poison the test's transaction (and
    # hide the next operation's behaviour behind "current transaction is aborted").
    # And, as Django's test client does, keep the request cycle from closing the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with transaction.atomic():
            case.call_and_validate(headers={"Authorization": f"Token {SIGNED_IN['token']}"})
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)

as_manager = schemathesis.pytest.from_fixture("manager_schema")
as_frontline = schemathesis.pytest.from_fixture("frontline_schema")


@as_manager.parametrize()
@SETTINGS
def test_api_as_manager(case):
    _call(case)


@as_frontline.parametrize()
@SETTINGS
def test_api_as_frontline(case):
    _call(case)
