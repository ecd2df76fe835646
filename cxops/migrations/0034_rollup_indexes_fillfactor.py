"""The report rollup tables: three indexes no query needs go, and the two per-product tables leave
half of each page free (issue 22, after 0031).

Measured on a quiet host: the rollup statement of a 100,000-row import (`bench/ingest.py`'s file)
in five 20,000-row chunks, each committed, three rounds each:

- 2.52–2.79 s as 0031 left them; 2.52–2.56 s without the three indexes; 2.18–2.20 s with them gone
  and fillfactor 50 on the product rollup and the region rollup (2.00–2.02 s with it on all four).
- Each later chunk adds to cells earlier chunks created.  With half a page free nearly every
  increment finds room on its own page and is a HOT update (no new index entries); at 75 the pages
  fill after the second chunk and the updates go non-HOT.  These two tables take 26,000 cells per
  chunk each, the two totals 7,700.
- The totals keep 75: the overview and the city breakdown read a whole year of them, and at 50
  `bench/dashboard.py --quick`'s city breakdown over 365 days went from 12.0–13.4 to 15.7–17.8 ms
  at p50 (twice the heap pages to visit).
- The three indexes, each served by one that stays:
  - `report_dim_total_dim_day` (dimension, day): the overview reads a period through the cell key
    (day, dimension, value);
  - `report_dim_rollup_dim_day` (dimension, day, product): the hot spots read one dimension on a
    few days through the cell key (day, product, dimension, value);
  - `report_region_rollup_city` (region, dimension, day): no query reads one city's rows of this
    table without a product (a city's overview reads the region total); a region's rows, for its
    deletion check, are found through `report_region_rollup_prod` (region, product, ...).
"""

from django.db import migrations

TABLES = ("cxops_reportdailydimensionrollup", "cxops_reportdailyregionrollup")


def _fillfactor(schema_editor, value: int) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {value})")


def half_free(apps, schema_editor):
    _fillfactor(schema_editor, 50)


def quarter_free(apps, schema_editor):
    _fillfactor(schema_editor, 75)


class Migration(migrations.Migration):
    dependencies = [
        ("cxops", "0033_match_postings"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="reportdailydimensionrollup",
            name="report_dim_rollup_dim_day",
        ),
        migrations.RemoveIndex(
            model_name="reportdailydimensiontotal",
            name="report_dim_total_dim_day",
        ),
        migrations.RemoveIndex(
            model_name="reportdailyregionrollup",
            name="report_region_rollup_city",
        ),
        migrations.RunPython(half_free, quarter_free),
    ]
