"""Each dashboard chart has one export control: its data as CSV, or its picture as PNG."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_chart_exports_its_data_or_its_picture(open_pages, live_server, make_user, reference_data):
    from django.utils import timezone

    from tests.cxops.test_dashboard import file
    from tests.cxops.test_dashboard import local

    analyst = make_user("analyst", username="export_analyst")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    file(3, product=reference_data["products"]["fetion"], occurred_at=local(yesterday))

    page = open_pages.sign_in("analyst", analyst.username)
    page.goto(f"{live_server.url}/dashboard/")
    card = page.locator("#chart-by_source-section, .chart-card").first
    for chart_card in page.locator(".chart-card").all():  # one control each, not a button and an icon
        assert chart_card.locator(".export-menu").count() <= 1
        assert chart_card.locator(".chart-head a.button").count() == 0
    assert card.locator(".export-menu").count() == 1
    card.locator(".export-menu > summary").click()
    csv_link = card.get_by_role("link", name="数据（CSV）")
    assert "/dashboard/export/" in csv_link.get_attribute("href")
    with page.expect_download() as download:
        card.get_by_role("button", name="图片（PNG）").click()
    saved = download.value.path()
    assert download.value.suggested_filename.endswith(".png")
    with open(saved, "rb") as picture:
        assert picture.read(8) == b"\x89PNG\r\n\x1a\n"
