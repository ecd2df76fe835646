#!/usr/bin/env python
"""Report export: peak Python memory of the streamed CSV over 1,000,000 reports, beside the old way.

    DATABASE_URL=postgres://... python bench/export_memory.py               # 1,000,000 reports
    DATABASE_URL=postgres://... python bench/export_memory.py --rows 200000

Database: `<DATABASE name>_export_bench` on PostgreSQL (created and dropped; SQLite works for a
smoke run).  Loading: one report made through the ORM, copied N times inside the database
(INSERT ... SELECT FROM generate_series; trigram indexes dropped first, this database is thrown
away).

Measured with tracemalloc (Python allocations; the database driver's C buffers are not counted)
while an analyst's export is consumed chunk by chunk exactly as Django streams it to the client
(`cxops.selectors.exports` + `cxops.exports.csv_stream`: values_list rows from a server-side cursor
in chunks of 2,000 on PostgreSQL).  Baseline: the same rows written the way the small dashboard
exports are (`csv_text` over the list of rows, the whole document in memory), at `--baseline-rows`
(100,000 by default: at 1M it is simply proportional).  Prints `streamed_peak_mib=`,
`streamed_rows=`, `streamed_seconds=`, `baseline_peak_mib=`, `baseline_rows=`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxops.settings")

from bench.common import bench_database  # noqa: E402  (after the path is set)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=100_000)
    args = parser.parse_args()

    import django

    django.setup()
    with bench_database("export_bench", keepdb=False) as is_postgres:
        return run(args.rows, args.baseline_rows, is_postgres)


def load(rows: int, is_postgres: bool) -> object:
    from django.contrib.auth.models import Group
    from django.contrib.auth.models import User
    from django.db import connection
    from django.utils import timezone

    from cxops.models import Channel
    from cxops.models import ExperienceReport
    from cxops.models import Product

    analyst = User.objects.create(username="bench-analyst")
    analyst.groups.add(Group.objects.get_or_create(name="analyst")[0])
    product = Product.objects.create(code="bench-product", name_zh="飞信", name_en="Fetion")
    channel = Channel.objects.create(code="bench-channel", name_zh="10086热线", name_en="10086 hotline")
    template = ExperienceReport.objects.create(
        source_type="complaint",
        product=product,
        channel=channel,
        layer="functional",
        stage="use",
        summary="客户反映飞信无法登录，已重启手机仍提示系统忙，要求尽快处理",
        occurred_at=timezone.now(),
        reporter=analyst,
        source_system="bench",
        external_id="template",
    )
    table = ExperienceReport._meta.db_table
    with connection.cursor() as cursor:
        if is_postgres:
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND is_generated = 'NEVER' AND column_name <> 'id' ORDER BY ordinal_position",
                [table],
            )
            columns = [name for (name,) in cursor.fetchall()]
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef ILIKE '%%gin%%'", [table]
            )
            for (index,) in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{index}"')
            chosen = [
                "'bench-' || g"
                if name == "external_id"
                else f"t.{name} || ' ' || g"
                if name == "summary"
                else f"t.{name}"
                for name in columns
            ]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (names from the catalogue)
                f"SELECT {', '.join(chosen)} FROM {table} t, generate_series(1, %s) g WHERE t.id = %s",
                [rows - 1, template.pk],
            )
        else:
            batch = []
            for n in range(rows - 1):
                template.pk = None
                template.external_id = f"bench-{n}"
                batch.append(
                    ExperienceReport(
                        **{
                            f.attname: getattr(template, f.attname)
                            for f in ExperienceReport._meta.concrete_fields
                        }
                    )
                )
                if len(batch) == 5000:
                    ExperienceReport.objects.bulk_create(batch)
                    batch = []
            ExperienceReport.objects.bulk_create(batch)
    return analyst


def run(rows: int, baseline_rows: int, is_postgres: bool) -> int:
    from django.db import transaction

    from cxops.exports import csv_stream
    from cxops.exports import csv_text
    from cxops.models import ExperienceReport
    from cxops.selectors.exports import export_dataset

    started = time.perf_counter()
    analyst = load(rows, is_postgres)
    print(
        f"# loaded {ExperienceReport.objects.count():,} reports in {time.perf_counter() - started:.1f} s",
        flush=True,
    )

    dataset = export_dataset("reports")
    with transaction.atomic():  # a server-side cursor lives in a transaction on PostgreSQL
        header, stream_rows, _queryset = dataset.build(analyst, {})
        tracemalloc.start()
        started = time.perf_counter()
        written = lines = 0
        for chunk in csv_stream(header, stream_rows):
            written += len(chunk)
            lines += chunk.count(b"\r\n")
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"streamed_rows={lines - 1} streamed_bytes={written} streamed_seconds={seconds:.1f}")
    print(f"streamed_peak_mib={peak / 2**20:.1f}")

    header, baseline_source, _queryset = dataset.build(analyst, {})
    tracemalloc.start()
    listed = []
    for row in baseline_source:
        listed.append(row)
        if len(listed) >= baseline_rows:
            break
    document = csv_text(header, listed)
    _current, baseline_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"baseline_rows={len(listed)} baseline_bytes={len(document.encode())} baseline_peak_mib={baseline_peak / 2**20:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
