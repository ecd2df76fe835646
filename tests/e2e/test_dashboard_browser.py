"""An analyst opens the dashboard in Chinese and in English and reads the seed's improvement focus
for 可视电话, 彩信 and 彩铃 off the product pages; the charts are drawn under the CSP."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPECTED = {
    "video-call": ("提升知晓率", "Raise the awareness rate"),
    "mms": ("提升认知率和认同率", "Raise the cognition rate and the identification rate"),
    "ringback-tone": ("提升认同率和认可率", "Raise the identification rate and the approval rate"),
}


def load_seed_metrics(reference_data):
    from django.utils import timezone

    from cxops import demo_metrics
    from cxops.services.metrics import metric_records_apply

    ids = {key: {code: obj.pk for code, obj in items.items()} for key, items in reference_data.items()}
    end = timezone.localdate() - dt.timedelta(days=1)
    for code in EXPECTED:
        records = [
            r
            for r in demo_metrics.product_records(code, ids, end)
            if r.scope.channel_id is None and r.scope.segment_id is None
        ]
        metric_records_apply(actor=None, records=records)


def sign_in(browser, live_server, language):
    context = browser.new_context(locale=language, extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.location.get("url", "").endswith("favicon.ico")
            else None
        ),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "lijing")
    page.fill("input[name=password]", "pw-test-12345")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state("networkidle")
    return page, errors


@pytest.mark.parametrize(("language", "index"), [("zh-hans", 0), ("en", 1)])
def test_dashboard_shows_the_seed_focus_in_both_languages(
    browser, live_server, make_user, reference_data, language, index
):
    # given the seed products' two years of metrics and an analyst
    load_seed_metrics(reference_data)
    make_user("analyst", username="lijing")
    page, errors = sign_in(browser, live_server, language)
    # when they open the overview, the ranking chart is drawn with its table
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#chart-ranking canvas")
    assert page.locator("#chart-ranking-section table tbody tr").count() == 3
    # and for each seed product the focus reads as the seed says
    for code, texts in EXPECTED.items():
        page.goto(f"{live_server.url}/dashboard/products/{code}/")
        page.wait_for_selector("#chart-funnel canvas")
        assert page.locator("[data-gap-focus]").inner_text() == texts[index]
    assert errors == []
