"""The generated permission matrix: every page and API operation × method × role × ownership.

The expectations are data in `tests/security/matrix.py`.  One test walks every cell (the world is
built once; each request runs in a savepoint that is rolled back, so cells do not see each other's
writes), collects the failing cells and reports them all at once.  Another fails, naming it, when a
route of the URL conf or an operation of the OpenAPI schema has no entry in the matrix.

    pytest tests/security/test_permission_matrix.py -s   # prints the number of cells asserted
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db import transaction
from django.test import Client
from django.urls import clear_url_caches
from django.urls import path
from rest_framework.test import APIClient

from tests.security import matrix as m
from tests.security.world import World
from tests.security.world import add_matrix_objects
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

# The full matrix asserts about 3,200 cells; a floor below it catches a walk that silently stopped
# enumerating (an exception swallowed, a filter too wide).
CELL_FLOOR = 3000
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Path parameters that are values, not objects: a revision number, a move, a chart's name.
LITERALS = {
    "revision_number": 1,
    "strategy_move": "discussion",
    "chart:overview": "by_source",
    "chart:product": "layers",
    "unsubscribe_token": "not-a-signed-token",
}
# An id no row has (within PostgreSQL's integer range): it must answer like someone else's hidden one.
MISSING_ID = 999_999
MISSING = "missing"
HIDDEN_OR_FORBIDDEN, METHOD_REFUSED = m.HIDDEN_OR_FORBIDDEN, m.METHOD_REFUSED
LOGIN_PREFIX = "/accounts/login/"
ADMIN_LOGIN_PREFIX = "/admin/login/"
SNAPSHOT_APPS = ("auth", "authtoken", "cxops", "proposals", "rules_lifecycle")


# --- coverage -------------------------------------------------------------------------------------


def test_every_route_and_operation_has_a_matrix_entry():
    # given every route of the URL conf and every operation of the OpenAPI schema
    routes, operations = m.walk_urlconf(), m.schema_operations()
    # then each has its expectations in the matrix, and the matrix names nothing that is gone
    assert m.coverage_gaps(routes, operations) == []
    # and the walk really reached every section, the routers' routes included
    for expected in ("/", "/sense/reports/{pk}/", "/pool/{pk}/edit/", "/api/rules/{pk}/transitions/"):
        assert expected in routes
    assert ("/api/strategies/{pk}/votes/", "DELETE") in operations
    assert len(operations) > 50


def test_the_coverage_check_names_a_new_route_and_a_new_operation(monkeypatch):
    # given a page and an API operation nobody has written expectations for
    import cxops.urls

    fake = path("sense/secret-export/<int:pk>/", lambda request, pk: None, name="matrix-fake")
    monkeypatch.setattr(cxops.urls, "urlpatterns", [*cxops.urls.urlpatterns, fake])
    clear_url_caches()
    try:
        routes = m.walk_urlconf()
    finally:
        monkeypatch.undo()
        clear_url_caches()
    document = {"paths": {"/api/reports/{id}/": {"get": {}, "delete": {}}, "/api/secrets/": {"get": {}}}}
    # when coverage is checked
    gaps = m.coverage_gaps(routes, m.schema_operations(document))
    # then both are reported by name (and the method the matrix has no expectation for)
    assert "URL route without a matrix entry: /sense/secret-export/{pk}/" in gaps
    assert "API operation without a matrix entry: GET /api/secrets/" in gaps
    assert "API operation without a matrix expectation: DELETE /api/reports/{pk}/" in gaps
    assert "API operation without a matrix entry: GET /api/reports/{pk}/" not in gaps


def test_the_coverage_check_names_an_entry_for_a_route_that_is_gone(monkeypatch):
    # given a matrix entry whose route was removed from the URL conf
    stale = m.page("/sense/old-report-export/", get=m.allow(m.ANALYSTS))
    monkeypatch.setattr(m, "ENDPOINTS", [*m.ENDPOINTS, stale])
    # when coverage is checked against the real routes, then the entry is named
    gaps = m.coverage_gaps(m.walk_urlconf(), [])
    assert gaps == ["matrix entry for a route that does not exist: /sense/old-report-export/"]


# --- the cells --------------------------------------------------------------------------------------


@dataclass
class Cell:
    """What one request's body builders and checks see."""

    world: World
    role: str
    user: Any
    api: bool
    objects: dict[str, Any]

    def obj(self, kind: str) -> Any:
        return self.objects[kind] if kind in self.objects else default_object(self.world, kind)

    def upload(self) -> SimpleUploadedFile:
        return SimpleUploadedFile("m.csv", "摘要\r\n无法登录\r\n".encode(), content_type="text/csv")


def default_object(world: World, kind: str) -> Any:
    from cxops.models import Channel
    from cxops.models import Product
    from cxops.models import Segment

    if kind in LITERALS:
        return LITERALS[kind]
    if kind in ("product", "product_code"):
        product = Product.objects.order_by("pk").first()
        return product.code if kind == "product_code" else product
    if kind == "channel":
        return Channel.objects.order_by("pk").first()
    if kind == "segment":
        return Segment.objects.filter(is_active=True).order_by("pk").first()
    if kind == "region":
        from cxops.models import Region

        return Region.objects.get(code="foshan")
    fallback = {
        m.REPORT: "report_own",
        m.COMMENT: "comment",
        m.RULE: "rule",
        "rule_live": "rule",
        m.NOTIFICATION: None,
        "export_job": None,
        m.HIDDEN_COMMENT: None,
    }
    if kind in fallback and fallback[kind] is None:
        return next(iter(world.owned[kind].values()))
    return world.objects[fallback.get(kind, kind)]


def owned_by(world: World, kind: str) -> dict[int, Any]:
    if kind == "rule_live":
        rule = world.objects["rule"]
        return {rule.owner_id: rule}
    return world.owned.get(kind, {})


def variants(world: World, endpoint: m.Endpoint, role: str) -> list[tuple[str | None, Any, dict[str, Any]]]:
    """(ownership, acting user, objects by kind) for one role on one endpoint."""
    kinds = {kind for kind in endpoint.params.values()}
    owned_kind = next((kind for kind in endpoint.params.values() if kind in m.OWNED_KINDS), None)
    if role == m.ANONYMOUS:
        return [(None, None, {kind: default_object(world, kind) for kind in kinds})]
    me, colleague = world.users[role], world.others[role]
    if owned_kind is None:
        return [(None, me, {kind: default_object(world, kind) for kind in kinds})]
    owners = owned_by(world, owned_kind)
    rest = {kind: default_object(world, kind) for kind in kinds if kind != owned_kind}
    found: list[tuple[str | None, Any, dict[str, Any]]] = []
    if me.pk in owners:
        found.append((m.OWN, me, {**rest, owned_kind: owners[me.pk]}))
    if colleague.pk in owners:
        found.append((m.OTHER, me, {**rest, owned_kind: owners[colleague.pk]}))
    elif me.pk in owners:  # only my object exists: my colleague of the same role tries it
        found.append((m.OTHER, colleague, {**rest, owned_kind: owners[me.pk]}))
    else:  # I own none of these: someone else's
        found.append((m.OTHER, me, {**rest, owned_kind: default_object(world, owned_kind)}))
    return found


def missing_param(endpoint: m.Endpoint) -> str | None:
    """The path parameter naming an object (an id or a product code), to try one that does not exist."""
    for name, kind in endpoint.params.items():
        if "{" + name + "}" in endpoint.path and kind not in LITERALS:
            return name
    return None


def concrete(
    template: str, objects: dict[str, Any], params: dict[str, str], missing: str | None = None
) -> str:
    url = template
    for name, kind in params.items():
        value = objects[kind]
        if name == missing:
            value = "no-such-product" if kind == "product_code" else MISSING_ID
        url = url.replace("{" + name + "}", str(getattr(value, "pk", value)))
    assert "{" not in url, url
    return url


class Snapshot:
    """Row counts of every table of the apps that hold the product's data, and the named rows."""

    def __init__(self) -> None:
        tables = sorted(
            {
                model._meta.db_table
                for label in SNAPSHOT_APPS
                for model in apps.get_app_config(label).get_models(include_auto_created=True)
                # The audit log records attempts too (a sign-out, an export asked for by POST): a
                # line there is not a write the request was refused.
                if model._meta.db_table != "cxops_auditevent"
            }
        )
        quote = connection.ops.quote_name
        self.tables = tables
        self.sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)

    def take(self, rows: list[Any]) -> tuple[Any, ...]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql)
            counts = cursor.fetchone()
        values = []
        for obj in rows:
            values.append(type(obj).objects.filter(pk=obj.pk).values().first())
        return (dict(zip(self.tables, counts, strict=True)), values)


def changes(before: tuple[Any, ...], after: tuple[Any, ...]) -> str:
    counts = [f"{t}: {before[0][t]}→{after[0][t]}" for t in before[0] if before[0][t] != after[0][t]]
    rows = []
    for old, new in zip(before[1], after[1], strict=True):
        if old != new:
            rows.append(
                {
                    k: (old.get(k) if old else None, v)
                    for k, v in (new or {}).items()
                    if (old or {}).get(k) != v
                }
            )
    return "; ".join([*counts, *(str(r) for r in rows)])


class _Rollback(Exception):
    pass


@dataclass(frozen=True)
class Secret:
    """Text only some people may read, wherever it would show up (lists, search, panels)."""

    text: str
    what: str
    may_read: Any  # Callable[[user or None], bool]


def secrets(world: World) -> list[Secret]:
    """Reports (their reporter and analysts), notifications (their recipient), a hidden comment's
    text and earlier texts (its author and moderators)."""
    from cxops.roles import Role
    from cxops.roles import has_role

    found = []
    for report in world.owned[m.REPORT].values():
        found.append(
            Secret(
                report.summary,
                f"report {report.pk}",
                lambda u, r=report: u is not None and (u.pk == r.reporter_id or has_role(u, Role.ANALYST)),
            )
        )
    for notification in world.owned[m.NOTIFICATION].values():
        found.append(
            Secret(
                notification.title,
                f"notification {notification.pk}",
                lambda u, n=notification: u is not None and u.pk == n.recipient_id,
            )
        )
    for comment in world.owned[m.HIDDEN_COMMENT].values():
        for text in [comment.body, *comment.edits.values_list("previous_body", flat=True)]:
            found.append(
                Secret(
                    text,
                    f"hidden comment {comment.pk}",
                    lambda u, c=comment: u is not None and (u.pk == c.author_id or has_role(u, Role.ANALYST)),
                )
            )
    return found


def readable_text(response: Any) -> str:
    """The body as a person would read it: JSON with its \\u escapes undone."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    text = raw.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith("application/json") and text:
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


class Matrix:
    def __init__(self, world: World) -> None:
        self.world = world
        self.snapshot = Snapshot()
        self.cells = 0
        self.secrets = secrets(world)
        self.failures: list[str] = []
        self.page_clients: dict[Any, Client] = {}
        self.api_clients: dict[Any, APIClient] = {}

    def page_client(self, user: Any) -> Client:
        key = getattr(user, "pk", None)
        client = self.page_clients.get(key)
        cookie = client.cookies.get(settings.SESSION_COOKIE_NAME) if client else None
        if client is None or (user is not None and not (cookie and cookie.value)):  # signed out by a cell
            client = Client(raise_request_exception=False)
            if user is not None:
                client.force_login(user)
            self.page_clients[key] = client
        return client

    def api_client(self, user: Any) -> APIClient:
        key = getattr(user, "pk", None)
        if key not in self.api_clients:
            client = APIClient(raise_request_exception=False)
            if user is not None:
                client.credentials(HTTP_AUTHORIZATION=f"Token {self.world.tokens[user.pk]}")
            self.api_clients[key] = client
        return self.api_clients[key]

    def expected(self, endpoint: m.Endpoint, method: str, role: str, ownership: str | None) -> str:
        if ownership == MISSING:
            # A missing id answers like a hidden one to whoever may look; a refusal that comes
            # before the lookup (a role gate) may answer 403 instead: it tells nothing about ids.
            base = self.expected(endpoint, method, role, m.OTHER)
            if base in (m.OK, m.HIDDEN, m.IGNORED):
                return m.HIDDEN
            return HIDDEN_OR_FORBIDDEN if base in (m.FORBIDDEN, m.REFUSED) else base
        if role == m.ANONYMOUS and not endpoint.public:
            return m.UNAUTHENTICATED if endpoint.api else m.LOGIN
        if method in endpoint.methods:
            return endpoint.methods[method](role, ownership)
        if endpoint.any_method:
            return endpoint.methods["GET"](role, ownership)
        # DRF checks permissions before it looks for the method's handler: 403 or 405.
        return METHOD_REFUSED if endpoint.api else m.NOT_ALLOWED

    def methods(self, endpoint: m.Endpoint) -> tuple[str, ...]:
        # Every method on the API and both forms on pages: those a route does not take are refused.
        return API_METHODS if endpoint.api else ("GET", "POST")

    def run(self) -> None:
        for endpoint in m.ENDPOINTS:
            missing = missing_param(endpoint)
            for method in self.methods(endpoint):
                declared = method in endpoint.methods or endpoint.any_method
                for role in m.ROLES:
                    found = variants(self.world, endpoint, role)
                    if not declared:
                        found = found[:1]  # refused whoever asks: one cell per role
                    elif missing and role != m.ANONYMOUS:
                        ownership, user, objects = found[-1]
                        found = [*found, (MISSING, user, objects)]
                    for ownership, user, objects in found:
                        self.cell(endpoint, method, role, ownership, user, objects)
        self.run_admin()

    def send(self, endpoint: m.Endpoint, method: str, client: Any, url: str, cell: Cell) -> Any:
        builder = endpoint.bodies.get(method)
        body = builder(cell) if builder else {}
        if endpoint.api:
            if endpoint.multipart and method == "POST":
                body = {"file": cell.upload(), "source_system": "matrix", "start": False}
                return client.post(url, body, format="multipart")
            return getattr(client, method.lower())(url, body, format="json")
        return getattr(client, method.lower())(url, body)

    def cell(
        self, endpoint: m.Endpoint, method: str, role: str, ownership: str | None, user: Any, objects: dict
    ) -> None:
        expected = self.expected(endpoint, method, role, ownership)
        url = concrete(
            endpoint.path, objects, endpoint.params, missing_param(endpoint) if ownership == MISSING else None
        )
        context = Cell(self.world, role, user, endpoint.api, objects)
        named = [*objects.values(), *(context.obj(kind) for kind in endpoint.watch)]
        watched = list({(type(obj), obj.pk): obj for obj in named if hasattr(obj, "pk")}.values())
        must_not_write = method in MUTATING and (expected != m.OK or endpoint.any_method)
        label = f"{method} {url} ({endpoint.path}) as {role}/{ownership or '-'}: expected {expected}"
        self.cells += 1
        # Signed in outside the savepoint: a session created inside it would be rolled back.
        client = self.api_client(user) if endpoint.api else self.page_client(user)
        try:
            with transaction.atomic():
                before = self.snapshot.take(watched) if must_not_write else None
                response = self.send(endpoint, method, client, url, context)
                problem = judge(expected, response) or self.leak(response, user) or untitled(response)
                if problem is None and before is not None and response.status_code < 500:
                    after = self.snapshot.take(watched)
                    if after != before:
                        problem = f"refused, but the database changed: {changes(before, after)}"
                if problem:
                    self.failures.append(f"{label}, {problem}")
                raise _Rollback
        except _Rollback:
            pass

    def leak(self, response: Any, user: Any) -> str | None:
        text = readable_text(response)
        leaked = [secret.what for secret in self.secrets if secret.text in text and not secret.may_read(user)]
        return f"shows what it must not: {', '.join(leaked)}" if leaked else None

    def run_admin(self) -> None:
        for url in m.admin_routes():
            for role in m.ROLES:
                user = None if role == m.ANONYMOUS else self.world.users[role]
                self.cells += 1
                client = self.page_client(user)
                with transaction.atomic():
                    response = client.get(url)
                    transaction.set_rollback(True)
                status, location = response.status_code, response.get("Location", "")
                is_staff = user is not None and user.is_staff
                label = f"GET {url} as {role}: expected {m.STAFF_ONLY}"
                if status >= 500:
                    self.failures.append(f"{label}, got a server error {status}")
                elif url in (ADMIN_LOGIN_PREFIX, "/admin/logout/"):
                    continue  # the admin's own sign-in (public, like the site's) and sign-out
                elif is_staff and location.startswith(ADMIN_LOGIN_PREFIX):
                    self.failures.append(f"{label}, staff sent to the admin sign-in")
                elif not is_staff and not (status == 302 and location.startswith(ADMIN_LOGIN_PREFIX)):
                    self.failures.append(f"{label}, got {status} {location}")


EMPTY_TITLE = re.compile(r"<title>\s*·")
EMPTY_HEADING = re.compile(r"<h1\b[^>]*>\s*</h1>")


def untitled(response: Any) -> str | None:
    """A page whose view forgot its `title` (base.html's <title> and the page's <h1> print it)."""
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
        return None
    html = response.content.decode(errors="replace")
    if EMPTY_TITLE.search(html):
        return "the page has an empty <title> (its view passes no `title`)"
    if EMPTY_HEADING.search(html):
        return "the page has an empty <h1> (its view passes no `title`)"
    return None


def judge(expected: str, response: Any) -> str | None:
    """None when the answer matches the expected class; otherwise what was wrong."""
    status = response.status_code
    location = response.get("Location", "")
    to_login = status in (301, 302) and location.startswith((LOGIN_PREFIX, ADMIN_LOGIN_PREFIX))
    got = f"got {status}{' → ' + location if location else ''}"
    if status >= 500:
        return f"got a server error {status}"
    checks = {
        m.OK: status not in (401, 403, 404, 405) and not to_login,
        m.LOGIN: status == 302 and location.startswith(LOGIN_PREFIX),
        m.UNAUTHENTICATED: status == 401,
        m.FORBIDDEN: status == 403,
        m.HIDDEN: status == 404,
        m.REFUSED: status == 302 and not to_login,
        m.IGNORED: 200 <= status < 400 and not to_login,
        m.NOT_ALLOWED: status == 405,
        m.SIGNED_OUT: status == 302 and location.startswith(LOGIN_PREFIX),
        HIDDEN_OR_FORBIDDEN: status in (403, 404),
        METHOD_REFUSED: status in (403, 405),
    }
    return None if checks[expected] else got


def test_every_cell_of_the_permission_matrix(reference_data, request, caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")  # thousands of expected 403/404s
    # given one of everything, owned by two users of every role
    world = add_matrix_objects(build_world())
    matrix = Matrix(world)
    # when every route × method × role × ownership is requested
    matrix.run()
    # then every answer is the one the product's rules expect, and refused writes wrote nothing
    _report(request, f"permission matrix: cells={matrix.cells} failing={len(matrix.failures)}")
    assert matrix.failures == [], f"{len(matrix.failures)} failing cells:\n" + "\n".join(matrix.failures)
    assert matrix.cells >= CELL_FLOOR


def _report(request: Any, line: str) -> None:
    """Shown in the run's output even without -s, for the figure quoted in the resolving note."""
    plugins = request.config.pluginmanager
    with plugins.get_plugin("capturemanager").global_and_fixture_disabled():
        plugins.get_plugin("terminalreporter").write_line(f"\n{line}")
