"""Property-based fuzzing of every input: page forms, query parameters, path ids, API bodies, CSV files.

Hypothesis draws hostile values — text of every Unicode category (surrogates included), NUL,
digits int() cannot read, huge and negative numbers, extreme and impossible dates, deep nesting —
and sends them through every route of the permission matrix (`tests/security/matrix.py`, which
already knows every route, who may use it and a body that would succeed):

- every query parameter of every GET route (the API's from its OpenAPI schema, the pages' from the
  names they read, plus one nobody reads), as the raw bytes a client can send;
- every path id (and product code) of every route;
- every page form: a body that would succeed with some fields replaced, or extra ones added;
- every API body: the same, with any JSON value (nested too) in a field, or a whole hostile
  document, or bytes that are not JSON at all;
- CSV uploads: hostile cells, quotes, NULs, oversized fields, encodings.

The properties: no answer is a server error (5xx); an API refusal is the documented
`{"error": ...}` JSON; a refused write (any 4xx, or a page form shown again) leaves every table of
the product as it was; and when hostile data was accepted, the page it leads to still answers.

The world is built once per test; every request runs in a savepoint that is rolled back, so
examples do not see each other's writes.  The budget is per input (route × method): EXAMPLES
examples each, derandomised for CI; a longer run:

    CXOPS_INPUT_FUZZ_EXAMPLES=100 pytest tests/security/test_input_fuzz.py
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import hypothesis
import pytest
from django.db import transaction
from django.test import Client
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.security import matrix as m
from tests.security.test_permission_matrix import Cell
from tests.security.test_permission_matrix import Snapshot
from tests.security.test_permission_matrix import changes
from tests.security.test_permission_matrix import concrete
from tests.security.test_permission_matrix import variants
from tests.security.world import add_matrix_objects
from tests.security.world import build_world

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("CXOPS_INPUT_FUZZ_EXAMPLES", "6"))
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],  # no shrinking: failures are listed
)
ACTING_ROLES = (m.MANAGER, m.ANALYST, m.PRODUCT_OWNER, m.FRONTLINE, m.ADMIN)
# Documents, not data: the schema and its viewers answer HTML/YAML by design.
NOT_JSON_API = ("/api/schema/", "/api/docs/", "/api/redoc/")
# Names the pages read from their query strings (`request.GET`), beyond their forms' fields.
PAGE_PARAMETERS = (
    "q",
    "text",
    "before",
    "page",
    "product",
    "channel",
    "issue",
    "status",
    "kind",
    "unread",
    "from",
    "to",
    "start",
    "end",
    "event",
    "date_from",
    "date_to",
    "source_type",
    "layer",
    "stage",
    "sort",
    "tag",
    "following",
    "next",
)
FIGURES = {"requests": 0, "seconds": 0.0}

# --- strategies ---------------------------------------------------------------------------------

SPECIAL_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00" * 3,
    "²",
    "¹²",
    "１２",
    "٣",
    "৩",
    "1²",
    "-1",
    "0",
    "-0",
    "1.5",
    "1e309",
    "NaN",
    "Infinity",
    str(2**31),
    str(2**63),
    str(2**64),
    str(-(2**63) - 1),
    "9" * 5000,
    "0001-01-01",
    "0001-01-01T00:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31",
    "9999-12-31T23:59:59-12:00",
    "10000-01-01",
    "-0001-01-01",
    "0000-00-00",
    "2026-02-30",
    "2026-13-01T25:61",
    "\ud800",
    "\udfff",
    "a\ud83db",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "\ufeff",
    "\u0301" * 50,
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "😀" * 20,
    "<script>alert(1)</script>",
    "'; DROP TABLE cxops_experiencereport; --",
    "%s%s%n",
    "{{ 7*7 }}",
    "../../etc/passwd",
    "a" * 10_000,
]

# Every Unicode category, surrogates (Cs) and unassigned (Cn) included.
any_character = st.characters(codec=None, categories=None, exclude_categories=())
hostile_text = st.one_of(
    st.sampled_from(SPECIAL_TEXT),
    st.text(any_character, max_size=30),
    st.text(st.sampled_from("0123456789²³¹٠١٢٣４５６-+.eE,\x00 "), min_size=1, max_size=25),
)
huge_numbers = st.integers(min_value=-(2**80), max_value=2**80) | st.sampled_from(
    [-1, 0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**400]
)
extreme_dates = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(dt.date.isoformat)
# Years 1 to 9999 (st.datetimes' whole range): naive as typed (read as Asia/Shanghai), and with
# offsets that push the same moment out of range in UTC.
extreme_moments = st.one_of(
    st.datetimes().map(lambda moment: moment.isoformat(timespec="minutes")),
    st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=14))])).map(
        dt.datetime.isoformat
    ),
)
hostile_string = st.one_of(hostile_text, huge_numbers.map(str), extreme_dates, extreme_moments)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    huge_numbers,
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_string,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(hostile_text, children, max_size=4),
    max_leaves=12,
)


def deeply_nested(depth: int) -> Any:
    value: Any = "x"
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


# (deeper than json.dumps can write: the raw bodies below carry 100,000 levels)
hostile_json = st.one_of(json_values, st.integers(min_value=33, max_value=800).map(deeply_nested))


def query_bytes(pairs: list[tuple[str, str]]) -> str:
    """A query string as a client may send it: UTF-8 with lone surrogates kept (as CESU bytes)."""

    def encode(text: str) -> str:
        return quote(text.encode("utf-8", "surrogatepass"), safe="")

    return "&".join(f"{encode(name)}={encode(value)}" for name, value in pairs)


# --- the world, clients, requests ----------------------------------------------------------------


class Fuzzer:
    def __init__(self) -> None:
        self.world = add_matrix_objects(build_world())
        self.snapshot = Snapshot()
        self.failures: list[str] = []
        self.page_clients: dict[Any, Client] = {}
        self.api_clients: dict[Any, APIClient] = {}
        self.current_user: Any = None

    def client(self, endpoint: m.Endpoint, user: Any) -> Any:
        if endpoint.api:
            if user.pk not in self.api_clients:
                client = APIClient(raise_request_exception=False)
                client.credentials(HTTP_AUTHORIZATION=f"Token {self.world.tokens[user.pk]}")
                self.api_clients[user.pk] = client
            return self.api_clients[user.pk]
        if user.pk not in self.page_clients:
            client = Client(raise_request_exception=False)
            client.force_login(user)
            self.page_clients[user.pk] = client
        return self.page_clients[user.pk]

    def allowed(self, endpoint: m.Endpoint, method: str) -> tuple[Any, dict[str, Any], Cell] | None:
        """Someone the route lets in (so the input reaches the code behind the gate), with objects."""
        for role in ACTING_ROLES:
            for ownership, user, objects in variants(self.world, endpoint, role):
                if endpoint.methods[method](role, ownership) == m.OK:
                    return user, objects, Cell(self.world, role, user, endpoint.api, objects)
        return None

    def send(self, label: str, call: Callable[[], Any], *, write: bool, endpoint: m.Endpoint) -> None:
        """One request in a savepoint that is rolled back; judged against the properties."""
        started = time.perf_counter()
        try:
            with transaction.atomic():
                before = self.snapshot.take([]) if write else None
                response = call()
                problem = self.judge(response, endpoint)
                if problem is None and before is not None and self.refused(response, endpoint):
                    after = self.snapshot.take([])
                    if after != before:
                        problem = f"refused ({response.status_code}) but wrote: {changes(before, after)}"
                if problem is None and write and response.status_code in (301, 302, 303):
                    # accepted: the page it leads to must still answer (stored input shown)
                    location = response["Location"]
                    if location.startswith("/") and not location.startswith("/accounts/"):
                        shown = self.client(endpoint, self.current_user).get(location)
                        if shown.status_code >= 500:
                            problem = f"accepted, then {location} answered {shown.status_code}"
                transaction.set_rollback(True)
        finally:
            FIGURES["requests"] += 1
            FIGURES["seconds"] += time.perf_counter() - started
        if problem:
            self.failures.append(f"{label}: {problem}")

    @staticmethod
    def refused(response: Any, endpoint: m.Endpoint) -> bool:
        if endpoint.api:
            return response.status_code >= 400
        # a page refuses by showing the form again (200) or an error status; a redirect may be a
        # success or a refusal with a message, so only the former are checked
        return response.status_code not in (301, 302, 303)

    @staticmethod
    def judge(response: Any, endpoint: m.Endpoint) -> str | None:
        status = response.status_code
        if status >= 500:
            body = response.content[:300] if not response.streaming else b""
            return f"server error {status}: {body!r}"
        if endpoint.api and status >= 400 and not endpoint.path.startswith(NOT_JSON_API):
            try:
                document = json.loads(response.content)
            except ValueError:
                return f"{status} answered without JSON: {response.content[:200]!r}"
            if not (isinstance(document, dict) and isinstance(document.get("error"), dict)):
                return f"{status} answered outside the error shape: {document!r:.200}"
        return None


@pytest.fixture
def fuzzer(reference_data, caplog, request):
    caplog.set_level(logging.CRITICAL, logger="django.request")  # thousands of expected 400s
    caplog.set_level(logging.CRITICAL, logger="django.security")
    started = time.perf_counter()
    FIGURES["requests"] = 0
    yield Fuzzer()
    plugins = request.config.pluginmanager
    with plugins.get_plugin("capturemanager").global_and_fixture_disabled():
        plugins.get_plugin("terminalreporter").write_line(
            f"\ninput fuzz ({request.node.name}): examples per input={EXAMPLES} "
            f"requests={FIGURES['requests']} seconds={time.perf_counter() - started:.1f}"
        )


def _report(fuzzer: Fuzzer) -> None:
    assert fuzzer.failures == [], f"{len(fuzzer.failures)} failing inputs:\n" + "\n".join(
        fuzzer.failures[:60]
    )


def _schema_parameters() -> dict[tuple[str, str], list[str]]:
    """(path template, METHOD) → the query parameter names the OpenAPI schema documents."""
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    found: dict[tuple[str, str], list[str]] = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
            found[(m._normalise(path), method.upper())] = names
    return found


# --- query parameters ----------------------------------------------------------------------------


# Sent first to every route, in every parameter at once: the values that took pages down before.
KILLERS = ["a\x00b", "²", "0001-01-01", "9999-12-31", str(2**64), "9" * 5000]


def _fuzz_query(fuzzer: Fuzzer, endpoint: m.Endpoint, url: str, client: Any, names: list[str]) -> None:
    for killer in KILLERS:
        query_string = query_bytes([(name, killer) for name in names])
        fuzzer.send(
            f"GET {url}?{query_string[:200]}",
            lambda query_string=query_string: client.generic("GET", url, QUERY_STRING=query_string),
            write=False,
            endpoint=endpoint,
        )

    @SETTINGS
    @hypothesis.given(
        pairs=st.lists(
            st.tuples(st.sampled_from(names) | hostile_text, hostile_string), min_size=1, max_size=5
        )
    )
    def query(pairs: list[tuple[str, str]]) -> None:
        query_string = query_bytes(pairs)
        fuzzer.send(
            f"GET {url}?{query_string[:200]}",
            lambda: client.generic("GET", url, QUERY_STRING=query_string),
            write=False,
            endpoint=endpoint,
        )

    query()


def test_every_query_parameter_of_every_route(fuzzer):
    schema = _schema_parameters()
    routes = 0
    for endpoint in m.ENDPOINTS:
        allowed = fuzzer.allowed(endpoint, "GET") if "GET" in endpoint.methods else None
        if allowed is None:
            continue
        user, objects, _cell = allowed
        names = schema.get((endpoint.path, "GET")) if endpoint.api else None
        fuzzer.current_user = user
        _fuzz_query(
            fuzzer,
            endpoint,
            concrete(endpoint.path, objects, endpoint.params),
            fuzzer.client(endpoint, user),
            [*(names or PAGE_PARAMETERS), "cxops_unknown"],
        )
        routes += 1
    _report(fuzzer)
    assert routes > 60


# --- path ids ------------------------------------------------------------------------------------


def _fuzz_path(fuzzer: Fuzzer, endpoint: m.Endpoint, method: str, objects: dict, client: Any) -> None:
    names = [name for name in endpoint.params if "{" + name + "}" in endpoint.path]

    def fill(template: str, hostile: str) -> str:
        for name, kind in endpoint.params.items():
            if name != hostile:
                template = template.replace(
                    "{" + name + "}", str(getattr(objects[kind], "pk", objects[kind]))
                )
        return template

    @SETTINGS
    @hypothesis.given(
        name=st.sampled_from(names), value=hostile_string.filter(lambda value: value not in ("", ".", ".."))
    )
    def path_id(name: str, value: str) -> None:
        segment = quote(value.encode("utf-8", "surrogatepass"), safe="")
        url = fill(endpoint.path, name).replace("{" + name + "}", segment)
        fuzzer.send(
            f"{method} {url[:200]}",
            lambda: client.generic(method, url),
            write=method != "GET",
            endpoint=endpoint,
        )

    path_id()


def test_every_path_id_of_every_route(fuzzer):
    routes = 0
    for endpoint in m.ENDPOINTS:
        if not any("{" + name + "}" in endpoint.path for name in endpoint.params):
            continue
        method = "GET" if "GET" in endpoint.methods else next(iter(endpoint.methods))
        allowed = fuzzer.allowed(endpoint, method)
        if allowed is None:
            continue
        user, objects, _cell = allowed
        fuzzer.current_user = user
        _fuzz_path(fuzzer, endpoint, method, objects, fuzzer.client(endpoint, user))
        routes += 1
    _report(fuzzer)
    assert routes > 30


# --- page forms ----------------------------------------------------------------------------------


def _form_bytes(fields: dict[str, Any]) -> bytes:
    pairs = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((str(name), str(getattr(item, "pk", item))))
    return query_bytes(pairs).encode("ascii")


def _fuzz_form(fuzzer: Fuzzer, endpoint: m.Endpoint, url: str, client: Any, base: dict[str, Any]) -> None:
    names = list(base) or list(PAGE_PARAMETERS[:6])

    @SETTINGS
    @hypothesis.given(
        replaced=st.dictionaries(st.sampled_from(names), hostile_string, min_size=1, max_size=len(names)),
        extra=st.dictionaries(hostile_text, hostile_string, max_size=2),
    )
    def form(replaced: dict[str, str], extra: dict[str, str]) -> None:
        body = _form_bytes({**base, **extra, **replaced})
        fuzzer.send(
            f"POST {url} {body[:200]!r}",
            lambda: client.generic("POST", url, body, content_type="application/x-www-form-urlencoded"),
            write=True,
            endpoint=endpoint,
        )

    form()


def test_every_page_form(fuzzer):
    forms = 0
    for endpoint in m.PAGES:
        # sign-out only signs out; the import upload is multipart (test_every_csv_upload)
        if "POST" not in endpoint.methods or endpoint.path in ("/accounts/logout/", "/sense/imports/"):
            continue
        allowed = fuzzer.allowed(endpoint, "POST")
        if allowed is None:
            continue
        user, objects, cell = allowed
        builder = endpoint.bodies.get("POST")
        fuzzer.current_user = user
        _fuzz_form(
            fuzzer,
            endpoint,
            concrete(endpoint.path, objects, endpoint.params),
            fuzzer.client(endpoint, user),
            builder(cell) if builder else {},
        )
        forms += 1
    _report(fuzzer)
    assert forms > 25


# --- API bodies ------------------------------------------------------------------------------------

NOT_JSON_BODIES = [b"", b"{", b"\xff\xfe\x00", b"[" * 100_000, b"NaN", b"1e999", b'{"a": "\\ud800"}']


def _fuzz_api(
    fuzzer: Fuzzer, endpoint: m.Endpoint, method: str, url: str, client: Any, base: dict[str, Any]
) -> None:
    names = list(base) or ["id"]

    @SETTINGS
    @hypothesis.given(
        body=st.one_of(
            st.dictionaries(st.sampled_from(names), hostile_json, min_size=1).map(
                lambda changed: {**base, **changed}
            ),
            st.dictionaries(hostile_text, hostile_json, max_size=3).map(lambda extra: {**base, **extra}),
            hostile_json,
        ),
        raw=st.none() | st.sampled_from(NOT_JSON_BODIES),
    )
    def api_body(body: Any, raw: bytes | None) -> None:
        data = raw if raw is not None else json.dumps(body, ensure_ascii=True).encode()
        fuzzer.send(
            f"{method} {url} {data[:200]!r}",
            lambda: client.generic(method, url, data, content_type="application/json"),
            write=True,
            endpoint=endpoint,
        )

    api_body()


def test_every_api_body(fuzzer):
    operations = 0
    for endpoint in m.APIS:
        for method in ("POST", "PUT", "PATCH"):
            allowed = fuzzer.allowed(endpoint, method) if method in endpoint.methods else None
            if allowed is None:
                continue
            user, objects, cell = allowed
            builder = endpoint.bodies.get(method)
            base = builder(cell) if builder else {}
            if endpoint.multipart:
                base = {"source_system": "fuzz", "start": False}
            fuzzer.current_user = user
            _fuzz_api(
                fuzzer,
                endpoint,
                method,
                concrete(endpoint.path, objects, endpoint.params),
                fuzzer.client(endpoint, user),
                base,
            )
            operations += 1
    _report(fuzzer)
    assert operations >= 20


# --- CSV uploads --------------------------------------------------------------------------------------

csv_cell = st.one_of(
    hostile_string,
    st.sampled_from(['"', '""', '"a,b"', "a\nb", "\r", "=cmd|' /C calc'!A0", "长" * 140_000]),
)


@st.composite
def csv_files(draw: Any) -> bytes:
    header = draw(
        st.sampled_from(
            ["工单号,受理时间,工单类型,业务名称,渠道,体验层次,体验生命周期,摘要", "摘要", "a,b,c"]
        )
    )
    width = header.count(",") + 1
    rows = draw(st.lists(st.lists(csv_cell, min_size=max(width - 1, 1), max_size=width + 1), max_size=5))
    text = header + "\n" + "\n".join(",".join(row) for row in rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    return text.encode(encoding, "surrogatepass" if encoding.startswith("utf-8") else "replace")


def test_every_csv_upload(fuzzer):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import BOUNDARY
    from django.test.client import MULTIPART_CONTENT
    from django.test.client import encode_multipart

    analyst = fuzzer.world.users[m.ANALYST]
    fuzzer.current_user = analyst
    page = next(endpoint for endpoint in m.PAGES if endpoint.path == "/sense/imports/")
    api = next(endpoint for endpoint in m.APIS if endpoint.path == "/api/import-jobs/")

    @SETTINGS
    @hypothesis.given(content=csv_files(), source_system=hostile_string, start=st.booleans())
    def upload(content: bytes, source_system: str, start: bool) -> None:
        fields = {"file": SimpleUploadedFile("fuzz.csv", content), "source_system": source_system}
        body = encode_multipart(BOUNDARY, fields)
        for endpoint, extra in ((page, {}), (api, {"start": "true" if start else "false"})):
            data = encode_multipart(BOUNDARY, {**fields, **extra}) if extra else body
            fields["file"].seek(0)
            client = fuzzer.client(endpoint, analyst)
            fuzzer.send(
                f"POST {endpoint.path} {content[:120]!r}",
                lambda client=client, endpoint=endpoint, data=data: client.generic(
                    "POST", endpoint.path, data, content_type=MULTIPART_CONTENT
                ),
                write=True,
                endpoint=endpoint,
            )

    upload()
    _report(fuzzer)


def test_the_strategies_reach_what_they_claim():
    """The hostile alphabet really holds surrogates, NUL and unassigned code points."""
    examples = set()

    @hypothesis.settings(max_examples=300, derandomize=True, database=None)
    @hypothesis.given(any_character)
    def collect(character: str) -> None:
        examples.add(character)

    collect()
    assert any(0xD800 <= ord(c) <= 0xDFFF for c in examples | set("".join(SPECIAL_TEXT)))
    assert "\x00" in "".join(SPECIAL_TEXT)
    assert json.dumps(deeply_nested(40)).count("[") == 20
