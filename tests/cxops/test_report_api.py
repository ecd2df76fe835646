"""Reports API: single and batch filing (partial success), filters, text search, cursor pages, masking."""

from __future__ import annotations

import re

import pytest

from cxops.models import ExperienceReport
from cxops.services.rollups import rollups_verify
from tests.cxops.factories import file_report

pytestmark = pytest.mark.django_db

FULL_NUMBER = re.compile(r"1[3-9]\d{9}")


def payload(**overrides):
    data = {
        "source_type": "complaint",
        "product": "fetion",
        "channel": "hotline-10086",
        "layer": "functional",
        "stage": "use",
        "summary": "飞信申请失败提示系统忙",
        "occurred_at": "2026-10-22T06:50:00",
        "customer": "+86 138-0013-8000",
        "segments": ["new-subscriber"],
        "source_system": "crm",
        "external_id": "CRM-1",
    }
    data.update(overrides)
    return data


def test_file_one_report_then_resend_it(api_client_for, frontline, reference_data):
    client = api_client_for(frontline)
    created = client.post("/api/reports/", payload(), format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["customer_masked"] == "138****8000"
    assert body["occurred_at"] == "2026-10-22T06:50:00+08:00"
    assert body["segments"] == ["new-subscriber"]
    assert "customer_hash" not in body
    again = client.post("/api/reports/", payload(summary="改过的摘要"), format="json")
    assert (again.status_code, again.json()["id"], again.json()["summary"]) == (
        200,
        body["id"],
        "飞信申请失败提示系统忙",
    )
    assert ExperienceReport.objects.count() == 1
    assert rollups_verify() == []


def test_invalid_input_is_a_400_with_field_errors(api_client_for, frontline, reference_data):
    response = api_client_for(frontline).post(
        "/api/reports/", payload(product="nope", layer="x"), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"product", "layer"}
    assert ExperienceReport.objects.count() == 0


def test_a_batch_succeeds_or_fails_per_item(api_client_for, frontline, reference_data):
    client = api_client_for(frontline)
    client.post("/api/reports/", payload(external_id="B-0"), format="json")
    items = [
        payload(external_id="B-1"),
        payload(external_id="B-2", channel="nowhere"),
        payload(external_id="B-0"),
        payload(external_id="B-3", customer="12345"),
        payload(external_id="B-4", occurred_at="2099-01-01T00:00:00"),
        payload(external_id="B-5"),
    ]
    response = client.post("/api/reports/batch/", {"reports": items}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["duplicate"], body["error"]) == (2, 1, 3)
    assert [r["status"] for r in body["results"]] == [
        "created",
        "error",
        "duplicate",
        "error",
        "error",
        "created",
    ]
    assert list(body["results"][1]["errors"]) == ["channel"]
    assert list(body["results"][3]["errors"]) == ["customer"]
    assert list(body["results"][4]["errors"]) == ["occurred_at"]
    assert sorted(ExperienceReport.objects.values_list("external_id", flat=True)) == ["B-0", "B-1", "B-5"]
    assert rollups_verify() == []


def test_the_list_filters_searches_chinese_and_pages_by_cursor_without_a_count(
    api_client_for, analyst, frontline, reference_data
):
    fetion, mms = reference_data["products"]["fetion"], reference_data["products"]["mms"]
    for n in range(5):
        file_report(frontline, product=fetion, summary=f"飞信申请失败第{n}次")
    file_report(frontline, product=mms, summary="彩信发不出去", layer="convenience")
    client = api_client_for(analyst)
    page = client.get("/api/reports/", {"page_size": 2, "product": "fetion"}).json()
    assert "count" not in page
    assert len(page["results"]) == 2
    seen = [r["id"] for r in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [r["id"] for r in page["results"]]
    assert len(seen) == 5 == len(set(seen))
    assert [r["summary"] for r in client.get("/api/reports/", {"text": "发不出"}).json()["results"]] == [
        "彩信发不出去"
    ]
    assert len(client.get("/api/reports/", {"layer": "convenience"}).json()["results"]) == 1
    assert (
        len(
            client.get("/api/reports/", {"date_from": "2026-10-22", "date_to": "2026-10-22"}).json()[
                "results"
            ]
        )
        == 6
    )
    assert client.get("/api/reports/", {"layer": "bogus"}).status_code == 400


def test_reporters_see_only_their_own_reports(api_client_for, frontline, make_user, reference_data):
    other = file_report(make_user("frontline"), summary="别人的")
    mine = file_report(frontline, summary="我的")
    client = api_client_for(frontline)
    assert [r["id"] for r in client.get("/api/reports/").json()["results"]] == [mine.pk]
    assert client.get(f"/api/reports/{other.pk}/").status_code == 404
    assert client.get(f"/api/reports/{mine.pk}/").status_code == 200


def test_no_api_response_contains_a_full_phone_number(api_client_for, analyst, frontline, reference_data):
    client = api_client_for(frontline)
    client.post(
        "/api/reports/", payload(detail="回拨13800138000", summary="客户 13900139000 投诉"), format="json"
    )
    analyst_client = api_client_for(analyst)
    for url in ("/api/reports/", f"/api/reports/{ExperienceReport.objects.get().pk}/"):
        assert FULL_NUMBER.findall(analyst_client.get(url).content.decode()) == []


def test_api_needs_a_role(api_client_for, admin_user_role, reference_data):
    client = api_client_for(admin_user_role)
    assert client.get("/api/reports/").status_code == 403
    assert client.post("/api/reports/", payload(), format="json").status_code == 403
    assert client.get("/api/import-jobs/").status_code == 403
    assert ExperienceReport.objects.count() == 0


def test_issues_are_readable_by_every_member(api_client_for, frontline, analyst, reference_data):
    from cxops.services.triage import reports_merge

    report = file_report(analyst)
    issue = reports_merge(actor=analyst, report_ids=[report.pk], new_issue_title="飞信申请失败")
    body = api_client_for(frontline).get("/api/issues/", {"text": "飞信"}).json()
    assert [(r["id"], r["report_count"]) for r in body["results"]] == [(issue.pk, 1)]


def test_an_analyst_uploads_a_csv_through_the_api(api_client_for, analyst, reference_data):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import TestCase

    csv = (
        "工单号,受理时间,工单类型,业务名称,渠道,体验层次,体验生命周期,摘要\n"
        "A1,2026-10-22 06:50,投诉,飞信,10086热线,功能,使用,飞信申请失败\n"
        "A2,bad,投诉,飞信,10086热线,功能,使用,飞信申请失败\n"
    ).encode("gbk")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api_client_for(analyst).post(
            "/api/import-jobs/",
            {"file": SimpleUploadedFile("a.csv", csv, "text/csv"), "source_system": "10086"},
            format="multipart",
        )
    assert response.status_code == 201
    job = api_client_for(analyst).get(f"/api/import-jobs/{response.json()['id']}/").json()
    assert (job["status"], job["inserted"], job["rejected"], job["encoding"]) == ("done", 1, 1, "gb18030")


def test_the_fast_list_answers_exactly_what_the_serializer_would(
    api_client_for, analyst, frontline, reference_data
):
    from cxops.api.reports import ReportOutputSerializer
    from cxops.services.imports.reports import ReportRecord
    from cxops.services.imports.reports import reports_bulk_insert
    from cxops.services.triage import reports_merge

    client = api_client_for(frontline)
    # a report with two segments and a customer, one merged into an issue, one with no reporter
    first = client.post(
        "/api/reports/", payload(segments=["new-subscriber", "high-value"], external_id="F-1"), format="json"
    ).json()
    second = file_report(frontline, summary="彩铃设置后对方听不到")
    reports_merge(actor=analyst, report_ids=[second.pk], new_issue_title="彩铃不生效")
    reports_bulk_insert(
        records=[
            ReportRecord(
                source_type="survey",
                product_id=reference_data["products"]["mms"].pk,
                channel_id=second.channel_id,
                layer="emotional",
                stage="awareness",
                summary="调研：不知道彩信可以发视频",
                detail="",
                occurred_at=second.occurred_at,
                severity=1,
                customer_masked="",
                customer_hash="",
                external_id="S-1",
                segment_ids="",
            )
        ],
        source_system="survey-platform",
    )
    listed = api_client_for(analyst).get("/api/reports/").json()["results"]
    reports = ExperienceReport.objects.filter(pk__in=[row["id"] for row in listed]).order_by("-id")
    assert len(listed) == 3 and first["id"] in {row["id"] for row in listed}
    assert listed == [ReportOutputSerializer(report).data for report in reports]
    for report in reports:
        assert (
            api_client_for(analyst).get(f"/api/reports/{report.pk}/").json()
            == ReportOutputSerializer(report).data
        )
    shown = {row["id"]: row for row in listed}
    assert shown[first["id"]]["segments"] == ["new-subscriber", "high-value"]
    assert shown[second.pk]["issue"] is not None and shown[second.pk]["status"] == "linked"
    assert any(row["reporter"] is None for row in listed)


def test_reference_rows_come_from_the_process_table_and_follow_changes(
    api_client_for, frontline, reference_data
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cxops.models import Product

    client = api_client_for(frontline)
    assert client.post("/api/reports/", payload(external_id="R-1"), format="json").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        assert client.post("/api/reports/", payload(external_id="R-2"), format="json").status_code == 201
    assert not [q for q in queries if "cxops_product" in q["sql"] or "cxops_channel" in q["sql"]]
    # a product renamed in this process is seen at once: the old code is refused, the new one works
    fetion = Product.objects.get(code="fetion")
    fetion.code = "fetion-im"
    fetion.save()
    refused = client.post("/api/reports/", payload(external_id="R-3"), format="json")
    assert refused.status_code == 400 and "product" in refused.json()["error"]["fields"]
    assert (
        client.post(
            "/api/reports/", payload(external_id="R-4", product="fetion-im"), format="json"
        ).status_code
        == 201
    )


def test_list_and_detail_are_one_query_each_and_follow_a_product_added_elsewhere(
    api_client_for, analyst, frontline, reference_data
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cxops.models import Product
    from cxops.selectors import reference

    client = api_client_for(frontline)
    filed = [
        client.post(
            "/api/reports/",
            payload(external_id=f"Q-{i}", segments=["high-value", "new-subscriber"][: i % 3]),
            format="json",
        ).json()
        for i in range(5)
    ]
    reader = api_client_for(analyst)
    reader.get("/api/reports/")  # sign-in and reference tables warm
    with CaptureQueriesContext(connection) as queries:
        listed = reader.get("/api/reports/?page_size=3").json()
    report_queries = [q["sql"] for q in queries if "cxops_experiencereport" in q["sql"]]
    assert len(report_queries) == 1, report_queries
    assert [row["id"] for row in listed["results"]] == [row["id"] for row in filed[::-1][:3]]
    # filed 4, 3, 2: one segment, none, both (in the segments' sort order)
    assert [row["segments"] for row in listed["results"]] == [
        ["high-value"],
        [],
        ["new-subscriber", "high-value"],
    ]
    with CaptureQueriesContext(connection) as queries:
        assert reader.get(f"/api/reports/{filed[0]['id']}/").status_code == 200
    assert len([q for q in queries if "cxops_experiencereport" in q["sql"]]) == 1

    # A product created by another process is not in this process's table yet: the first report
    # that names it reloads the table once instead of showing no code.
    assert reference.reference_by_code(Product, "fetion") is not None  # this process's table, loaded
    # bulk_create sends no signal: as if another process had added it
    (product,) = Product.objects.bulk_create([Product(code="new-5g", name_zh="5G 新品", name_en="5G new")])
    assert reference.reference_by_code(Product, "new-5g") is None
    ExperienceReport.objects.filter(pk=filed[0]["id"]).update(product=product)
    assert reader.get(f"/api/reports/{filed[0]['id']}/").json()["product"] == "new-5g"
