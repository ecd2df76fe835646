"""The report row is declared once (cxops.presenters.reports.REPORT_ROW): the OpenAPI serializer's
fields, the list/detail rows (`values()`, one query) and a report instance (create) all come from
it and must agree; the answer's query counts did not rise when it was introduced."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from rest_framework import serializers

from cxops.api.reports import ReportOutputSerializer
from cxops.models import ExperienceReport
from cxops.presenters.reports import REPORT_ROW
from cxops.presenters.reports import Shown
from cxops.presenters.reports import report_row_of
from cxops.presenters.reports import report_rows
from cxops.presenters.reports import report_rows_queryset
from tests.cxops.factories import file_report
from tests.cxops.test_report_api import payload

pytestmark = pytest.mark.django_db


def test_the_schema_serializer_has_the_presenters_columns_in_its_order():
    fields = ReportOutputSerializer().fields
    assert list(fields) == REPORT_ROW.names
    for column in REPORT_ROW.columns:
        field = fields[column.name]
        if column.shown is Shown.CODES:
            assert isinstance(field, serializers.ManyRelatedField)
            assert field.child_relation.slug_field == "code"
        elif column.shown.slug is not None:
            assert isinstance(field, serializers.SlugRelatedField)
            assert field.slug_field == column.shown.slug
        elif column.shown is Shown.MOMENT:
            assert isinstance(field, serializers.DateTimeField)
        assert field.read_only or column.shown.slug is None


def test_the_rows_read_are_the_columns_declared(reference_data, frontline):
    file_report(frontline)
    (row,) = report_rows_queryset()
    assert set(row) == {column.read for column in REPORT_ROW.columns}


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York"])
def test_rows_instances_and_the_serializer_give_the_same_answers(
    zone, api_client_for, analyst, frontline, reference_data
):
    from cxops.services.imports.reports import ReportRecord
    from cxops.services.imports.reports import reports_bulk_insert
    from cxops.services.triage import reports_merge

    segments = reference_data["segments"]
    client = api_client_for(frontline)
    # two segments sent out of their sort order; a report merged into an issue; one with no reporter
    filed = client.post(
        "/api/reports/",
        payload(segments=["new-subscriber", "high-value"], external_id="P-1"),
        format="json",
    ).json()
    merged = file_report(frontline, summary="彩铃设置后对方听不到")
    reports_merge(actor=analyst, report_ids=[merged.pk], new_issue_title="彩铃不生效")
    reports_bulk_insert(
        records=[
            ReportRecord(
                source_type="survey",
                product_id=reference_data["products"]["mms"].pk,
                channel_id=merged.channel_id,
                layer="emotional",
                stage="awareness",
                summary="调研：不知道彩信可以发视频",
                detail="",
                occurred_at=merged.occurred_at,
                severity=1,
                customer_masked="",
                customer_hash="",
                external_id="S-1",
                segment_ids=",".join(str(s.pk) for s in segments.values()),
            )
        ],
        source_system="survey-platform",
    )
    with timezone.override(zone):
        reports = list(ExperienceReport.objects.order_by("id"))
        from_rows = report_rows(report_rows_queryset().order_by("id"))
        from_instances = [report_row_of(report) for report in reports]
        from_serializer = [dict(ReportOutputSerializer(report).data) for report in reports]
        given = report_row_of(reports[0], related={"segments": list(reports[0].segments.all())})
    assert from_rows == from_instances == from_serializer
    assert [list(row) for row in from_rows] == [REPORT_ROW.names] * 3
    assert given == from_rows[0]
    assert from_rows[0]["id"] == filed["id"] and from_rows[0]["segments"] == ["new-subscriber", "high-value"]
    assert from_rows[1]["issue"] is not None
    assert from_rows[2]["reporter"] is None and len(from_rows[2]["segments"]) == len(segments)
    assert (
        from_rows[0]["occurred_at"]
        == {
            "Asia/Shanghai": "2026-10-22T06:50:00+08:00",
            "UTC": "2026-10-21T22:50:00Z",
            "America/New_York": "2026-10-21T18:50:00-04:00",
        }[zone]
    )
    created_at = dt.datetime.fromisoformat(from_rows[0]["created_at"])
    assert created_at == reports[0].created_at
    assert created_at.utcoffset() == reports[0].created_at.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()


def test_the_answers_take_no_more_queries_than_before_the_presenter(
    api_client_for, analyst, frontline, reference_data, django_assert_max_num_queries
):
    """Figures read before REPORT_ROW (SQLite, warm reference table): list 1, detail 1, a new
    report 13, a re-sent one 6 (now 3: its product, channel and region come from the table)."""
    client = api_client_for(frontline)
    client.post("/api/reports/", payload(external_id="N-0"), format="json")  # reference table warm
    with django_assert_max_num_queries(13):
        created = client.post(
            "/api/reports/",
            payload(external_id="N-1", segments=["high-value", "new-subscriber"]),
            format="json",
        )
    assert created.status_code == 201
    with django_assert_max_num_queries(3):
        again = client.post("/api/reports/", payload(external_id="N-1"), format="json")
    assert again.status_code == 200 and again.json() == created.json()
    reader = api_client_for(analyst)
    reader.get("/api/reports/")  # sign-in warm
    with django_assert_max_num_queries(1):
        assert reader.get("/api/reports/").status_code == 200
    with django_assert_max_num_queries(1):
        assert reader.get(f"/api/reports/{created.json()['id']}/").status_code == 200
