"""Shared pieces of the browser tests: Debian's chromium, signed-in pages, and screenshots of every
open page when a test fails (in `test-artifacts/<test-name>/<n>-<page>.png`, which CI keeps)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls in the tests are plain
# synchronous test code, so Django's async-safety guard is relaxed for the browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PASSWORD = "pw-test-12345"  # tests/conftest.py's make_user
ARTIFACTS = "test-artifacts"


@pytest.fixture
def browser(chromium_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium); found {chromium_path}"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class OpenPages:
    """Signed-in pages, one browser context per person, remembered in the order they were opened
    so a failing test can photograph each of them."""

    def __init__(self, browser, live_server) -> None:
        self.browser = browser
        self.live_server = live_server
        self.pages: list[tuple[str, object]] = []

    def sign_in(self, name: str, username: str, *, language: str = "zh-hans", width: int = 1280):
        context = self.browser.new_context(
            locale=language,
            extra_http_headers={"Accept-Language": language},
            viewport={"width": width, "height": 900},
        )
        page = context.new_page()
        self.pages.append((name, page))
        page.goto(f"{self.live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.locator("input[name=password]").press("Enter")
        return page

    def screenshot_all(self, directory: Path) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        saved = []
        for number, (name, page) in enumerate(self.pages, start=1):
            if page.is_closed():
                continue
            path = directory / f"{number}-{_safe(name)}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
            except Exception as error:  # a page that cannot be photographed must not hide the failure
                print(f"no screenshot of {name}: {error}")
            else:
                saved.append(path)
        return saved

    def close(self) -> None:
        for _name, page in self.pages:
            page.context.close()


@pytest.fixture
def open_pages(browser, live_server):
    pages = OpenPages(browser, live_server)
    yield pages
    pages.close()


def _safe(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("_") or "page"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed test (or failed setup), save a full-page screenshot of every page it opened,
    before the fixtures close them."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "teardown" or not report.failed:
        return
    pages = item.funcargs.get("open_pages") if hasattr(item, "funcargs") else None
    if not isinstance(pages, OpenPages):
        return
    directory = Path(item.config.rootpath) / ARTIFACTS / _safe(item.name)
    saved = pages.screenshot_all(directory)
    if saved:
        report.sections.append(
            ("screenshots", "\n".join(str(path.relative_to(item.config.rootpath)) for path in saved))
        )
