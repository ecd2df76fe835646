#!/usr/bin/env python
"""Dashboard: server time of every dashboard query at 10,000,000 reports, next to a fair raw baseline,
while an import runs beside it.

    DATABASE_URL=postgres://... python bench/dashboard.py            # 10,000,000 reports
    DATABASE_URL=postgres://... python bench/dashboard.py --quick    # 300,000 reports
    python bench/dashboard.py --rows 2000000 --keepdb               # reuse a loaded database

Database: `<DATABASE name>_dashboard_bench` on PostgreSQL (created, and dropped unless --keepdb; it
drops nothing else); SQLite works for a smoke run but the target (p95 <= 100 ms at 10M) is about
PostgreSQL.

Loading: generated reports (two years, ten products, fifteen channels, 21 cities, weekday pattern,
Chinese summaries).  The first `--import-rows` (200,000; 50,000 with --quick) go through the
import's writer in chunks of 100,000 — `reports_bulk_insert`, what an import chunk calls: COPY into
a staging table, the per-chunk reference check, INSERT ... ON CONFLICT into the report table with
all its indexes and triggers, segments and rollup deltas in the same statement (CSV decoding and row
parsing are skipped; bench/ingest.py measures those).  On this shared 2-core machine that path runs
at a few thousand rows a second, which would make 10M a multi-hour load, so the rest is generated
inside PostgreSQL (INSERT ... SELECT FROM generate_series, secondary indexes rebuilt after).  The
bench prints exactly how many went each way: `reports_through_import_writer=` and
`reports_generated_in_database=`.  Then the rollups are rebuilt from scratch (`rollups_rebuild`)
and verified against the raw table.  Metric data: the demo's two years for ten products.

Measured, while a real import (`import_job_run` of a generated hotline CSV, in its own process,
over and over under new source systems) writes beside it (`import_beside=`, and how many rows it
added during the measurements):
  dashboard   each query through the selector the pages and API call (`cxops.selectors.dashboard`),
              30 times with varying periods, products and cities; p50 and p95 of the 30.
  raw         the yardstick: the same numbers computed from the report table itself, as a competent
              analyst would with no rollups — with the indexes such an analyst adds for these queries
              (a covering index on occurred_at with every grouped column INCLUDEd, so the time range
              is an index-only scan, and one on (product, occurred_at) for a product's figures;
              built and VACUUM ANALYZEd before timing), one GROUPING SETS query for the four
              overview breakdowns instead of four queries, and 20 timed runs each (p50 and p95 of
              the 20, not a maximum of five).  Fair because both sides answer the same question
              from the same database state in the same minutes; the rollups win only by what they
              precompute.
The machine is shared (other engineers' tests on the same 2 cores): absolute figures are from a
loaded machine and move between runs.
Ends with `<query>_p50_ms=`, `<query>_p95_ms=` for both sides, `dashboard_worst_p95_ms=`,
`target_met=`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bench_database  # noqa: E402
from bench.common import timed  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxops.settings")

CHUNK = 100_000
ISSUES = 2_000
DAYS = 730
REPEAT = 30
RAW_REPEAT = 20
WEEKDAY = [1.25, 1.1, 1.05, 1.0, 0.95, 0.85, 0.8]
SUMMARIES = [
    "客户反映{p}申请失败，提示系统忙",
    "客户来电咨询{p}如何开通",
    "客户找不到{p}的办理入口",
    "客户投诉{p}扣费不清楚",
    "客户建议{p}增加余量提醒",
    "客户不知道有{p}这项业务",
]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="300,000 reports")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument(
        "--import-rows",
        type=int,
        default=None,
        help="how many go through the import's writer (PostgreSQL; default 200,000, 100,000 with --quick)",
    )
    parser.add_argument("--beside", help=argparse.SUPPRESS)  # internal: the import run beside the queries
    parser.add_argument("--keepdb", action="store_true", help="keep the database; reuse it if already loaded")
    args = parser.parse_args()
    rows = args.rows or (300_000 if args.quick else 10_000_000)
    import_rows = args.import_rows or (50_000 if args.quick else 200_000)
    if args.beside:
        return import_beside(Path(args.beside))

    import django

    django.setup()

    try:
        with bench_database("dashboard_bench", keepdb=args.keepdb) as is_postgres:
            return run(rows, import_rows, is_postgres, quick=args.quick)
    finally:
        stop_import_beside()


def _records(rng: random.Random, n: int, first: int, context: dict) -> list:
    """Generated report records for the import's writer (same distributions as the SQL below)."""
    from cxops.services.imports.reports import ReportRecord

    zone = ZoneInfo("Asia/Shanghai")
    start = context["start"]
    records = []
    for i in range(n):
        product_id, product_name = rng.choice(context["product_pool"])
        day = start + dt.timedelta(days=rng.choice(context["day_pool"]))
        records.append(
            ReportRecord(
                source_type=rng.choice(context["source_pool"]),
                product_id=product_id,
                channel_id=rng.choice(context["channel_pool"]),
                layer=rng.choice(context["layer_pool"]),
                stage=rng.choice(context["stage_pool"]),
                summary=SUMMARIES[i % len(SUMMARIES)].format(p=product_name),
                detail="",
                occurred_at=dt.datetime(day.year, day.month, day.day, 8 + i % 14, i % 60, tzinfo=zone),
                severity=2,
                customer_masked="",
                customer_hash="",
                external_id=f"B{first + i:09d}",
                segment_ids="",
                region_id=rng.choice(context["region_pool"]),
            )
        )
    return records


def _pools(rng: random.Random, end: dt.date) -> dict:
    """Weighted pools (sampled uniformly = the weights): products, channels, days, codes."""
    from cxops.models import Channel
    from cxops.models import Product
    from cxops.models import Region
    from cxops.reference_seed import CITY_WEIGHTS

    products = list(Product.objects.values_list("pk", "name_zh"))
    cities = dict(Region.objects.filter(code__in=CITY_WEIGHTS).values_list("code", "pk"))
    channels = list(Channel.objects.values_list("pk", flat=True))
    start = end - dt.timedelta(days=DAYS - 1)
    day_weights = [
        WEEKDAY[(start + dt.timedelta(days=i)).weekday()] * (0.7 + 0.6 * i / DAYS) for i in range(DAYS)
    ]
    return {
        "start": start,
        "product_pool": rng.choices(products, [rng.uniform(0.3, 3.0) for _ in products], k=1000),
        "channel_pool": rng.choices(
            channels, [6.0, 3.0, 2.0, *[rng.uniform(0.2, 1.0) for _ in channels[3:]]], k=1000
        ),
        "day_pool": rng.choices(range(DAYS), day_weights, k=10_000),
        # the 21 cities by their traffic (Guangzhou, Shenzhen and Dongguan the largest)
        "region_pool": rng.choices(
            [cities[code] for code in CITY_WEIGHTS], list(CITY_WEIGHTS.values()), k=1000
        ),
        "source_pool": rng.choices(
            ["complaint", "consultation", "suggestion", "observation", "survey"], [4, 5, 1, 1, 0.5], k=100
        ),
        "layer_pool": rng.choices(["functional", "convenience", "emotional"], [5, 3, 1], k=100),
        "stage_pool": rng.choices(
            ["awareness", "knowledge", "inclination", "use", "repeat_use"], [1, 2, 1, 4, 2], k=100
        ),
    }


def load(rows: int, end: dt.date, import_rows: int, is_postgres: bool) -> None:
    """The first `import_rows` through the import's writer; the rest generated inside PostgreSQL."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db import transaction

    from cxops.models import ExperienceIssue
    from cxops.models import ExperienceReport
    from cxops.services.imports.reports import reports_bulk_insert

    rng = random.Random(11)
    context = _pools(rng, end)
    user, _ = get_user_model().objects.get_or_create(username="bench")
    ExperienceIssue.objects.bulk_create(
        [
            ExperienceIssue(
                title=f"体验问题{k}",
                product_id=context["product_pool"][k % 1000][0],
                layer="functional",
                created_by=user,
            )
            for k in range(ISSUES)
        ]
    )
    first_issue = ExperienceIssue.objects.order_by("pk").values_list("pk", flat=True).first()
    through_import = rows if not is_postgres else min(rows, import_rows)
    written = 0
    started = time.perf_counter()
    while written < through_import:
        n = min(CHUNK, through_import - written)
        records = _records(rng, n, written, context)
        with transaction.atomic():  # the writer works in its caller's transaction, as in an import chunk
            inserted = reports_bulk_insert(records=records, source_system="bench")
        if inserted != n:
            raise SystemExit(f"the writer inserted {inserted} of {n} records")
        written += n
        print(
            f"# through the import writer: {written:,} reports ({written / (time.perf_counter() - started):,.0f}/s)",
            flush=True,
        )
    table = ExperienceReport._meta.db_table
    if written < rows:
        _load_in_database(table, rows, written, context, first_issue)
    # The writer's reports: a third of them also belong to an issue.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = 'linked', "  # noqa: S608 — identifiers are ours
            f"issue_id = %s + ((id * 7919) %% {ISSUES}) * ((id * 104729) %% {ISSUES}) / {ISSUES} "
            "WHERE id %% 3 = 0 AND source_system = 'bench' AND external_id LIKE 'B%%'",
            [first_issue],
        )


def _load_in_database(table: str, rows: int, first: int, context: dict, first_issue: int) -> None:
    """INSERT ... SELECT from generate_series in chunks of a million, the secondary indexes (not the
    constraints) set aside meanwhile and rebuilt after — standard bulk-load practice.  A third of the
    rows belong to an issue (skewed: low issue numbers are the big ones)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [table],
        )
        secondary = cursor.fetchall()
        for name, _definition in secondary:
            cursor.execute(f'DROP INDEX "{name}"')
        products = [p for p, _name in context["product_pool"]]
        names = [name for _p, name in context["product_pool"]]
        started = time.perf_counter()
        done = first
        while done < rows:
            n = min(1_000_000, rows - done)
            cursor.execute(
                f"""
                INSERT INTO {table} (source_type, product_id, channel_id, layer, stage, summary, detail,
                    occurred_at, severity, customer_masked, customer_hash, source_system, external_id, status,
                    issue_id, dismiss_reason, created_at, updated_at, region_id)
                SELECT (%(sources)s::text[])[1 + (g * 31) %% 100], pick.product_id,
                    (%(channels)s::bigint[])[1 + (g * 17) %% 1000], (%(layers)s::text[])[1 + (g * 13) %% 100],
                    (%(stages)s::text[])[1 + (g * 7) %% 100],
                    (%(prefixes)s::text[])[1 + g %% {len(SUMMARIES)}] || pick.name
                        || (%(suffixes)s::text[])[1 + g %% {len(SUMMARIES)}], '',
                    (%(start)s::date + (%(days)s::int[])[1 + floor(random() * 10000)::int])::timestamp
                        AT TIME ZONE 'Asia/Shanghai' + make_interval(hours => (8 + g %% 14)::int, mins => (g %% 60)::int),
                    2, '', '', 'bench', 'S' || g, CASE WHEN g %% 3 = 0 THEN 'linked' ELSE 'new' END,
                    CASE WHEN g %% 3 = 0
                        THEN %(first_issue)s + ((g * 7919) %% {ISSUES}) * ((g * 104729) %% {ISSUES}) / {ISSUES} END,
                    '', now(), now(), (%(regions)s::bigint[])[1 + (g * 23) %% 1000]
                FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
                CROSS JOIN LATERAL (
                    SELECT (%(products)s::bigint[])[k] AS product_id, (%(names)s::text[])[k] AS name
                    FROM (SELECT 1 + floor(random() * 1000)::int + 0 * g AS k) AS r
                ) AS pick
                """,  # noqa: S608 — identifiers and sizes are ours, values are parameters
                {
                    "sources": context["source_pool"],
                    "channels": context["channel_pool"],
                    "layers": context["layer_pool"],
                    "stages": context["stage_pool"],
                    "prefixes": [t.split("{p}")[0] for t in SUMMARIES],
                    "suffixes": [t.split("{p}")[1] for t in SUMMARIES],
                    "start": context["start"],
                    "days": context["day_pool"],
                    "first": done,
                    "last": done + n - 1,
                    "products": products,
                    "names": names,
                    "first_issue": first_issue,
                    "regions": context["region_pool"],
                },
            )
            done += n
            print(
                f"# generated in the database: {done:,} reports ({(done - first) / (time.perf_counter() - started):,.0f}/s)",
                flush=True,
            )
        for name, definition in secondary:
            started = time.perf_counter()
            cursor.execute(definition)
            print(f"# rebuilt index {name}: {time.perf_counter() - started:.0f} s", flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure(name: str, fn, repeat: int, results: dict[str, tuple[float, float]]) -> None:  # noqa: ANN001
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - started) * 1000)
    results[name] = (statistics.median(times), percentile(times, 0.95))
    print(
        f"# {name}: p50 {results[name][0]:.1f} ms, p95 {results[name][1]:.1f} ms ({repeat} runs)", flush=True
    )


ANALYST_INDEXES = (
    # a time range of the whole table, every grouped column INCLUDEd: an index-only scan
    "CREATE INDEX IF NOT EXISTS bench_raw_occurred_cover ON {t} (occurred_at) "
    "INCLUDE (status, source_type, layer, stage, channel_id, issue_id, product_id, region_id)",
    # one product's figures over a period
    "CREATE INDEX IF NOT EXISTS bench_raw_product_cover ON {t} (product_id, occurred_at) INCLUDE (status, layer)",
)


def analyst_indexes() -> None:
    """The indexes a competent analyst adds for the raw queries below (PostgreSQL), then VACUUM
    ANALYZE so the planner knows them and the visibility map allows index-only scans."""
    from django.db import connection

    from cxops.models import ExperienceReport

    table = ExperienceReport._meta.db_table
    with connection.cursor() as cursor:
        for statement in ANALYST_INDEXES:
            started = time.perf_counter()
            cursor.execute(statement.format(t=table))
            print(f"# analyst index: {time.perf_counter() - started:.1f} s: {statement[:90]}", flush=True)
        cursor.execute(f"VACUUM ANALYZE {table}")


def raw_queries(end: dt.date):  # noqa: ANN201 — the same numbers from the report table
    """Each dashboard number computed from the report table in one SQL statement (dismissed reports
    excluded, days in the site's time zone)."""
    from django.db import connection
    from django.utils import timezone

    from cxops.models import ExperienceReport

    table = ExperienceReport._meta.db_table
    zone = timezone.get_current_timezone()
    is_postgres = connection.vendor == "postgresql"
    local_day = (
        f"(occurred_at AT TIME ZONE '{timezone.get_current_timezone_name()}')::date"
        if is_postgres
        else "date(occurred_at, '+8 hours')"
    )

    def bounds(start: dt.date, stop: dt.date) -> list:
        return [
            dt.datetime.combine(start, dt.time(), tzinfo=zone),
            dt.datetime.combine(stop + dt.timedelta(days=1), dt.time(), tzinfo=zone),
        ]

    def fetch(sql: str, params: list) -> list:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    where = "status <> 'dismissed' AND occurred_at >= %s AND occurred_at < %s"

    def volumes(start: dt.date, stop: dt.date) -> list:
        if not is_postgres:  # SQLite has no GROUPING SETS
            return [
                fetch(f"SELECT {c}, count(*) FROM {table} WHERE {where} GROUP BY {c}", bounds(start, stop))  # noqa: S608
                for c in ("source_type", "layer", "stage", "channel_id")
            ]
        return fetch(
            f"SELECT source_type, layer, stage, channel_id, count(*) FROM {table} WHERE {where} "  # noqa: S608
            "GROUP BY GROUPING SETS ((source_type), (layer), (stage), (channel_id))",
            bounds(start, stop),
        )

    def daily(start: dt.date, stop: dt.date) -> list:
        return fetch(
            f"SELECT {local_day}, source_type, count(*) FROM {table} WHERE {where} GROUP BY 1, 2",  # noqa: S608
            bounds(start, stop),
        )

    def top_issues(start: dt.date, stop: dt.date) -> list:
        return fetch(
            f"SELECT issue_id, count(*) AS n FROM {table} WHERE {where} AND issue_id IS NOT NULL "  # noqa: S608
            "GROUP BY issue_id ORDER BY n DESC LIMIT 10",
            bounds(start, stop),
        )

    def rising(stop: dt.date) -> list:
        recent = stop - dt.timedelta(days=6)
        recent_start = dt.datetime.combine(recent, dt.time(), tzinfo=zone)
        return fetch(
            f"SELECT issue_id, sum(CASE WHEN occurred_at >= %s THEN 1 ELSE 0 END), "  # noqa: S608
            f"sum(CASE WHEN occurred_at < %s THEN 1 ELSE 0 END) FROM {table} "
            f"WHERE {where} AND issue_id IS NOT NULL GROUP BY issue_id",
            [recent_start, recent_start, *bounds(recent - dt.timedelta(days=28), stop)],
        )

    def product_layers(product_id: int, start: dt.date, stop: dt.date) -> list:
        return fetch(
            f"SELECT {local_day}, layer, count(*) FROM {table} WHERE product_id = %s AND {where} "  # noqa: S608
            "GROUP BY 1, 2",
            [product_id, *bounds(start, stop)],
        )

    def city_breakdown(start: dt.date, stop: dt.date) -> list:
        return fetch(
            f"SELECT region_id, count(*), sum(CASE WHEN source_type = 'complaint' THEN 1 ELSE 0 END) "  # noqa: S608
            f"FROM {table} WHERE {where} GROUP BY region_id",
            bounds(start, stop),
        )

    return volumes, daily, top_issues, rising, product_layers, city_breakdown


def import_beside(csv_path: Path) -> int:
    """The import run beside the measured queries, in its own process: the same file imported again
    and again under new source systems (so every run inserts), until the bench stops it."""
    import django

    django.setup()
    from cxops.services.imports.core import import_job_create
    from cxops.services.imports.core import import_job_run
    from cxops.services.imports.core import import_job_start

    run = 0
    while True:
        run += 1
        job = import_job_create(
            actor=None,
            kind="reports",
            source_system=f"beside-{run}",
            original_name=csv_path.name,
            source_path=str(csv_path),
        )
        import_job_start(actor=None, job=job, enqueue=False)
        import_job_run(job_id=job.pk)


def start_import_beside(rows: int) -> subprocess.Popen:
    """Generate a hotline CSV (bench/ingest.py's generator) and start `import_beside` on it, against
    this bench's database."""
    import tempfile

    from django.db import connection

    from bench.ingest import generate

    path = Path(tempfile.mkdtemp(prefix="cxops-dashboard-")) / "beside.csv"
    generate(path, rows, seed=13)
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    url = (
        f"postgres://{settings['USER']}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
        f"/{settings['NAME']}"
    )
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(ROOT))
    env.pop("CELERY_BROKER_URL", None)
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--beside", str(path)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    BESIDE.append(process)
    return process


BESIDE: list[subprocess.Popen] = []


def stop_import_beside() -> None:
    while BESIDE:
        process = BESIDE.pop()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def load_metrics() -> None:
    """The demo's two years of daily metrics for the ten products (without the demo's other steps)."""
    from django.utils import timezone

    from cxops import demo_metrics
    from cxops.models import Channel
    from cxops.models import Product
    from cxops.models import Segment
    from cxops.services.metrics import metric_records_apply

    ids = {
        "products": dict(Product.objects.values_list("code", "id")),
        "channels": dict(Channel.objects.values_list("code", "id")),
        "segments": dict(Segment.objects.values_list("code", "id")),
    }
    end = timezone.localdate() - dt.timedelta(days=1)
    for code in demo_metrics.PLANS:
        metric_records_apply(actor=None, records=demo_metrics.product_records(code, ids, end))
        launched_on = demo_metrics.launch_date(code, end)
        if launched_on:
            Product.objects.filter(code=code).update(launched_on=launched_on)


def run(rows: int, import_rows: int, is_postgres: bool, *, quick: bool) -> int:
    from django.db import connection
    from django.utils import timezone

    from cxops.models import ExperienceReport
    from cxops.models import Product
    from cxops.selectors import dashboard as selectors
    from cxops.selectors.dashboard import Period
    from cxops.services.reference import reference_data_seed
    from cxops.services.rollups import rollups_rebuild
    from cxops.services.rollups import rollups_verify

    print(f"database={connection.vendor}")
    print("machine=shared 2-core host (other engineers' runs may compete); figures are indicative")
    reference_data_seed()
    end = timezone.localdate()
    existing = ExperienceReport.objects.count()
    if existing >= rows:
        print(f"# reusing {existing:,} reports already loaded")
    else:
        if existing:
            raise SystemExit(f"the kept database holds {existing:,} reports, fewer than asked; drop it first")
        timed(f"load {rows:,} reports", lambda: load(rows, end, import_rows, is_postgres))
        timed("rebuild rollups from scratch", rollups_rebuild)
        timed("load demo metric data", load_metrics)
        if is_postgres:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        problems = timed("verify rollups against the raw table", rollups_verify)
        print(f"rollups_verify_problems={len(problems)}")
    total = ExperienceReport.objects.count()
    through_writer = ExperienceReport.objects.filter(
        source_system="bench", external_id__startswith="B"
    ).count()
    generated = ExperienceReport.objects.filter(source_system="bench", external_id__startswith="S").count()
    print(f"reports={total}")
    print(f"reports_through_import_writer={through_writer}")
    print(f"reports_generated_in_database={generated}")
    beside = None
    if is_postgres:
        beside = start_import_beside(20_000 if quick else 200_000)
        while not ExperienceReport.objects.filter(source_system__startswith="beside-").exists():
            if beside.poll() is not None:
                raise SystemExit("the import beside the queries failed to start")
            time.sleep(0.5)
    beside_before = ExperienceReport.objects.filter(source_system__startswith="beside-").count()
    print(f"import_beside={'running' if beside else 'none (SQLite)'}", flush=True)
    products = list(Product.objects.all())
    rng = random.Random(3)

    def period(days: int, i: int) -> Period:
        stop = end - dt.timedelta(days=(i * 11) % 60)
        return Period(stop - dt.timedelta(days=days - 1), stop)

    # Regions (issue 17): a city's overview and issues, and the province broken down by city.
    from cxops.models import Region

    cities = list(Region.objects.filter(parent__isnull=False).values_list("pk", flat=True))

    def city(i: int) -> int:
        return cities[i % len(cities)]

    def product(i: int):  # noqa: ANN202
        return products[i % len(products)]

    cases = {
        "overview_volumes_28d": lambda i: selectors.dashboard_volumes(period=period(28, i)),
        "overview_volumes_365d": lambda i: selectors.dashboard_volumes(period=period(365, i)),
        "daily_by_source_28d": lambda i: selectors.dashboard_daily_volumes(period=period(28, i)),
        "daily_by_source_365d": lambda i: selectors.dashboard_daily_volumes(period=period(365, i)),
        "top_issues_28d": lambda i: selectors.dashboard_top_issues(period=period(28, i)),
        "rising_issues": lambda i: selectors.dashboard_rising_issues(end=period(1, i).end),
        "product_layers_365d": lambda i: selectors.product_layer_volumes(
            product=product(i), period=period(365, i)
        ),
        "city_volumes_28d": lambda i: selectors.dashboard_volumes(period=period(28, i), region_id=city(i)),
        "city_volumes_365d": lambda i: selectors.dashboard_volumes(period=period(365, i), region_id=city(i)),
        "city_daily_by_source_365d": lambda i: selectors.dashboard_daily_volumes(
            period=period(365, i), region_id=city(i)
        ),
        "city_top_issues_28d": lambda i: selectors.dashboard_top_issues(
            period=period(28, i), region_id=city(i)
        ),
        "city_rising_issues": lambda i: selectors.dashboard_rising_issues(
            end=period(1, i).end, region_id=city(i)
        ),
        "city_product_layers_365d": lambda i: selectors.product_layer_volumes(
            product=product(i), period=period(365, i), region_id=city(i)
        ),
        "city_breakdown_28d": lambda i: selectors.dashboard_city_ranking(period=period(28, i)),
        "city_breakdown_365d": lambda i: selectors.dashboard_city_ranking(period=period(365, i)),
        "product_ranking_28d": lambda i: selectors.dashboard_product_ranking(period=period(28, i)),
        "product_funnel": lambda i: selectors.product_funnel(product=product(i), period=period(365, i)),
        "product_curves": lambda i: selectors.product_curves(
            product=product(i), end=end, event=end - dt.timedelta(days=rng.randint(60, 600))
        ),
    }
    results: dict[str, tuple[float, float]] = {}
    for name, fn in cases.items():
        measure(name, fn, REPEAT, results)
    if is_postgres:
        timed("analyst indexes for the raw queries", analyst_indexes)
    volumes, daily, top_issues, rising, product_layers, city_breakdown = raw_queries(end)
    raw: dict[str, tuple[float, float]] = {}
    for days in (28, 365):
        measure(
            f"raw_overview_volumes_{days}d",
            lambda i, days=days: volumes(period(days, i).start, period(days, i).end),
            RAW_REPEAT,
            raw,
        )
        measure(
            f"raw_daily_by_source_{days}d",
            lambda i, days=days: daily(period(days, i).start, period(days, i).end),
            RAW_REPEAT,
            raw,
        )
        measure(
            f"raw_city_breakdown_{days}d",
            lambda i, days=days: city_breakdown(period(days, i).start, period(days, i).end),
            RAW_REPEAT,
            raw,
        )
    measure(
        "raw_top_issues_28d", lambda i: top_issues(period(28, i).start, period(28, i).end), RAW_REPEAT, raw
    )
    measure("raw_rising_issues", lambda i: rising(period(1, i).end), RAW_REPEAT, raw)
    measure(
        "raw_product_layers_365d",
        lambda i: product_layers(products[i % len(products)].pk, period(365, i).start, period(365, i).end),
        RAW_REPEAT,
        raw,
    )
    beside_added = (
        ExperienceReport.objects.filter(source_system__startswith="beside-").count() - beside_before
    )
    stop_import_beside()
    print(f"reports_imported_beside_during_measurement={beside_added}")
    print(f"reports_loaded={total}")
    for name, (p50, _p95) in {**results, **raw}.items():
        print(f"{name}_p50_ms={p50:.1f}")
    for name, (_p50, p95) in results.items():
        print(f"{name}_p95_ms={p95:.1f}")
    for name, (_p50, p95) in raw.items():
        print(f"{name}_p95_ms={p95:.1f}")
    worst = max(p95 for _p50, p95 in results.values())
    print(f"dashboard_worst_p95_ms={worst:.1f}")
    print(f"target_met={'yes' if worst <= 100 else 'no'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
