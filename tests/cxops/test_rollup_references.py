"""The report rollup tables' references after issue 22 (migration 0031).

On PostgreSQL the foreign keys of the dimension rollup (product), the region rollup (region,
product) and the region total (region) became statement-level triggers (checked once per
statement, not per new cell) plus row triggers on product and region.  These tests prove the
guarantee did not change, on both databases (SQLite kept its foreign keys, checked at commit):
a rollup row referring to a missing product or region is refused, a referenced product or region
cannot be deleted behind the ORM, the ORM still deletes a product's rollup rows with it, and an
import's rollups still equal a recount from the reports.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from cxops.models import Product
from cxops.models import Region
from cxops.models import RegionLevel
from cxops.models import ReportDailyDimensionRollup
from cxops.models import ReportDailyDimensionTotal
from cxops.models import ReportDailyRegionRollup
from cxops.models import ReportDailyRegionTotal
from cxops.services.imports.core import import_job_create
from cxops.services.rollups import ReportFacts
from cxops.services.rollups import rollups_apply_delta
from cxops.services.rollups import rollups_verify
from tests.factories import ProductFactory
from tests.factories import ReportFactory

from .test_import_reports import HEADER
from .test_import_reports import csv_bytes
from .test_import_reports import start
from .test_report_references import refused_by_the_database

DIMENSION = ReportDailyDimensionRollup._meta.db_table
REGION = ReportDailyRegionRollup._meta.db_table
REGION_TOTAL = ReportDailyRegionTotal._meta.db_table
MISSING = 987654


def insert_sql(table: str, **references) -> tuple[str, list]:
    columns = {
        "day": dt.date(2026, 10, 22),
        "dimension": "layer",
        "value": "functional",
        "count": 1,
        **references,
    }
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 — test's own
    return sql, list(columns.values())


@pytest.fixture
def lone(reference_data):
    """A product and a city that only rollup rows refer to (no report, no user, no other row): a
    refusal to delete them can come from the rollups' guard alone."""
    province = Region.objects.get(level=RegionLevel.PROVINCE)
    product = ProductFactory(code="lone", name_zh="孤立业务", name_en="Lone")
    region = Region.objects.create(code="lone", name_zh="孤城", name_en="Lone city", parent=province)
    hotline = reference_data["channels"]["hotline-10086"]
    facts = ReportFacts(
        day=dt.date(2026, 10, 22),
        product_id=product.pk,
        channel_id=hotline.pk,
        source_type="complaint",
        layer="functional",
        stage="use",
        issue_id=None,
        region_id=region.pk,
    )
    rollups_apply_delta(added=[facts])
    return {"product_id": product.pk, "region_id": region.pk}


TABLE_COLUMNS = {
    DIMENSION: ("product_id",),
    REGION: ("region_id", "product_id"),
    REGION_TOTAL: ("region_id",),
}


def references(lone: dict, table: str) -> dict:
    return {column: lone[column] for column in TABLE_COLUMNS[table]}


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 — test's own
        return cursor.fetchone()[0]


@pytest.mark.parametrize("table", [DIMENSION, REGION, REGION_TOTAL])
def test_a_rollup_row_with_valid_references_is_written(lone, table):
    sql, params = insert_sql(table, **references(lone, table))
    params[0] = dt.date(2020, 1, 1)  # a new cell, not the fixture's
    assert not refused_by_the_database(sql, params)


@pytest.mark.parametrize(
    ("table", "column"),
    [(DIMENSION, "product_id"), (REGION, "product_id"), (REGION, "region_id"), (REGION_TOTAL, "region_id")],
)
def test_a_rollup_row_referring_to_a_missing_row_is_refused(lone, table, column):
    before = count(table)
    sql, params = insert_sql(table, **{**references(lone, table), column: MISSING})
    params[0] = dt.date(2020, 1, 1)
    # when a rollup row refers to a product or region that does not exist, then the database refuses it
    assert refused_by_the_database(sql, params)
    assert count(table) == before


@pytest.mark.parametrize(
    ("table", "column"),
    [(DIMENSION, "product_id"), (REGION, "product_id"), (REGION, "region_id"), (REGION_TOTAL, "region_id")],
)
def test_a_rollup_update_to_a_missing_row_is_refused(lone, table, column):
    assert refused_by_the_database(f"UPDATE {table} SET {column} = %s", [MISSING])  # noqa: S608 — test's own


@pytest.mark.parametrize(
    ("table", "referenced", "column"),
    [
        (DIMENSION, "cxops_product", "product_id"),
        (REGION, "cxops_product", "product_id"),
        (REGION, "cxops_region", "region_id"),
        (REGION_TOTAL, "cxops_region", "region_id"),
    ],
)
def test_a_product_or_region_a_rollup_row_refers_to_cannot_be_deleted_behind_the_orm(
    lone, table, referenced, column
):
    # given only this table's rows still referring to it
    with connection.cursor() as cursor:
        for other, columns in TABLE_COLUMNS.items():
            if other != table and column in columns:
                cursor.execute(f"DELETE FROM {other} WHERE {column} = %s", [lone[column]])  # noqa: S608
    delete = (f"DELETE FROM {referenced} WHERE id = %s", [lone[column]])  # noqa: S608 — test's own
    # when the referenced row is deleted in SQL, past Django's on_delete handling, then it is refused
    assert refused_by_the_database(*delete)
    # and once no rollup row refers to it, the same delete goes through (the guard was what refused)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [lone[column]])  # noqa: S608
    assert not refused_by_the_database(*delete)


def test_a_referenced_product_id_cannot_change(lone):
    assert refused_by_the_database(
        "UPDATE cxops_product SET id = %s WHERE id = %s", [MISSING, lone["product_id"]]
    )


def test_the_orm_still_deletes_a_products_rollup_rows_with_it(db):
    # given a product whose only report went (its rollup cells stay, at zero)
    product = ProductFactory()
    report = ReportFactory(product=product)
    rollups_apply_delta(added=[ReportFacts.of(report)])
    facts = ReportFacts.of(report)
    report.delete()
    rollups_apply_delta(removed=[facts])
    assert ReportDailyDimensionRollup.objects.filter(product=product).exists()
    # when the product is deleted through the ORM, then it goes with its rollup rows
    Product.objects.filter(pk=product.pk).delete()
    assert not ReportDailyDimensionRollup.objects.filter(product_id=product.pk).exists()
    assert not ReportDailyRegionRollup.objects.filter(product_id=product.pk).exists()
    assert rollups_verify() == []


def test_an_import_in_many_chunks_keeps_the_rollups_equal_to_a_recount(analyst, reference_data, monkeypatch):
    from cxops.services.imports import core

    # small chunks: later chunks add to cells earlier ones created, across days, products and channels
    monkeypatch.setattr(core, "chunk_rows", lambda total_lines=None: 7)
    products = ("飞信", "彩铃", "139邮箱")
    channels = ("10086热线", "网上营业厅")
    layers = ("功能性体验", "便利性体验")
    body = "".join(
        f"M{n:03d},2026-10-{20 + n % 3} {(n * 5) % 24:02d}:10:00,{('投诉', '咨询')[n % 2]},"
        f"{products[n % 3]},{channels[n % 2]},{layers[n % 2]},使用,第{n}条,,,{'新入网用户' if n % 4 else ''}\n"
        for n in range(40)
    )
    job = import_job_create(
        actor=analyst, kind="reports", source_system="s", original_name="m.csv", data=csv_bytes(body, HEADER)
    )
    job = start(analyst, job)
    assert (job.status, job.inserted, job.rejected) == ("done", 40, 0)
    # then every rollup table equals a recount from the reports (days cut at Shanghai midnight)
    assert rollups_verify() == []
    total = sum(ReportDailyRegionTotal.objects.filter(dimension="stage").values_list("count", flat=True))
    assert total == 40


PER_PRODUCT = (DIMENSION, REGION)


def reloption(table: str, name: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE oid = %s::regclass", [table])
        (options,) = cursor.fetchone()
    return dict(option.split("=", 1) for option in options or []).get(name)


@pytest.mark.postgres
def test_the_per_product_rollups_leave_half_a_page_free_and_the_totals_a_quarter(db):
    # migration 0034: the tables an import increments most (26,000 cells a chunk) at 50, the totals
    # a year-long read visits at 75
    assert [reloption(table, "fillfactor") for table in PER_PRODUCT] == ["50", "50"]
    totals = (REGION_TOTAL, ReportDailyDimensionTotal._meta.db_table)
    assert [reloption(table, "fillfactor") for table in totals] == ["75", "75"]


@pytest.mark.postgres
def test_a_second_import_chunks_increments_are_hot_updates(reference_data):
    # given 3,000 cells of the per-product rollups, written as one import chunk writes them
    hotline = reference_data["channels"]["hotline-10086"]
    region = Region.objects.get(level=RegionLevel.PROVINCE).pk
    products = [ProductFactory(code=f"hot{n}").pk for n in range(10)]
    facts = [
        ReportFacts(
            day=dt.date(2026, 1, 1) + dt.timedelta(days=n % 300),
            product_id=products[n // 300],
            channel_id=hotline.pk,
            source_type="complaint",
            layer="functional",
            stage="use",
            issue_id=None,
            region_id=region,
        )
        for n in range(3000)
    ]
    rollups_apply_delta(added=facts)

    def updates(table: str) -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = %s::regclass",
                [table],
            )
            return cursor.fetchone()

    before = {table: updates(table) for table in PER_PRODUCT}
    # when the next chunk adds to every one of those cells
    rollups_apply_delta(added=facts)
    # then (nearly) every increment found room on its own page: no new index entries (at
    # fillfactor 75 a third of them did not)
    for table in PER_PRODUCT:
        updated, hot = (now - then for now, then in zip(updates(table), before[table], strict=True))
        assert updated >= 3000 * 4
        assert hot >= 0.95 * updated, (table, updated, hot)
