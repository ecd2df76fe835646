"""Hostile text renders inert everywhere it is shown, and CSV exports cannot carry formulas.

The corpus (tests/security/xss_payloads.txt, 800+ payloads: every event handler on every tag,
javascript:/vbscript:/data: URLs and their encodings in every URL attribute and Markdown link form,
context breakouts, SVG/MathML namespace confusion, Unicode tricks) goes:

1. one by one through every function that marks HTML safe (Markdown, similarity highlighting,
   revision diffs, search snippets) — these are where escaping could be skipped;
2. in batches through every user-text field of a whole world built by the services (reports,
   dismiss reasons, issues, strategies with two revisions, comments and their edits, vote reasons,
   official answers, rules), whose pages are then rendered for the roles that see them.

A page is inert when, compared with the same page over benign text, parsing it finds no extra
script, no event-handler attribute, no script-bearing URL and no extra active element; every
page also carries the Content-Security-Policy header with `script-src 'self'`.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cxops.roles import Role
from tests.security.world import build_world

PAYLOAD_FILE = Path(__file__).with_name("xss_payloads.txt")
PAYLOADS = [
    line.replace("\\n", "\n")
    for line in PAYLOAD_FILE.read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("# ")
]
BATCH = 120
BATCHES = [PAYLOADS[i : i + BATCH] for i in range(0, len(PAYLOADS), BATCH)]

SCRIPT_URL_PREFIXES = (
    "javascript:",
    "vbscript:",
    "livescript:",
    "data:text/html",
    "data:image/svg",
    "data:application",
)
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "xlink:href",
    "background",
    "poster",
    "srcdoc",
}
# Elements that can run or load something: their number must not grow with hostile text.
ACTIVE_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "style",
    "link", "meta", "base", "form", "button", "input", "textarea", "select", "img", "video", "audio",
    "source", "template", "animate", "set", "image", "use", "foreignobject", "marquee", "details",
}  # fmt: skip


class Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.active: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in ACTIVE_TAGS:
            self.active[tag] += 1
        if tag == "script" and not (
            values.get("src", "").startswith("/static/") or values.get("type") == "application/json"
        ):
            self.problems.append(f"inline <script {values}>")
        if tag == "meta" and "http-equiv" in values:
            self.problems.append(f"<meta http-equiv={values['http-equiv']}>")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in URL_ATTRIBUTES:
                # Browsers ignore whitespace and control characters inside a scheme.
                squashed = "".join(ch for ch in value if ch > " " and ch != "\x7f").lower()
                if squashed.startswith(SCRIPT_URL_PREFIXES):
                    self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def inspect(html: str) -> Inspector:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector


def test_the_corpus_is_large_and_the_inspector_catches_live_payloads():
    assert len(PAYLOADS) >= 500
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    assert inspect('<img src=x onerror="alert(1)">').problems == ["<img onerror=…>"]
    assert inspect('<a href="java\tscript:alert(1)">x</a>').problems
    assert inspect("<script>alert(1)</script>").problems
    assert inspect('<iframe src="data:text/html,x"></iframe>').problems
    assert inspect('<script src="/static/cxops/app.js"></script>').problems == []


# --- 1. every payload through every function that returns HTML marked safe ---------------------


def test_markdown_renders_every_payload_inert():
    from proposals.markdown import render_markdown

    for payload in PAYLOADS:
        found = inspect(str(render_markdown(payload, mentions=["admin", "alert"])))
        assert found.problems == [], payload
        assert sum(found.active.values()) == 0, (payload, found.active)


def test_similarity_highlight_diff_and_search_snippets_escape_every_payload():
    from cxops.similarity import highlight
    from cxops.similarity import shingles
    from proposals.diff import combined_inline_diff
    from proposals.diff import inline_diff
    from proposals.selectors import snippet

    for payload in PAYLOADS:
        outputs = [
            str(highlight(payload, shingles(payload))),
            *map(str, inline_diff("前文", payload)),
            str(combined_inline_diff(payload, payload[::-1])),
            str(snippet(payload, ["script", "alert", "<"])),
        ]
        for html in outputs:
            found = inspect(html)
            assert found.problems == [] and sum(found.active.values()) == 0, (payload, html[:200])


# --- 2. batches through every field, rendered on every page ------------------------------------


def _pages(world) -> list[tuple[str, str]]:
    """(role, url) of every page that shows the world's text, for a role allowed to see it."""
    o = world.objects
    strategy, rule, issue = o["strategy"], o["rule"], o["issue"]
    return [
        (Role.FRONTLINE, f"/sense/reports/{o['report_own'].pk}/"),
        (Role.FRONTLINE, "/sense/mine/"),
        (Role.ANALYST, f"/sense/reports/{o['report_dismissed'].pk}/"),
        (Role.ANALYST, "/sense/triage/"),
        (Role.ANALYST, "/sense/triage/?status=dismissed"),
        (Role.ANALYST, "/sense/issues/"),
        (Role.ANALYST, f"/sense/issues/{issue.pk}/"),
        (Role.ANALYST, "/dashboard/"),
        (Role.ANALYST, "/pool/"),
        (Role.ANALYST, f"/pool/{strategy.pk}/"),
        (Role.ANALYST, f"/pool/{strategy.pk}/history/"),
        (Role.ANALYST, f"/pool/{strategy.pk}/diff/?from=1&to=2"),
        (Role.ANALYST, f"/pool/{strategy.pk}/revisions/1/"),
        (Role.ANALYST, f"/pool/comments/{o['comment'].pk}/history/"),
        (Role.ANALYST, "/pool/search/?q=alert"),
        (Role.ANALYST, "/pool/search/?q=script"),
        (Role.ANALYST, "/notifications/"),
        (Role.PRODUCT_OWNER, "/notifications/"),
        (Role.PRODUCT_OWNER, "/rules/"),
        (Role.PRODUCT_OWNER, f"/rules/{rule.pk}/"),
        (Role.PRODUCT_OWNER, f"/rules/{rule.pk}/edit/"),
        (Role.PRODUCT_OWNER, "/evaluation/"),
        (Role.PRODUCT_OWNER, f"/evaluation/rules/{rule.pk}/"),
        (Role.MANAGER, f"/pool/{strategy.pk}/"),
        (Role.MANAGER, f"/rules/{rule.pk}/"),
    ]


def _render_all(world) -> dict[tuple[str, str], str]:
    from django.test import Client

    clients: dict[str, Client] = {}
    rendered = {}
    for role, url in _pages(world):
        if role not in clients:
            clients[role] = Client()
            clients[role].force_login(world.users[role])
        response = clients[role].get(url)
        assert response.status_code == 200, (role, url, response.status_code)
        policy = response.get("Content-Security-Policy", "")
        assert (
            "script-src 'self'" in policy
            and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        )
        rendered[(role, url)] = response.content.decode()
    return rendered


@pytest.fixture(scope="module")
def baseline(django_db_setup, django_db_blocker):
    """The same pages over benign text: what the templates themselves contain."""
    from django.db import transaction

    from cxops.services.reference import reference_data_seed

    with django_db_blocker.unblock(), transaction.atomic():
        reference_data_seed()
        world = build_world(text="客户反映飞信无法登录\n\n第二段")
        # in page order: ids differ between worlds (PostgreSQL sequences do not roll back)
        pages = [inspect(html) for html in _render_all(world).values()]
        transaction.set_rollback(True)
    return pages


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("batch", range(len(BATCHES)), ids=lambda i: f"payloads-{i * BATCH}-")
def test_every_field_renders_every_payload_inert(batch, baseline, reference_data):
    # given a world whose every text field holds a batch of payloads (short fields: what fits)
    payloads = BATCHES[batch]
    world = build_world(text="\n\n".join(payloads))
    # when every page that shows that text is rendered
    rendered = _render_all(world)
    # then nothing on any page would run, and no page has more active elements than its template
    for position, (key, html) in enumerate(rendered.items()):
        found = inspect(html)
        assert found.problems == [], key
        grown = {tag: n for tag, n in found.active.items() if n > baseline[position].active[tag]}
        assert grown == {}, (key, grown)
    # (and the text did reach the pages: the first payload is on the strategy page, escaped)
    strategy_page = rendered[(Role.ANALYST, f"/pool/{world.objects['strategy'].pk}/")]
    assert "alert(1)" in strategy_page


# --- CSV exports ---------------------------------------------------------------------------------

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '+HYPERLINK("http://evil.example","x")',
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _cells(body: bytes) -> list[list[str]]:
    import csv
    import io

    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                try:
                    float(cell)  # a negative number is a number, not a formula
                except ValueError:
                    pytest.fail(f"formula cell in export: {cell!r}")


@pytest.mark.django_db
def test_dashboard_exports_neutralise_formulas(reference_data, client_for):
    from cxops.services.reports import report_create
    from cxops.services.triage import issue_create
    from cxops.services.triage import link_reports

    # given issues titled with formulas, each with a report filed this month
    world = build_world()
    analyst, frontline = world.users[Role.ANALYST], world.users[Role.FRONTLINE]
    template = world.objects["report_own"]
    for formula in FORMULAS:
        issue = issue_create(actor=analyst, title=formula, product=template.product)
        report, _ = report_create(
            actor=frontline,
            product=template.product,
            channel=template.channel,
            source_type="complaint",
            layer="functional",
            stage="use",
            summary=formula,
            occurred_at=template.occurred_at,
        )
        link_reports(actor=analyst, report_ids=[report.pk], issue=issue, reason="测试")
    client = client_for(analyst)
    # when every overview chart is exported
    names = [
        "by_source",
        "by_layer",
        "by_stage",
        "by_channel",
        "daily",
        "ranking",
        "top_issues",
        "rising_issues",
    ]
    exported = {}
    for name in names:
        response = client.get(f"/dashboard/export/{name}.csv?start=2026-11-01&end=2026-11-23")
        assert response.status_code == 200, name
        exported[name] = _cells(response.content)
    # then the titles are there, as text: no cell starts a formula
    for rows in exported.values():
        _assert_no_formula(rows)
    titles = {row[0] for row in exported["top_issues"][1:]}
    assert "'=cmd|' /C calc'!A0" in titles


def test_import_rejections_csv_neutralises_formulas():
    from cxops.spreadsheet import safe_cell

    for formula in FORMULAS:
        assert safe_cell(formula) == "'" + formula
    assert safe_cell("客户=1") == "客户=1"
