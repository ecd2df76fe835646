"""A city's issue counts read from the index alone (issue 22).

`bench/dashboard.py` at 10,000,000 reports, with an import writing beside it, put a city's top
issues over 28 days at the top of the dashboard's p95 (78.4 ms, p50 8.3): the query sums `count`
over (region, day range, issue), and the index (region, day, issue) sent every row to the heap.
With `count` in the index, as the province's `issue_rollup_day_cover` already has it, the sum is
an index-only scan.  Reports' imports do not write this table; triage does, one cell per report
it links, and those increments now also update the index.

The province table's index (day, issue) goes: its unique constraint `issue_rollup_cell` is an
index on the same columns.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cxops", "0035_report_segment_links_for_ingest"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="issuedailyrollup",
            name="issue_rollup_day_issue",
        ),
        migrations.RemoveIndex(
            model_name="issuedailyregionrollup",
            name="issue_region_rollup_city",
        ),
        migrations.AddIndex(
            model_name="issuedailyregionrollup",
            index=models.Index(fields=["region", "day", "issue", "count"], name="issue_region_rollup_cover"),
        ),
    ]
