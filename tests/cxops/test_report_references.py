"""The report table's references after issue 22 (migration 0024).

On PostgreSQL the report table's foreign keys became statement-level triggers (checked once per
statement, not per row) plus row triggers on the referenced tables; the import writer checks a
chunk's references itself, set-based, and refuses the rows with a missing one by line.  These
tests prove the guarantee did not change: a bad reference is refused (with its line, in an
import), and a referenced product, channel, region, user or issue cannot be deleted, on both
databases (SQLite kept its foreign keys, checked at commit: `check_constraints` stands for it).
"""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError
from django.db import connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from cxops.errors import ApplicationError
from cxops.models import ExperienceReport
from cxops.models import ImportRejectedRow
from cxops.models import Region
from cxops.services.imports.core import import_job_create
from cxops.services.imports.reports import ReportImportHandler
from cxops.services.imports.reports import ReportRecord
from cxops.services.imports.reports import reports_bulk_insert
from cxops.services.rollups import rollups_verify
from tests.factories import IssueFactory
from tests.factories import ProductFactory
from tests.factories import ReportFactory
from tests.factories import UserFactory

from .test_import_reports import HEADER
from .test_import_reports import csv_bytes
from .test_import_reports import start

REPORT_TABLE = ExperienceReport._meta.db_table


def refused_by_the_database(sql: str, params: list) -> bool:
    """Whether the database refuses this write (PostgreSQL at once, SQLite's deferred keys when
    checked, as at commit); nothing of it remains either way."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
            if connection.vendor == "sqlite":
                connection.check_constraints()
            raise _Undo
    except IntegrityError:
        return True
    except _Undo:
        return False


class _Undo(Exception):
    """Rolls back a write the database accepted."""


def insert_sql(**values) -> tuple[str, list]:
    columns = {
        "source_type": "complaint",
        "layer": "functional",
        "stage": "use",
        "summary": "x",
        "detail": "",
        "severity": 2,
        "customer_masked": "",
        "customer_hash": "",
        "source_system": "t",
        "status": "new",
        "dismiss_reason": "",
        **values,
    }
    now_columns = ["occurred_at", "created_at", "updated_at"]
    sql = (
        f"INSERT INTO {REPORT_TABLE} ({', '.join([*columns, *now_columns])}) "  # noqa: S608 — test's own
        f"VALUES ({', '.join(['%s'] * len(columns))}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    return sql, list(columns.values())


@pytest.fixture
def report(db):
    return ReportFactory(issue=IssueFactory(), triaged_by=UserFactory(), status="linked")


def valid_references(report: ExperienceReport) -> dict:
    return {
        "product_id": report.product_id,
        "channel_id": report.channel_id,
        "region_id": report.region_id,
        "reporter_id": report.reporter_id,
        "triaged_by_id": report.triaged_by_id,
        "issue_id": report.issue_id,
    }


def test_a_report_with_valid_references_is_written(report):
    # given references that all exist, when a report is written with them, then it is accepted
    assert not refused_by_the_database(*insert_sql(**valid_references(report)))


@pytest.mark.parametrize(
    "column", ["product_id", "channel_id", "region_id", "reporter_id", "triaged_by_id", "issue_id"]
)
def test_a_report_referring_to_a_missing_row_is_refused(report, column):
    before = ExperienceReport.objects.count()
    # when a report refers to a row that does not exist
    refused = refused_by_the_database(*insert_sql(**{**valid_references(report), column: 987654}))
    # then the database refuses it, and nothing was written
    assert refused
    assert ExperienceReport.objects.count() == before


@pytest.mark.parametrize(
    "column", ["product_id", "channel_id", "region_id", "reporter_id", "triaged_by_id", "issue_id"]
)
def test_an_update_to_a_missing_row_is_refused(report, column):
    refused = refused_by_the_database(
        f"UPDATE {REPORT_TABLE} SET {column} = %s WHERE id = %s",  # noqa: S608 — test's own
        [987654, report.pk],
    )
    assert refused
    report.refresh_from_db()
    assert getattr(report, column) != 987654


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("cxops_product", "product_id"),
        ("cxops_channel", "channel_id"),
        ("cxops_region", "region_id"),
        ("auth_user", "reporter_id"),
        ("auth_user", "triaged_by_id"),
        ("cxops_experienceissue", "issue_id"),
    ],
)
def test_a_referenced_row_cannot_be_deleted_behind_the_orm(report, table, column):
    referenced = getattr(report, column)
    # when the referenced row is deleted in SQL, past Django's on_delete handling
    refused = refused_by_the_database(f"DELETE FROM {table} WHERE id = %s", [referenced])  # noqa: S608
    # then the database refuses, and the row is still there
    assert refused
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE id = %s", [referenced])  # noqa: S608
        assert cursor.fetchone() == (1,)


def test_a_referenced_id_cannot_change(report):
    assert refused_by_the_database(
        "UPDATE cxops_product SET id = %s WHERE id = %s", [987654, report.product_id]
    )


def test_an_unreferenced_row_can_be_deleted_and_edited(report):
    spare = ProductFactory()
    assert not refused_by_the_database(
        "UPDATE cxops_product SET name_en = 'x' WHERE id = %s", [report.product_id]
    )
    assert not refused_by_the_database("DELETE FROM cxops_product WHERE id = %s", [spare.pk])


def test_deleting_an_issue_still_unlinks_its_reports_through_the_orm(report):
    # Django's SET_NULL clears the reports' link first; the database then lets the issue go
    issue = report.issue
    ExperienceReport.objects.filter(pk=report.pk).update(status="triaged")
    issue.delete()
    report.refresh_from_db()
    assert report.issue_id is None


# --- the import writer: a reference gone between reading and writing ------------------------------


def test_an_import_refuses_rows_whose_product_was_deleted_meanwhile_with_their_line(
    analyst, reference_data, monkeypatch
):
    doomed = ProductFactory(code="doomed", name_zh="临时业务", name_en="Doomed")
    body = (
        "R1,2026-10-22 06:50:00,投诉,飞信,10086热线,功能性体验,使用,飞信申请失败,,,\n"
        "R2,2026-10-22 07:50:00,投诉,临时业务,10086热线,功能性体验,使用,临时业务办不了,,,\n"
        "R3,2026-10-22 08:50:00,咨询,飞信,10086热线,功能性体验,使用,飞信怎么下载,,,\n"
    )
    job = import_job_create(
        actor=analyst, kind="reports", source_system="s", original_name="c.csv", data=csv_bytes(body, HEADER)
    )
    prepare = ReportImportHandler.prepare

    def prepare_then_lose_the_product(self, *, job):
        prepare(self, job=job)  # the product is looked up while it exists ...
        doomed.delete()  # ... and deleted before the rows are written (it has no reports yet)

    doomed_id = doomed.pk
    monkeypatch.setattr(ReportImportHandler, "prepare", prepare_then_lose_the_product)
    # when the file is imported
    job = start(analyst, job)
    # then the row that refers to it is refused with its line and why; the others are imported
    assert (job.status, job.inserted, job.rejected, job.duplicates) == ("done", 2, 1, 0)
    refused = ImportRejectedRow.objects.get(job=job)
    assert refused.line == 3
    assert refused.reason == gettext("The %(field)s this row refers to (id %(id)s) no longer exists.") % {
        "field": gettext("product"),
        "id": doomed_id,
    }
    assert "id %s" % doomed_id in refused.reason  # noqa: UP031 — the id itself, whatever the language
    assert sorted(ExperienceReport.objects.values_list("external_id", flat=True)) == ["R1", "R3"]
    assert rollups_verify() == []


def test_the_writer_called_without_a_refusal_list_raises_naming_the_line(reference_data):
    fetion = reference_data["products"]["fetion"]
    hotline = reference_data["channels"]["hotline-10086"]
    record = ReportRecord(
        source_type="complaint",
        product_id=fetion.pk,
        channel_id=hotline.pk,
        layer="functional",
        stage="use",
        summary="飞信申请失败",
        detail="",
        occurred_at=timezone.now(),
        severity=2,
        customer_masked="",
        customer_hash="",
        external_id="W1",
        segment_ids="",
        region_id=Region.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000,
        line=17,
    )
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        reports_bulk_insert(records=[record], source_system="w")
    assert str(refused.value) == gettext("Line %(line)s: %(reason)s") % {
        "line": 17,
        "reason": gettext("The %(field)s this row refers to (id %(id)s) no longer exists.")
        % {"field": gettext("region"), "id": record.region_id},
    }
    assert not ExperienceReport.objects.filter(external_id="W1").exists()


# --- concurrency (PostgreSQL): an insert and a delete of what it refers to cannot both commit ------


def delete_while_an_insert_is_open(insert: tuple[str, list], delete: tuple[str, list]) -> dict[str, object]:
    """Run `insert` in another connection and hold its transaction open; try `delete` meanwhile
    (with a short lock timeout), then again once the insert has committed.  Returns what each try
    raised: the error's class and SQLSTATE while open, the SQLSTATE after the commit."""
    from django.db import connections

    inserted = threading.Event()
    finished = threading.Event()

    def insert_and_hold() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(*insert)
                inserted.set()
                finished.wait(timeout=10)  # hold the transaction open while the delete is tried
        finally:
            connections.close_all()

    writer = threading.Thread(target=insert_and_hold)
    writer.start()
    assert inserted.wait(timeout=10)
    outcome: dict[str, object] = {}
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")
        try:
            with transaction.atomic():
                cursor.execute(*delete)
        except Exception as error:  # noqa: BLE001 — the kind of error is what is asserted
            outcome["while_open"] = type(error).__name__, getattr(error.__cause__, "sqlstate", "")
        finished.set()
        writer.join(timeout=10)
        try:
            with transaction.atomic():
                cursor.execute(*delete)
        except IntegrityError as error:
            outcome["after_commit"] = getattr(error.__cause__, "sqlstate", "")
        cursor.execute("RESET lock_timeout")
    return outcome


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_a_delete_waits_for_a_concurrent_insert_then_is_refused(reference_data):
    spare = ProductFactory(code="spare", name_zh="备用业务", name_en="Spare")
    template = ReportFactory()
    insert = insert_sql(**{**valid_references(template), "product_id": spare.pk})
    # while the insert is uncommitted, the delete cannot take the row (it waits, here in vain);
    # once the insert has committed, the delete is refused
    outcome = delete_while_an_insert_is_open(insert, ("DELETE FROM cxops_product WHERE id = %s", [spare.pk]))
    assert outcome == {"while_open": ("OperationalError", "55P03"), "after_commit": "23503"}
    assert ExperienceReport.objects.filter(product_id=spare.pk).count() == 1
