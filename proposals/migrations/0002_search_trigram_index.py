"""On PostgreSQL, a trigram GIN index serves the pool search's substring test (Chinese has no
word boundaries, so every query term is a LIKE '%term%').  Other databases scan instead."""

from django.db import migrations

INDEX = "proposals_strategy_search_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON proposals_strategy USING gin (search_document gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
