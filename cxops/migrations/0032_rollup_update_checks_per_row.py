"""The rollup tables' reference check on UPDATE, only when a reference changes (issue 22, after 0031).

0031 checked updates with a statement-level trigger reading a transition table of the statement's
updated rows.  Every import chunk updates tens of thousands of rollup cells (`ON CONFLICT DO UPDATE
SET count = ...`), and PostgreSQL copies each updated row into that transition table whether or
not a reference changed; none ever does.  Now the check is a row trigger `AFTER UPDATE OF` the
reference columns, `WHEN` one of them changed — as a foreign key skips unchanged keys: an increment
does not fire it at all, and an update that moves a row to another product or region is refused if
that product or region does not exist (tests/cxops/test_rollup_references.py).
"""

from django.db import migrations

ROLLUP_REFERENCES = (
    ("cxops_reportdailydimensionrollup", (("product_id", "cxops_product"),)),
    ("cxops_reportdailyregionrollup", (("region_id", "cxops_region"), ("product_id", "cxops_product"))),
    ("cxops_reportdailyregiontotal", (("region_id", "cxops_region"),)),
)

ROW_CHECK_FUNCTION = """
CREATE FUNCTION cxops_rollup_reference_row_check() RETURNS trigger LANGUAGE plpgsql AS $$
-- A rollup row's changed references exist.  TG_ARGV: column, referenced table, column, table, ...
DECLARE
    i integer := 0;
    wanted bigint;
    present boolean;
BEGIN
    WHILE i < TG_NARGS LOOP
        EXECUTE format('SELECT ($1).%I', TG_ARGV[i]) INTO wanted USING NEW;
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE id = $1)', TG_ARGV[i + 1]) INTO present USING wanted;
        IF NOT present THEN
            RAISE foreign_key_violation USING
                MESSAGE = format('update on table "%s" violates its reference %s: %s not present in table "%s"',
                    TG_TABLE_NAME, TG_ARGV[i], wanted, TG_ARGV[i + 1]),
                TABLE = TG_TABLE_NAME,
                CONSTRAINT = replace(TG_TABLE_NAME, 'cxops_reportdaily', '') || '_'
                    || replace(TG_ARGV[i], '_id', '') || '_reference';
        END IF;
        i := i + 2;
    END LOOP;
    RETURN NULL;
END
$$;
"""


def _short(table: str) -> str:
    return table.removeprefix("cxops_reportdaily")


def _function(table: str) -> str:
    return f"cxops_rollup_{_short(table)}_references_check"


def per_row_when_changed(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(ROW_CHECK_FUNCTION, params=None)
    for table, references in ROLLUP_REFERENCES:
        columns = [column for column, _referenced in references]
        changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)
        arguments = ", ".join(f"'{part}'" for pair in references for part in pair)
        schema_editor.execute(f"DROP TRIGGER rollup_references_{_short(table)}_update ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER rollup_references_{_short(table)}_update AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} FOR EACH ROW WHEN ({changed}) "
            f"EXECUTE FUNCTION cxops_rollup_reference_row_check({arguments})"
        )


def per_statement(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _references in ROLLUP_REFERENCES:
        schema_editor.execute(f"DROP TRIGGER rollup_references_{_short(table)}_update ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER rollup_references_{_short(table)}_update AFTER UPDATE ON {table} "
            f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {_function(table)}()"
        )
    schema_editor.execute("DROP FUNCTION cxops_rollup_reference_row_check()")


class Migration(migrations.Migration):
    dependencies = [("cxops", "0031_rollup_tables_for_ingest")]

    operations = [migrations.RunPython(per_row_when_changed, per_statement, elidable=False)]
