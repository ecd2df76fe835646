"""The report table's references (migration 0024) without new lock orderings (PostgreSQL).

0024's statement trigger locked each referenced row FOR KEY SHARE as the statement ended.  The
foreign keys it replaced were DEFERRABLE INITIALLY DEFERRED, so their locks came at commit; taken
at once, they changed the order in which a merge locks issues and deadlocked concurrent merges
(tests/cxops/test_triage.py::test_concurrent_merges_into_one_issue_keep_the_count_exact).

Now the writing side takes no lock: its statement trigger only checks that every referenced row
exists.  The deleting side (rare: a product, channel, region, user or issue) first takes the report
table in SHARE mode — it waits for every transaction writing reports to end and holds new ones off
until it commits — and then looks for reports that still refer to the row, with a fresh snapshot.
An insert and a delete of what it refers to still cannot both commit: whichever takes its table
lock second sees the other's committed work (tests/cxops/test_report_references.py).
"""

from django.db import migrations

REPORT_TABLE = "cxops_experiencereport"
REFERENCES = (
    ("product_id", "cxops_product"),
    ("channel_id", "cxops_channel"),
    ("region_id", "cxops_region"),
    ("reporter_id", "auth_user"),
    ("triaged_by_id", "auth_user"),
    ("issue_id", "cxops_experienceissue"),
)


def _check_block(column: str, table: str, *, lock: bool) -> str:
    counted = (
        f"PERFORM 1 FROM {table} referenced WHERE referenced.id = ANY (wanted) FOR KEY SHARE OF referenced;\n"
        "        GET DIAGNOSTICS found = ROW_COUNT;"
        if lock
        else f"SELECT count(*) INTO found FROM {table} referenced WHERE referenced.id = ANY (wanted);"
    )
    return f"""
    SELECT array_agg(DISTINCT {column}) FILTER (WHERE {column} IS NOT NULL) INTO wanted FROM new_reports;
    IF wanted IS NOT NULL THEN
        {counted}
        IF found < cardinality(wanted) THEN
            RAISE foreign_key_violation USING
                MESSAGE = format(
                    'insert or update on table "{REPORT_TABLE}" violates its reference {column}: '
                    '%s not present in table "{table}"',
                    (SELECT string_agg(missing.id::text, ', ') FROM unnest(wanted) AS missing (id)
                     WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = missing.id))),
                TABLE = '{REPORT_TABLE}',
                CONSTRAINT = 'report_{column.removesuffix("_id")}_reference';
        END IF;
    END IF;"""  # noqa: S608 — identifiers are the constants above


def _check_function(*, lock: bool) -> str:
    return f"""
CREATE OR REPLACE FUNCTION cxops_report_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
-- The report table's references, checked once per statement: every distinct referenced id exists.
-- {"Each is locked FOR KEY SHARE." if lock else "No lock: deleting a referenced row takes the report table in SHARE mode (0027)."}
DECLARE
    wanted bigint[];
    found bigint;
BEGIN
{"".join(_check_block(column, table, lock=lock) for column, table in REFERENCES)}
    RETURN NULL;
END
$$;
"""


def _protect_function(*, lock_table: bool) -> str:
    lock = f"    LOCK TABLE {REPORT_TABLE} IN SHARE MODE;\n" if lock_table else ""
    return f"""
CREATE OR REPLACE FUNCTION cxops_report_reference_protect() RETURNS trigger LANGUAGE plpgsql AS $$
-- A referenced row (product, channel, region, user, issue) cannot go while a report refers to it.
-- TG_ARGV[0]: the report table's column that refers to this table.
DECLARE
    referenced boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NULL;
    END IF;
{lock}    EXECUTE format('SELECT EXISTS (SELECT 1 FROM {REPORT_TABLE} WHERE %I = $1)', TG_ARGV[0])
        INTO referenced USING OLD.id;
    IF referenced THEN
        RAISE foreign_key_violation USING
            MESSAGE = format(
                'update or delete on table "%s" violates the reference {REPORT_TABLE}.%s: '
                'reports still refer to id %s', TG_TABLE_NAME, TG_ARGV[0], OLD.id),
            TABLE = TG_TABLE_NAME,
            CONSTRAINT = 'report_' || replace(TG_ARGV[0], '_id', '') || '_reference';
    END IF;
    RETURN NULL;
END
$$;
"""  # noqa: S608


def lock_on_delete(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(_check_function(lock=False), params=None)
    schema_editor.execute(_protect_function(lock_table=True), params=None)


def lock_on_write(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(_check_function(lock=True), params=None)
    schema_editor.execute(_protect_function(lock_table=False), params=None)


class Migration(migrations.Migration):
    dependencies = [("cxops", "0026_webhook_regions")]

    operations = [migrations.RunPython(lock_on_delete, lock_on_write, elidable=False)]
