"""The report rollup tables, reshaped for bulk ingest like the report table (issue 22, 0024/0027).

Every import chunk upserts tens of thousands of rollup cells in one statement; profiling a
20,000-row chunk showed a third of the rollup work in per-row foreign-key checks (one
`SELECT 1 ... FOR KEY SHARE` per new cell and reference: 26,000 cells × product and region on the
region rollup, the same on the dimension rollup, 7,000 on the region total) and in indexes that
duplicate others.

1. Dead indexes go: the single-column foreign-key indexes that lead composite ones serving the
   same lookups (dimension rollup `product` → `report_dim_rollup_product`; region rollup and region
   total `region` → `report_region_rollup_city` / `report_region_total_city`).

2. PostgreSQL only: the foreign keys of the three report rollup tables the import writes (dimension
   rollup → product; region rollup → region, product; region total → region) are checked once
   per *statement*, as 0027 does for the report table:

   - `rollup_references_<table>_insert` / `_update`: statement-level AFTER triggers that check
     that every *distinct* referenced id of the statement's new rows exists, and raise
     `foreign_key_violation` otherwise.  Every writer goes through them.
   - `rollup_protect_<table>_<column>`: row-level AFTER DELETE / UPDATE OF id triggers on product
     and region that take the rollup table in SHARE mode (waiting for every transaction writing
     it, holding new ones off until commit) and raise `foreign_key_violation` while a rollup row
     still refers to the row — as the foreign key (NO ACTION) did.  Django's on_delete=CASCADE
     still deletes a product's or region's rollup rows first when the ORM deletes it.

   The issue rollups keep their foreign keys: imports do not write them.  SQLite keeps its
   foreign keys (no statement-level triggers); the model state still declares the constraints.

3. PostgreSQL: the rollup tables leave a quarter of each page free (fillfactor 75): an import
   adds to cells earlier chunks created, and `count` is in no index, so with room on the page the
   increment is a HOT update (no new entry in any of the table's indexes).

Proved by tests/cxops/test_rollup_references.py; measured by bench/ingest.py.
"""

import django.db.models.deletion
from django.db import migrations, models

# (rollup table, ((column, referenced table), ...))
ROLLUP_REFERENCES = (
    ("cxops_reportdailydimensionrollup", (("product_id", "cxops_product"),)),
    ("cxops_reportdailyregionrollup", (("region_id", "cxops_region"), ("product_id", "cxops_product"))),
    ("cxops_reportdailyregiontotal", (("region_id", "cxops_region"),)),
)
ROLLUP_TABLES = (*(table for table, _references in ROLLUP_REFERENCES), "cxops_reportdailydimensiontotal")
FILLFACTOR = 75


def _short(table: str) -> str:
    return table.removeprefix("cxops_reportdaily")


def _check_block(table: str, column: str, referenced: str) -> str:
    return f"""
    SELECT array_agg(DISTINCT {column}) INTO wanted FROM new_rows;
    IF wanted IS NOT NULL THEN
        SELECT count(*) INTO found FROM {referenced} r WHERE r.id = ANY (wanted);
        IF found < cardinality(wanted) THEN
            RAISE foreign_key_violation USING
                MESSAGE = format(
                    'insert or update on table "{table}" violates its reference {column}: '
                    '%s not present in table "{referenced}"',
                    (SELECT string_agg(missing.id::text, ', ') FROM unnest(wanted) AS missing (id)
                     WHERE NOT EXISTS (SELECT 1 FROM {referenced} t WHERE t.id = missing.id))),
                TABLE = '{table}',
                CONSTRAINT = '{_short(table)}_{column.removesuffix("_id")}_reference';
        END IF;
    END IF;"""  # noqa: S608 — identifiers are the constants above


def _check_sql(table: str, references: tuple) -> str:
    function = f"cxops_rollup_{_short(table)}_references_check"
    blocks = "".join(_check_block(table, column, referenced) for column, referenced in references)
    return f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
-- {table}'s references, checked once per statement: every distinct referenced id exists.
-- No lock: deleting a referenced row takes this table in SHARE mode (cxops_rollup_reference_protect).
DECLARE
    wanted bigint[];
    found bigint;
BEGIN
{blocks}
    RETURN NULL;
END
$$;
CREATE TRIGGER rollup_references_{_short(table)}_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER rollup_references_{_short(table)}_update AFTER UPDATE ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
"""


PROTECT_FUNCTION = """
CREATE FUNCTION cxops_rollup_reference_protect() RETURNS trigger LANGUAGE plpgsql AS $$
-- A product or region cannot go while a rollup row refers to it (the ORM deletes those first).
-- TG_ARGV[0]: the rollup table, TG_ARGV[1]: its column that refers to this table.
DECLARE
    referenced boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NULL;
    END IF;
    EXECUTE format('LOCK TABLE %I IN SHARE MODE', TG_ARGV[0]);
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1)', TG_ARGV[0], TG_ARGV[1])
        INTO referenced USING OLD.id;
    IF referenced THEN
        RAISE foreign_key_violation USING
            MESSAGE = format(
                'update or delete on table "%s" violates the reference %s.%s: rollup rows still refer to id %s',
                TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[1], OLD.id),
            TABLE = TG_TABLE_NAME,
            CONSTRAINT = replace(TG_ARGV[0], 'cxops_reportdaily', '') || '_' || replace(TG_ARGV[1], '_id', '')
                || '_reference';
    END IF;
    RETURN NULL;
END
$$;
"""


def _protect_trigger(table: str, column: str) -> str:
    # named after the report table's protecting triggers (report_protect_*), which therefore fire
    # first: the report table is locked before the rollup tables, the order every writer uses
    return f"rollup_protect_{_short(table)}_{column.removesuffix('_id')}"


def checks_per_statement(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, _references in ROLLUP_REFERENCES:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [table]
            )
            for (name,) in cursor.fetchall():
                schema_editor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    schema_editor.execute(PROTECT_FUNCTION, params=None)
    for table, references in ROLLUP_REFERENCES:
        schema_editor.execute(_check_sql(table, references), params=None)
        for column, referenced in references:
            schema_editor.execute(
                f"CREATE TRIGGER {_protect_trigger(table, column)} AFTER DELETE OR UPDATE OF id "
                f"ON {referenced} FOR EACH ROW EXECUTE FUNCTION cxops_rollup_reference_protect('{table}', '{column}')"
            )
    for table in ROLLUP_TABLES:
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {FILLFACTOR})")


def checks_per_row(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ROLLUP_TABLES:
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")
    for table, references in ROLLUP_REFERENCES:
        for column, referenced in references:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_protect_trigger(table, column)} ON {referenced}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS rollup_references_{_short(table)}_insert ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS rollup_references_{_short(table)}_update ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS cxops_rollup_{_short(table)}_references_check()")
        for column, referenced in references:
            schema_editor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fk "
                f"FOREIGN KEY ({column}) REFERENCES {referenced} (id) DEFERRABLE INITIALLY DEFERRED"
            )
    schema_editor.execute("DROP FUNCTION IF EXISTS cxops_rollup_reference_protect()")


class Migration(migrations.Migration):
    dependencies = [("cxops", "0030_export_job_heartbeat")]

    operations = [
        migrations.AlterField(
            model_name="reportdailydimensionrollup",
            name="product",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="cxops.product",
            ),
        ),
        migrations.AlterField(
            model_name="reportdailyregionrollup",
            name="region",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="cxops.region",
            ),
        ),
        migrations.AlterField(
            model_name="reportdailyregiontotal",
            name="region",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="cxops.region",
            ),
        ),
        migrations.RunPython(checks_per_statement, checks_per_row, elidable=False),
    ]
