"""The matching lexicon page in a browser (issue 23): an analyst tries a text, adds a concept with
its aliases through the form and finds it, with its history, in both languages; the pages fit a
390 px phone, a Chinese page shows no English interface text, axe finds nothing serious."""

from __future__ import annotations

import os

import pytest

from tests.e2e.test_every_page_browser import AXE
from tests.e2e.test_every_page_browser import _axe_violations
from tests.e2e.test_every_page_browser import _english_runs

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_analyst_adds_a_concept_on_the_lexicon_page(
    language, browser, live_server, settings, reference_data
):
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("layout and wording do not depend on the database: checked once, on the embedded default")
    from django.test import Client

    from cxops.models import MatchConcept
    from tests.security.world import build_world

    world = build_world()
    client = Client()
    client.force_login(world.users["analyst"])
    context = browser.new_context(
        locale=language,
        extra_http_headers={"Accept-Language": language},
        viewport={"width": 1366, "height": 900},
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    problems: list[str] = []

    def check(where: str) -> None:
        if language == "zh-hans":
            problems.extend(f"{where}: English text “{run}”" for run in _english_runs(page))
        if AXE.exists():
            problems.extend(
                f"{where}: axe {rule} ×{n} at {target}" for rule, n, target in _axe_violations(page)
            )
        page.set_viewport_size({"width": 390, "height": 900})
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 391:
            problems.append(f"{where}: {width} px wide at 390 px")
        page.set_viewport_size({"width": 1366, "height": 900})

    # the lexicon is linked from the Sense navigation
    page.goto(f"{live_server.url}/sense/mine/")
    page.click(".subnav a[href='/sense/lexicon/']")
    # trying a text shows the concept it names
    page.fill("#lexicon-text", "来电转到另一个号码设置失败")
    page.click("#lexicon-text ~ button")
    assert "call_forwarding" in page.inner_html(".lexicon-reading")
    check("list")
    # a new concept through the form
    page.click("a[href='/sense/lexicon/new/']")
    page.fill("#id_code", "hotline_queue")
    page.fill("#id_label_zh", "热线排队")
    page.fill("#id_label_en", "hotline queue")
    page.fill("#id_aliases", "打了半天没人接\n排队太久")
    check("new")
    page.click("form button.primary")
    concept = MatchConcept.objects.get(code="hotline_queue")
    assert page.url.endswith(f"/sense/lexicon/{concept.pk}/")
    assert concept.alias_list() == ["打了半天没人接", "排队太久"]
    assert concept.history.get().history_user == world.users["analyst"]
    # its page shows the history, and the list finds it by an alias
    assert world.users["analyst"].username in page.inner_text("main")
    check("concept")
    page.goto(f"{live_server.url}/sense/lexicon/?q=排队太久")
    assert "hotline_queue" in page.inner_text("table.lexicon")
    context.close()
    assert problems == []
