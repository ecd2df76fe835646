"""The report ↔ segment link table, reshaped for bulk ingest like the report table (0024/0027) and
the rollup tables (0031/0032) (issue 22).

An import of 1,000,000 hotline rows writes about 700,000 segment links in the same statements as
the reports.  Each link paid two per-row foreign-key checks at commit (`SELECT 1 ... FOR KEY SHARE`
on its report and on its segment: the first writes a lock into the report row the same statement
had just inserted) and an index on `experiencereport_id` alone, whose look-ups the unique
(experiencereport_id, segment_id) index already serves.  With both gone, `bench/ingest.py` at
1,000,000 rows measured the real import at 66.8 s against 76.1–86.1 s before.

PostgreSQL only (SQLite keeps its foreign keys and index; the model state is unchanged):

1. The single-column `experiencereport_id` index goes: a report's segments, and the deletion of
   its links, read the unique pair's leading column.
2. The two foreign keys become
   - `report_segment_references_insert`: a statement-level AFTER INSERT trigger that checks that
     every *distinct* report and segment id of the statement's new links exists (an anti-join
     each) and raises `foreign_key_violation` otherwise;
   - `report_segment_references_update`: a row trigger AFTER UPDATE OF the two columns, WHEN one
     of them changed (no writer ever does), with the same refusal;
   - `report_segment_protect_report` / `report_segment_protect_segment`: row triggers AFTER DELETE
     OR UPDATE OF id on the report and segment tables that take the link table in SHARE mode
     (waiting for every transaction writing links, holding new ones off until commit) and raise
     `foreign_key_violation` while a link still refers to the row — as the foreign keys (NO
     ACTION) did.  Django still deletes a report's or a segment's links first when the ORM deletes
     it; the link writers lock report, then links, and so does a report's deletion.

Proved by tests/cxops/test_report_segment_references.py; measured by bench/ingest.py.
"""

from django.db import migrations

LINK_TABLE = "cxops_experiencereport_segments"
REFERENCES = (
    ("experiencereport_id", "cxops_experiencereport"),
    ("segment_id", "cxops_segment"),
)


def _check_block(column: str, referenced: str) -> str:
    return f"""
    SELECT array_agg(missing.id ORDER BY missing.id) INTO absent
    FROM (SELECT DISTINCT {column} AS id FROM new_links) missing
    WHERE NOT EXISTS (SELECT 1 FROM {referenced} r WHERE r.id = missing.id);
    IF absent IS NOT NULL THEN
        RAISE foreign_key_violation USING
            MESSAGE = format(
                'insert on table "{LINK_TABLE}" violates its reference {column}: %s not present in table "{referenced}"',
                array_to_string(absent[1:20], ', ')),
            TABLE = '{LINK_TABLE}',
            CONSTRAINT = 'report_segment_{column.removesuffix("_id")}_reference';
    END IF;"""  # noqa: S608 — identifiers are the constants above


CHECK_FUNCTION = f"""
CREATE FUNCTION cxops_report_segment_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
-- The link table's references, checked once per statement: every distinct report and segment exists.
-- No lock: deleting a report or a segment takes the link table in SHARE mode (below).
DECLARE
    absent bigint[];
BEGIN
{"".join(_check_block(column, referenced) for column, referenced in REFERENCES)}
    RETURN NULL;
END
$$;
"""

ROW_CHECK_FUNCTION = f"""
CREATE FUNCTION cxops_report_segment_reference_row_check() RETURNS trigger LANGUAGE plpgsql AS $$
-- An updated link's references exist (fired only when one changed).
BEGIN
    IF NOT EXISTS (SELECT 1 FROM {REFERENCES[0][1]} WHERE id = NEW.{REFERENCES[0][0]})
        OR NOT EXISTS (SELECT 1 FROM {REFERENCES[1][1]} WHERE id = NEW.{REFERENCES[1][0]}) THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('update on table "{LINK_TABLE}" violates its references: report %s, segment %s',
                NEW.{REFERENCES[0][0]}, NEW.{REFERENCES[1][0]}),
            TABLE = '{LINK_TABLE}',
            CONSTRAINT = 'report_segment_reference';
    END IF;
    RETURN NULL;
END
$$;
"""  # noqa: S608 — identifiers are the constants above

PROTECT_FUNCTION = f"""
CREATE FUNCTION cxops_report_segment_protect() RETURNS trigger LANGUAGE plpgsql AS $$
-- A report or segment cannot go while a link refers to it (the ORM deletes the links first).
-- TG_ARGV[0]: the link table's column that refers to this table.
DECLARE
    referenced boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NULL;
    END IF;
    LOCK TABLE {LINK_TABLE} IN SHARE MODE;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM {LINK_TABLE} WHERE %I = $1)', TG_ARGV[0])
        INTO referenced USING OLD.id;
    IF referenced THEN
        RAISE foreign_key_violation USING
            MESSAGE = format(
                'update or delete on table "%s" violates the reference {LINK_TABLE}.%s: links still refer to id %s',
                TG_TABLE_NAME, TG_ARGV[0], OLD.id),
            TABLE = TG_TABLE_NAME,
            CONSTRAINT = 'report_segment_' || replace(TG_ARGV[0], '_id', '') || '_reference';
    END IF;
    RETURN NULL;
END
$$;
"""  # noqa: S608 — identifiers are the constants above


def _protect_trigger(column: str) -> str:
    return f"report_segment_protect_{column.removesuffix('_id').removeprefix('experience')}"


def _report_index(schema_editor) -> str:
    return schema_editor._create_index_name(LINK_TABLE, ["experiencereport_id"], suffix="")


def checks_per_statement(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [LINK_TABLE]
        )
        foreign_keys = [name for (name,) in cursor.fetchall()]
    for name in foreign_keys:
        schema_editor.execute(f'ALTER TABLE {LINK_TABLE} DROP CONSTRAINT "{name}"')
    schema_editor.execute(f'DROP INDEX IF EXISTS "{_report_index(schema_editor)}"')
    for function in (CHECK_FUNCTION, ROW_CHECK_FUNCTION, PROTECT_FUNCTION):
        schema_editor.execute(function, params=None)
    columns = [column for column, _referenced in REFERENCES]
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)
    schema_editor.execute(
        f"CREATE TRIGGER report_segment_references_insert AFTER INSERT ON {LINK_TABLE} "
        "REFERENCING NEW TABLE AS new_links FOR EACH STATEMENT "
        "EXECUTE FUNCTION cxops_report_segment_references_check()"
    )
    schema_editor.execute(
        f"CREATE TRIGGER report_segment_references_update AFTER UPDATE OF {', '.join(columns)} ON {LINK_TABLE} "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION cxops_report_segment_reference_row_check()"
    )
    for column, referenced in REFERENCES:
        schema_editor.execute(
            f"CREATE TRIGGER {_protect_trigger(column)} AFTER DELETE OR UPDATE OF id ON {referenced} "
            f"FOR EACH ROW EXECUTE FUNCTION cxops_report_segment_protect('{column}')"
        )


def checks_per_row(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, referenced in REFERENCES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {_protect_trigger(column)} ON {referenced}")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS report_segment_references_insert ON {LINK_TABLE}")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS report_segment_references_update ON {LINK_TABLE}")
    for function in ("references_check", "reference_row_check", "protect"):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS cxops_report_segment_{function}()")
    schema_editor.execute(
        f'CREATE INDEX "{_report_index(schema_editor)}" ON {LINK_TABLE} (experiencereport_id)'
    )
    for column, referenced in REFERENCES:
        schema_editor.execute(
            f"ALTER TABLE {LINK_TABLE} ADD CONSTRAINT {LINK_TABLE}_{column}_fk "
            f"FOREIGN KEY ({column}) REFERENCES {referenced} (id) DEFERRABLE INITIALLY DEFERRED"
        )


class Migration(migrations.Migration):
    dependencies = [("cxops", "0034_rollup_indexes_fillfactor")]

    operations = [migrations.RunPython(checks_per_statement, checks_per_row, elidable=False)]
