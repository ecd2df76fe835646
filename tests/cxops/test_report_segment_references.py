"""The report ↔ segment links' references after issue 22 (migration 0035).

On PostgreSQL the link table's two foreign keys became a statement-level check (every distinct
report and segment of a statement's new links exists), a row check on the rare update, and row
triggers on the report and segment tables that refuse their deletion while a link refers to them;
the link table's single-column report index went.  These tests prove the guarantee did not change,
on both databases (SQLite kept its foreign keys, checked at commit): a link to a missing report or
segment is refused, a linked report or segment cannot be deleted behind the ORM, the ORM still
deletes a report's or a segment's links with it, and an import still writes its links.
"""

from __future__ import annotations

import pytest
from django.db import connection

from cxops.models import ExperienceReport
from cxops.models import Segment
from cxops.services.imports.core import import_job_create
from tests.factories import ReportFactory

from .test_import_reports import HEADER
from .test_import_reports import csv_bytes
from .test_import_reports import start
from .test_report_references import delete_while_an_insert_is_open
from .test_report_references import refused_by_the_database

LINKS = ExperienceReport.segments.through._meta.db_table
MISSING = 987654
INSERT = f"INSERT INTO {LINKS} (experiencereport_id, segment_id) VALUES (%s, %s)"  # noqa: S608 — test's own


@pytest.fixture
def linked(reference_data):
    """A report linked to one segment, and a second segment nothing refers to."""
    segment = Segment.objects.create(code="lonely", name_zh="孤立客群", name_en="Lonely")
    spare = Segment.objects.create(code="spare", name_zh="备用客群", name_en="Spare")
    report = ReportFactory()
    report.segments.set([segment])
    return {"report": report.pk, "segment": segment.pk, "spare": spare.pk}


def links(**where) -> int:
    return ExperienceReport.segments.through.objects.filter(**where).count()


def test_a_link_with_valid_references_is_written(linked):
    assert not refused_by_the_database(INSERT, [linked["report"], linked["spare"]])


@pytest.mark.parametrize("missing", ["report", "segment"])
def test_a_link_to_a_missing_report_or_segment_is_refused(linked, missing):
    before = links()
    values = {"report": linked["report"], "segment": linked["spare"], missing: MISSING}
    # when a link refers to a report or segment that does not exist, then the database refuses it
    assert refused_by_the_database(INSERT, [values["report"], values["segment"]])
    assert links() == before


def test_one_statement_of_many_links_is_refused_whole_for_one_missing_report(linked):
    # given a statement whose every link is valid but one, in the middle
    many = ", ".join(["(%s, %s)"] * 3)
    params = [
        linked["report"],
        linked["spare"],
        MISSING,
        linked["spare"],
        linked["report"],
        linked["segment"],
    ]
    sql = f"INSERT INTO {LINKS} (experiencereport_id, segment_id) VALUES {many} ON CONFLICT DO NOTHING"  # noqa: S608
    # then nothing of it is written
    assert refused_by_the_database(sql, params)
    assert links(segment_id=linked["spare"]) == 0


@pytest.mark.parametrize("column", ["experiencereport_id", "segment_id"])
def test_a_link_moved_to_a_missing_report_or_segment_is_refused(linked, column):
    assert refused_by_the_database(f"UPDATE {LINKS} SET {column} = %s", [MISSING])  # noqa: S608 — test's own
    assert links(experiencereport_id=linked["report"], segment_id=linked["segment"]) == 1


@pytest.mark.parametrize(
    ("table", "key"), [("cxops_experiencereport", "report"), ("cxops_segment", "segment")]
)
def test_a_linked_report_or_segment_cannot_be_deleted_behind_the_orm(linked, table, key):
    delete = (f"DELETE FROM {table} WHERE id = %s", [linked[key]])  # noqa: S608 — test's own
    # when the linked row is deleted in SQL, past Django's handling of the many-to-many, it is refused
    assert refused_by_the_database(*delete)
    # and once no link refers to it, the same delete goes through (the guard was what refused)
    ExperienceReport.segments.through.objects.all().delete()
    assert not refused_by_the_database(*delete)


@pytest.mark.parametrize(
    ("table", "key"), [("cxops_experiencereport", "report"), ("cxops_segment", "segment")]
)
def test_a_linked_id_cannot_change(linked, table, key):
    sql = f"UPDATE {table} SET id = %s WHERE id = %s"  # noqa: S608 — test's own
    assert refused_by_the_database(sql, [MISSING, linked[key]])


def test_the_orm_still_deletes_a_segments_links_with_it(linked):
    Segment.objects.filter(pk=linked["segment"]).delete()
    assert links() == 0
    assert list(ExperienceReport.objects.get(pk=linked["report"]).segments.all()) == []


def test_editing_a_reports_segments_still_writes_and_removes_links(linked):
    report = ExperienceReport.objects.get(pk=linked["report"])
    report.segments.set([linked["spare"]])
    assert list(report.segments.values_list("pk", flat=True)) == [linked["spare"]]


def test_an_import_still_links_its_reports_to_their_segments(analyst, reference_data):
    body = "".join(
        f"S{n},2026-10-2{n} 09:00:00,投诉,飞信,10086热线,功能性体验,使用,第{n}条,,,"
        f"{('新入网用户', '高价值用户、新入网用户', '')[n % 3]}\n"
        for n in range(3)
    )
    job = import_job_create(
        actor=analyst, kind="reports", source_system="s", original_name="s.csv", data=csv_bytes(body, HEADER)
    )
    job = start(analyst, job)
    assert (job.status, job.inserted) == ("done", 3)
    names = {
        report.external_id: sorted(report.segments.values_list("name_zh", flat=True))
        for report in ExperienceReport.objects.filter(source_system="s")
    }
    assert names == {"S0": ["新入网用户"], "S1": ["新入网用户", "高价值用户"], "S2": []}


@pytest.mark.postgres
def test_the_link_table_checks_per_statement_and_keeps_one_index_per_lookup(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [LINKS]
        )
        assert cursor.fetchone() == (0,)
        cursor.execute(
            "SELECT array_agg(pg_get_indexdef(indexrelid) ORDER BY indexrelid) FROM pg_index WHERE indrelid = %s::regclass",
            [LINKS],
        )
        (indexes,) = cursor.fetchone()
    # the primary key, the unique (report, segment) pair and the segment's; no report-only copy
    assert len(indexes) == 3
    assert not any(index.endswith("(experiencereport_id)") for index in indexes)


# --- concurrency (PostgreSQL): a link and the deletion of its report cannot both commit ------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_deleting_a_report_waits_for_a_concurrent_link_then_is_refused(reference_data):
    segment = Segment.objects.create(code="held", name_zh="待定客群", name_en="Held")
    report = ReportFactory()
    # while the link is uncommitted, the delete waits for it (here in vain); once it has committed,
    # the delete is refused
    outcome = delete_while_an_insert_is_open(
        (INSERT, [report.pk, segment.pk]), ("DELETE FROM cxops_experiencereport WHERE id = %s", [report.pk])
    )
    assert outcome == {"while_open": ("OperationalError", "55P03"), "after_commit": "23503"}
    assert links(experiencereport_id=report.pk) == 1
