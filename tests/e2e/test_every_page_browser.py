"""Every page reachable from the menu, for every role, in both languages, at 1366 px and on a
390 px phone: it opens, the document is never wider than the screen, a Chinese page shows no
English interface text, and axe-core finds no serious or critical accessibility violation.

axe-core comes from the npm registry (`npm install --no-save axe-core@4`, as `.ci/run` does) and is
run inside the page through the browser's developer protocol, so the app's Content-Security-Policy
stays as it is; without the package the accessibility part is skipped with a reason.  The pages
are those the menu and each section's own navigation lead to, found by following the links, so a
new page is checked as soon as it is linked.  Runs on the embedded default only (once per CI run:
the layout and wording do not depend on the database).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1366, 390)
SKIP_PREFIXES = ("/admin", "/api", "/accounts", "/i18n", "/static")
# Words that are the same in Chinese interfaces (abbreviations, product and system names, data).
ALLOWED_LATIN = re.compile(
    r"^(?:API|CSV|XLSX|OpenAPI|cxops|Ctrl|K|OK|ID|URL|SLA|IM|BOSS|CMP|APP|App|Markdown|HTTP|HTTPS|JSON|"
    r"LDAP|OIDC|PIPL|E|P|C|S|DiD|p|q|AR|OLS|HAC|[A-Za-z]+_(?:own|other)|[a-z0-9-]+|[A-Z]{1,4}\d*)$"
)
# One page of each kind of record, reached from the lists: a report, an issue, a strategy, a rule,
# its evaluation, a product's dashboard.
DETAIL_PAGES = (
    r"/sense/reports/\d+/",
    r"/sense/issues/\d+/",
    r"/pool/\d+/",
    r"/rules/\d+/",
    r"/evaluation/rules/\d+/",
    r"/dashboard/products/[\w-]+/",
)
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]+(?:\s+[A-Za-z][A-Za-z'’-]+)+")


def _links(page, selector: str) -> set[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
    return {h.split("#")[0] for h in hrefs if h and h.startswith("/") and not h.startswith(SKIP_PREFIXES)}


def _english_runs(page) -> list[str]:
    """Runs of two or more Latin words in the page's interface text (not in user-written data cells)."""
    text = page.evaluate(
        """() => {
          const skip = 'script,style,code,pre,textarea,[data-user-text],.pool-snippet,.search-snippet,td,.kanban-card,'
            + '.similar-text,.rules-entry-detail,.pool-answer-text,.markdown';
          const clone = document.body.cloneNode(true);
          clone.querySelectorAll(skip).forEach(e => e.remove());
          clone.querySelectorAll('.visually-hidden').forEach(e => e.remove());
          return clone.innerText;
        }"""
    )
    runs = []
    for run in LATIN_RUN.findall(text):
        words = run.split()
        if not all(ALLOWED_LATIN.match(word) for word in words):
            runs.append(run)
    return runs


CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]+")


def _chinese_in_english_chrome(page) -> list[str]:
    """Chinese in an English page's interface (menus, buttons, labels, headings of columns and
    forms); record text — titles, summaries, names people wrote — may be Chinese and is left out."""
    texts = page.evaluate(
        """() => [...document.querySelectorAll(
              'header nav a, .topbar-tools a, .topbar-tools button, main button, main label, legend, thead th,'
              + ' summary, .subnav a, .dash-nav a, .view-switch a, .kpi-label, .help, .helptext')]
            .filter(e => !e.closest('td, .kanban-card, [data-user-text], .help-option-text, .recent-chips, select'))
            .map(e => e.innerText.trim()).filter(Boolean)"""
    )
    return sorted({t for t in texts if CJK.search(t)})


def _axe_violations(page) -> list[tuple[str, int, str]]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => [v.id, v.nodes.length, String(v.nodes[0].target)]))"""
    )


@pytest.mark.parametrize("role", ["frontline", "analyst", "product_owner", "manager", "admin"])
def test_every_menu_page_fits_speaks_the_language_and_passes_axe(
    role, browser, live_server, settings, reference_data, open_pages
):
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("layout and wording do not depend on the database: checked once, on the embedded default")
    from django.test import Client

    from tests.security.world import build_world

    world = build_world()
    client = Client()
    client.force_login(world.users[role])
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    problems: list[str] = []
    for language in ("zh-hans", "en"):
        context = browser.new_context(
            locale=language,
            extra_http_headers={"Accept-Language": language},
            viewport={"width": 1366, "height": 900},
        )
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        open_pages.pages.append((f"{role}-{language}", page))  # photographed if the test fails
        page.goto(f"{live_server.url}/")
        pages = _links(page, ".mainnav a") | {"/"}
        details: dict[str, str] = {}
        for section in sorted(pages):
            page.goto(f"{live_server.url}{section}")
            pages |= _links(page, "main nav a, .subnav a, .dash-nav a, .view-switch a")
            for href in sorted(_links(page, "main a")):  # and the first page of each kind of record
                kind = next((pattern for pattern in DETAIL_PAGES if re.fullmatch(pattern, href)), None)
                if kind and kind not in details:
                    details[kind] = href
        pages |= set(details.values())
        for path in sorted(pages):
            page.set_viewport_size({"width": 1366, "height": 900})
            response = page.goto(f"{live_server.url}{path}")
            where = f"{role} {language} {path}"
            if response is None or response.status >= 400:
                problems.append(f"{where}: HTTP {response.status if response else '?'}")
                continue
            if language == "zh-hans":
                problems += [f"{where}: English text “{run}”" for run in _english_runs(page)]
            else:
                problems += [f"{where}: Chinese text “{text}”" for text in _chinese_in_english_chrome(page)]
            if AXE.exists():
                problems += [
                    f"{where}: axe {rule} ×{count} at {target}"
                    for rule, count, target in _axe_violations(page)
                ]
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.wait_for_timeout(400)  # charts re-fit after a debounced resize
                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                if scroll_width > width + 1:
                    problems.append(f"{where}: {scroll_width} px wide at {width} px")
    assert problems == []
    if not AXE.exists():
        pytest.skip(
            f"layout and wording checked; axe-core not installed ({AXE}: npm install --no-save axe-core@4)"
        )
