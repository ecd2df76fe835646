"""Trigram GIN indexes so `LIKE '%飞信申请%'` on report summaries and issue titles uses an index.

PostgreSQL only (pg_trgm); on SQLite this migration does nothing.  The indexes cost ingest time —
`bench/ingest.py` measures the import with them in place.
"""

from django.db import migrations

INDEXES = [
    ("report_summary_trgm", "cxops_experiencereport", "summary"),
    ("issue_title_trgm", "cxops_experienceissue", "title"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cxops", "0006_import_jobs")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
