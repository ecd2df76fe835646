"""The report table, reshaped for bulk ingest (issue 22), with the same integrity.

1. Dead indexes go: the `varchar_pattern_ops` copy of the customer-hash index (nothing searches a
   keyed hash by prefix; the plain btree stays, for a customer's data export and erasure) and the
   single-column indexes on product, issue and reporter, each the leading column of a composite
   index that serves the same lookups (`report_product_occurred`, `report_issue_occurred`,
   `report_reporter_created`).

2. PostgreSQL only: the six foreign keys of the report table (product, channel, region, reporter,
   triaged by, issue) are checked once per *statement* instead of once per *row*.  A foreign key
   runs, for every inserted row and every reference, a lookup that locks the referenced row
   (`SELECT 1 ... FOR KEY SHARE`); a 100,000-row import chunk made 300,000 of them for ten products,
   fifteen channels and one region.  In their place:

   - `report_references_insert` / `report_references_update`: statement-level AFTER triggers that
     read the statement's new rows (a transition table), lock each *distinct* referenced row once
     (`FOR KEY SHARE`, as the foreign key does row by row) and raise `foreign_key_violation` if any
     is missing.  Every writer goes through them (the import, the ORM, raw SQL).
   - `report_protect_<reference>`: row-level AFTER DELETE / UPDATE OF id triggers on the referenced
     tables that raise `foreign_key_violation` while a report still refers to the row.  Deleting a
     referenced row first waits for the lock a concurrent insert took, then checks with a fresh
     snapshot (READ COMMITTED, Django's default), so an insert and a delete cannot both commit.

   What a foreign key did that this does not: refuse `TRUNCATE` of a referenced table alone, and
   cross-check under REPEATABLE READ / SERIALIZABLE (the application uses neither for these
   tables).  Django's own checks (`on_delete=PROTECT` / `SET_NULL`) run first, as before; the
   triggers are the database's guarantee behind them (tests/cxops/test_report_references.py).
   SQLite keeps its foreign keys: it has no statement-level triggers, and ingest speed is measured
   on PostgreSQL.  The model state therefore still declares the constraints (true on SQLite); a
   later `AlterField` on these columns finds no constraint to drop on PostgreSQL and adds none.

3. PostgreSQL: the trigram search index (`report_summary_trgm`) keeps up to 256 MB of new entries
   in its pending list (the default is 4 MB), so an import no longer merges it into the index a few
   thousand rows at a time inside its chunks; the import merges it once at its end
   (`reports_search_index_merge`), autovacuum for single reports.

Measured by `bench/ingest.py` before and after (see its header for the yardsticks).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

REPORT_TABLE = "cxops_experiencereport"
SEARCH_INDEX = "report_summary_trgm"
PENDING_LIST_KB = 256 * 1024
# (column on the report table, referenced table, name of its protecting trigger)
REFERENCES = (
    ("product_id", "cxops_product", "report_protect_product"),
    ("channel_id", "cxops_channel", "report_protect_channel"),
    ("region_id", "cxops_region", "report_protect_region"),
    ("reporter_id", "auth_user", "report_protect_reporter"),
    ("triaged_by_id", "auth_user", "report_protect_triaged_by"),
    ("issue_id", "cxops_experienceissue", "report_protect_issue"),
)


def _check_block(column: str, table: str) -> str:
    return f"""
    SELECT array_agg(DISTINCT {column}) FILTER (WHERE {column} IS NOT NULL) INTO wanted FROM new_reports;
    IF wanted IS NOT NULL THEN
        PERFORM 1 FROM {table} referenced WHERE referenced.id = ANY (wanted) FOR KEY SHARE OF referenced;
        GET DIAGNOSTICS locked = ROW_COUNT;
        IF locked < cardinality(wanted) THEN
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


CHECK_FUNCTION = f"""
CREATE FUNCTION cxops_report_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
-- The report table's foreign keys, checked once per statement: each distinct referenced row is
-- locked FOR KEY SHARE (so it cannot be deleted before this transaction ends) and counted.
DECLARE
    wanted bigint[];
    locked bigint;
BEGIN
{"".join(_check_block(column, table) for column, table, _trigger in REFERENCES)}
    RETURN NULL;
END
$$;
CREATE TRIGGER report_references_insert AFTER INSERT ON {REPORT_TABLE}
    REFERENCING NEW TABLE AS new_reports FOR EACH STATEMENT EXECUTE FUNCTION cxops_report_references_check();
CREATE TRIGGER report_references_update AFTER UPDATE ON {REPORT_TABLE}
    REFERENCING NEW TABLE AS new_reports FOR EACH STATEMENT EXECUTE FUNCTION cxops_report_references_check();
"""

PROTECT_FUNCTION = f"""
CREATE FUNCTION cxops_report_reference_protect() RETURNS trigger LANGUAGE plpgsql AS $$
-- A referenced row (product, channel, region, user, issue) cannot go while a report refers to it.
-- TG_ARGV[0]: the report table's column that refers to this table.
DECLARE
    referenced boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM {REPORT_TABLE} WHERE %I = $1)', TG_ARGV[0])
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
PROTECT_FUNCTION += "".join(
    f"CREATE TRIGGER {trigger} AFTER DELETE OR UPDATE OF id ON {table} FOR EACH ROW "
    f"EXECUTE FUNCTION cxops_report_reference_protect('{column}');\n"
    for column, table, trigger in REFERENCES
)  # noqa: S608


def checks_per_statement(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [REPORT_TABLE],
        )
        for (name,) in cursor.fetchall():
            schema_editor.execute(f'ALTER TABLE {REPORT_TABLE} DROP CONSTRAINT "{name}"')
    schema_editor.execute(CHECK_FUNCTION, params=None)
    schema_editor.execute(PROTECT_FUNCTION, params=None)
    schema_editor.execute(f"ALTER INDEX IF EXISTS {SEARCH_INDEX} SET (gin_pending_list_limit = {PENDING_LIST_KB})")


def checks_per_row(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX IF EXISTS {SEARCH_INDEX} RESET (gin_pending_list_limit)")
    for _column, table, trigger in REFERENCES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS report_references_insert ON {REPORT_TABLE}")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS report_references_update ON {REPORT_TABLE}")
    schema_editor.execute("DROP FUNCTION IF EXISTS cxops_report_references_check()")
    schema_editor.execute("DROP FUNCTION IF EXISTS cxops_report_reference_protect()")
    for column, table, _trigger in REFERENCES:
        schema_editor.execute(
            f"ALTER TABLE {REPORT_TABLE} ADD CONSTRAINT {REPORT_TABLE}_{column}_fk "
            f"FOREIGN KEY ({column}) REFERENCES {table} (id) DEFERRABLE INITIALLY DEFERRED"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cxops", "0023_notification_kind_vote_label"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="experiencereport",
            name="customer_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="experiencereport",
            name="issue",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="reports",
                to="cxops.experienceissue",
                verbose_name="experience issue",
            ),
        ),
        migrations.AlterField(
            model_name="experiencereport",
            name="product",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reports",
                to="cxops.product",
                verbose_name="product",
            ),
        ),
        migrations.AlterField(
            model_name="experiencereport",
            name="reporter",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="experience_reports",
                to=settings.AUTH_USER_MODEL,
                verbose_name="reporter",
            ),
        ),
        migrations.AddIndex(
            model_name="experiencereport",
            index=models.Index(fields=["customer_hash"], name="report_customer_hash"),
        ),
        migrations.RunPython(checks_per_statement, checks_per_row, elidable=False),
    ]
