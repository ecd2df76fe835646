"""Exports of reports and issues: visibility, the list's filters, formula safety, both formats,
headers in the reader's language, the API, and memory that does not grow with the rows."""

from __future__ import annotations

import csv
import io
import tracemalloc

import pytest
from openpyxl import load_workbook

from cxops.exports import csv_stream
from cxops.models import ExperienceReport
from cxops.selectors.exports import export_dataset
from tests.factories import IssueFactory
from tests.factories import ProductFactory
from tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def _xlsx(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def test_frontline_exports_only_their_own_reports_analysts_all(make_user, client_for):
    me, colleague, analyst = make_user("frontline"), make_user("frontline"), make_user("analyst")
    mine = ReportFactory(reporter=me, summary="我的报告")
    theirs = ReportFactory(reporter=colleague, summary="别人的报告")
    rows = _csv(client_for(me).get("/exports/reports.csv"))
    assert [row[0] for row in rows[1:]] == [str(mine.pk)]
    rows = _csv(client_for(analyst).get("/exports/reports.csv"))
    assert sorted(row[0] for row in rows[1:]) == sorted([str(mine.pk), str(theirs.pk)])


def test_the_lists_filters_apply_and_bad_ones_are_a_clear_400(make_user, client_for):
    analyst = make_user("analyst")
    wanted, other = ProductFactory(), ProductFactory()
    kept = ReportFactory(product=wanted, summary="漫游扣费")
    ReportFactory(product=other, summary="漫游扣费")
    ReportFactory(product=wanted, summary="宽带故障")
    client = client_for(analyst)
    for product in (wanted.code, str(wanted.pk)):  # the API's code or the page's id
        rows = _csv(client.get("/exports/reports.csv", {"product": product, "text": "漫游"}))
        assert [row[0] for row in rows[1:]] == [str(kept.pk)]
    refused = client.get("/exports/reports.csv", {"product": "no-such-product"})
    assert refused.status_code == 400 and "no-such-product" in refused.content.decode()
    assert client.get("/exports/reports.csv", {"date_from": "1899-01-01"}).status_code == 400
    assert client.get("/exports/nothing.csv").status_code == 404


def test_cells_that_would_be_formulas_stay_text_in_both_formats(make_user, client_for):
    analyst = make_user("analyst")
    ReportFactory(summary='=HYPERLINK("http://evil","点我")', external_id="@SUM(A1)")
    rows = _csv(client_for(analyst).get("/exports/reports.csv"))
    row = rows[1]
    assert '\'=HYPERLINK("http://evil","点我")' in row and "'@SUM(A1)" in row
    workbook = load_workbook(
        io.BytesIO(b"".join(client_for(analyst).get("/exports/reports.xlsx").streaming_content))
    )
    cells = [cell for cell in workbook.active[2]]
    summary = next(cell for cell in cells if str(cell.value).startswith("=HYPERLINK"))
    assert summary.data_type == "s"  # a string cell, not a formula


def test_headers_follow_the_readers_language(make_user, client_for):
    analyst = make_user("analyst")
    IssueFactory(title="携号转网失败")
    client = client_for(analyst)
    english = _xlsx(client.get("/exports/issues.xlsx", HTTP_ACCEPT_LANGUAGE="en"))
    chinese = _xlsx(client.get("/exports/issues.xlsx", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert english[0][:3] == ("id", "title", "status")
    assert chinese[0][1:3] == ("标题", "状态")
    assert english[1][1] == chinese[1][1] == "携号转网失败"


def test_xlsx_above_the_limit_is_refused_with_the_way_out(make_user, client_for, settings):
    settings.CXOPS_EXPORT_XLSX_MAX_ROWS = 2
    analyst = make_user("analyst")
    for _ in range(3):
        ReportFactory()
    answer = client_for(analyst).get("/exports/reports.xlsx", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400 and "export CSV" in answer.content.decode()
    assert len(_csv(client_for(analyst).get("/exports/reports.csv"))) == 4


def test_the_api_exports_the_same_and_refuses_roles_and_bad_filters(make_user, api_client_for):
    frontline, admin = make_user("frontline"), make_user("admin")
    own = ReportFactory(reporter=frontline)
    ReportFactory()
    answer = api_client_for(frontline).get("/api/exports/reports.csv")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    assert [row[0] for row in _csv(answer)[1:]] == [str(own.pk)]
    assert api_client_for(admin).get("/api/exports/reports.csv").status_code == 403
    bad = api_client_for(frontline).get("/api/exports/reports.csv", {"status": "nope"})
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]


def test_csv_export_memory_does_not_grow_with_the_rows(make_user):
    """Peak memory of the streamed export over 2,000 and over 20,000 reports: flat (chunked
    iterator, rows written as they come).  bench/export_memory.py measures 1M rows on PostgreSQL."""
    analyst = make_user("analyst")
    product = ProductFactory()
    template = ReportFactory(product=product)
    ExperienceReport.objects.bulk_create(
        [
            ExperienceReport(
                source_type="complaint",
                product=product,
                channel_id=template.channel_id,
                region_id=template.region_id,
                layer="functional",
                stage="use",
                summary=f"客户反映飞信无法登录，第{n}次，已重启手机仍不行",
                occurred_at=template.occurred_at,
                reporter=template.reporter,
            )
            for n in range(20_000)
        ],
        batch_size=2000,
    )

    def peak(limit: int) -> tuple[int, int]:
        dataset = export_dataset("reports")
        header, rows, _queryset = dataset.build(analyst, {})
        tracemalloc.start()
        written = 0
        for index, chunk in enumerate(csv_stream(header, rows)):
            written += len(chunk)
            if index * 500 >= limit:
                break
        _current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top, written

    small, small_bytes = peak(2_000)
    large, large_bytes = peak(20_000)
    assert large_bytes > 8 * small_bytes  # ten times the rows were really written
    assert large < 4 * 1024 * 1024  # a few chunks in memory, not 20,000 rows
    assert large < small * 2  # flat, not proportional


def test_the_issue_list_links_its_export_with_its_filters(make_user, client_for):
    analyst = make_user("analyst")
    product = ProductFactory()
    kept = IssueFactory(product=product, title="积分兑换失败")
    IssueFactory(title="积分兑换失败")
    client = client_for(analyst)
    page = client.get("/sense/issues/", {"q": "积分", "product": product.pk}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    start = html.index('href="/exports/issues.csv?') + len('href="')
    link = html[start : html.index('"', start)].replace("&amp;", "&")
    rows = _csv(client.get(link))
    assert [row[0] for row in rows[1:]] == [str(kept.pk)]
    mine = client_for(make_user("frontline")).get("/sense/mine/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "/exports/reports.xlsx?mine=1" in mine
