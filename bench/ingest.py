#!/usr/bin/env python
"""Ingest: a realistic hotline CSV through the real import code, against yardsticks measured in
the same run, each into its own fresh, empty table of the same shape.

    python bench/ingest.py            # 1,000,000 rows
    python bench/ingest.py --quick    # 100,000 rows
    python bench/ingest.py --rows 250000

Uses its own database: `<DATABASE name>_bench` on PostgreSQL when DATABASE_URL points at it
(created and dropped; it drops nothing else), else a fresh SQLite file (no COPY, no yardsticks).

The yardsticks, and why they are fair:
  copy        COPY of the raw file into a temporary staging table, nothing else: what PostgreSQL
              takes in at best on this machine at this moment.
  ceiling     COPY into staging + one INSERT ... SELECT ... ON CONFLICT DO NOTHING into a fresh,
              empty clone of the report table *as it is* — every index, check, foreign key and
              trigger the real table has (`CREATE TABLE ... (LIKE ... INCLUDING ALL)` plus its
              foreign keys and triggers copied from the catalogue) — with no Python in between.
              The real import starts from an empty table too (a fresh database), so neither side
              pays for the other's rows (the earlier bench ran the ceiling after two imports, into
              a table already holding their rows, which flattered the ratio).
  lean        the same COPY + INSERT into a fresh table with only the indexes the application's
              queries need (LEAN_INDEXES below, trigram index included: the report search uses it)
              and no reference checks at all: what the table could cost if integrity were free.
  whole       the ceiling's COPY and INSERT plus everything else the import's writer derives from the
              rows, in one SQL statement over the whole file: the segment links (split and looked up
              in SQL) and the rollup upserts (the import's own `rollup_upsert_ctes`), into fresh,
              empty clones of the report, link and four rollup tables (schema `bench_whole`: every
              index, check, foreign key, trigger and page setting copied), with the import's
              per-row checks at statement time (`SET CONSTRAINTS ALL IMMEDIATE`), no Python and
              no chunks.  The ceiling measures the report table alone; this one the whole work, so
              `real_vs_whole=` is what Python and committing in chunks cost, and `whole_vs_ceiling=`
              what the derived rows cost the database.
  real        the import as analysts run it (`import_job_run`): decoding, mapping, validation,
              time parsing, phone normalising/masking/keyed hashing, COPY into staging, the
              per-chunk reference check, INSERT ... ON CONFLICT, segments, rollups, chunk by chunk
              (`real_write_s=`: the writer thread's time in the database; parsing overlaps it).
              Each round's import starts from empty tables (the first from the new database's,
              later ones from the same tables emptied with TRUNCATE, which gives fresh files).
  trigram     the lean insert into clones without the trigram index, with it updated row by
              row (fastupdate off), with the default 4 MB pending list (merged inside the
              statement every few thousand rows), and with a 256 MB one (merged once, after the
              insert: `gin_clean_pending_list`, as the import does at its end; every variant's
              figure includes that merge); and a 4-character Chinese search on each afterwards.
Every database variant runs with JIT compilation off, as the import's chunks do (`SET LOCAL jit =
off`): PostgreSQL's default compiles a statement estimated above `jit_above_cost`, which for the
`whole` statement took 0.8 s of its 5.5 and sped nothing up (a bulk insert's time is index and
trigger work); left on, it would slow the yardsticks, not the import.
The machine is shared (other engineers' tests run on the same 2 cores): absolute figures move
from run to run, and on a quiet host the same yardstick still moved by a fifth between runs. So
each variant is measured `--rounds` times (default 3), each time into fresh, empty tables, the
rounds in rotated order (no variant always runs first, or always after the same one); the figures
are the medians, `ratio=` is the median import's rate over the median ceiling's, and beside each
ratio stand the lowest and highest of the rounds' own ratios (`ratio_min=`, `ratio_max=`) and
each variant's spread (`*_spread_pct=`): a target is met when the median meets it, and the
range says by how much it could be luck.

Ends with: rounds=, rows_per_s=, copy_rows_per_s=, ceiling_rows_per_s=, lean_rows_per_s=,
whole_rows_per_s=, ratio= (real / ceiling), real_vs_lean= (real / lean), real_vs_whole=,
whole_vs_ceiling= (each with _min= and _max=), reimport_inserted=.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxops.settings")

HEADER = [
    "工单号",
    "受理时间",
    "工单类型",
    "业务名称",
    "渠道",
    "体验层次",
    "体验生命周期",
    "摘要",
    "详情",
    "严重程度",
    "用户号码",
    "客群",
]
PRODUCTS = [
    "飞信",
    "139邮箱",
    "彩铃",
    "彩信",
    "可视电话",
    "网上营业厅",
    "通信费/资费",
    "手机上网",
    "短信",
    "港澳一卡多号",
]
CHANNELS = [
    "10086热线",
    "实体营业厅",
    "网上营业厅",
    "短信营业厅",
    "掌上营业厅",
    "微信营业厅",
    "客户经理",
    "网站论坛",
    "充值平台",
    "移动商城",
]
TYPES = ["投诉", "咨询", "建议", "一线观察", "调研"]
LAYERS = ["功能性体验", "便利性体验", "情感性体验", "功能", "便利"]
STAGES = ["知晓", "知识", "倾向", "使用", "重复使用"]
SEVERITY = ["低", "中", "高", "严重", ""]
SEGMENTS = ["", "", "", "新入网用户", "高价值用户", "资费敏感用户、离网风险用户", "高流量用户"]
SUMMARIES = [
    "客户反映{p}申请失败，提示系统忙请稍后再试",
    "客户来电咨询{p}如何开通和收费标准",
    "客户在{c}找不到{p}的办理入口",
    "客户投诉{p}扣费不清楚，要求退费",
    "客户建议{p}增加余量提醒功能",
    "客户不知道有{p}这项业务，希望多宣传",
    "客户反映{p}使用中经常中断，体验很差",
    "客户表示{p}资费偏高，考虑转网",
]
DETAILS = [
    "客户多次尝试均未成功，情绪较激动，已记录并安抚。",
    "",
    "已告知客户办理方式，客户表示理解。回访时间约定在明天上午。",
    "客户称上月起出现该问题，影响日常使用，希望尽快处理，否则将向工信部投诉。",
    "",
]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """A year of hotline records.  Like real ones, they concentrate: a few dozen problems (product,
    layer, stage) with Zipf-like weights, the hotline taking most contacts, two or three source types
    per problem; text, customer numbers and segments vary row by row.  About 3% of rows are bad."""
    rng = random.Random(seed)
    themes = []
    for n in range(40):
        themes.append(
            (
                rng.choice(PRODUCTS),
                rng.choice(LAYERS),
                rng.choice(STAGES),
                rng.sample(TYPES, 2),
                rng.sample(CHANNELS[1:], 3),
                1.0 / (n + 1),
            )
        )
    weights = [theme[5] for theme in themes]
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for n in range(rows):
            product, layer, stage, kinds, channels, _weight = rng.choices(themes, weights=weights)[0]
            channel = CHANNELS[0] if rng.random() < 0.6 else rng.choice(channels)
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            when = f"2025-{month:02d}-{day:02d} {rng.randint(8, 22):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
            phone = ""
            if rng.random() < 0.6:
                digits = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
                phone = rng.choice([digits, f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}", f"86{digits}"])
            bad = rng.random()
            if bad < 0.01:
                when = "时间不详"
            elif bad < 0.02:
                product = "未知业务"
            elif bad < 0.03:
                phone = "12345"
            writer.writerow(
                [
                    f"HB{n:09d}",
                    when,
                    rng.choice(kinds),
                    product,
                    channel,
                    layer,
                    stage,
                    rng.choice(SUMMARIES).format(p=product, c=channel),
                    rng.choice(DETAILS),
                    rng.choice(SEVERITY),
                    phone,
                    rng.choice(SEGMENTS),
                ]
            )


REPORT_TABLE = "cxops_experiencereport"
# The lean table: the indexes the application's queries use, nothing else, and no reference checks.
#   unique external id   every import's ON CONFLICT (and re-imports inserting nothing)
#   status, created_at   the pool and the report list          reporter, created_at   "my reports"
#   product, occurred_at a product's reports and dashboards     issue, occurred_at     an issue's reports
#   customer_hash        a customer's data (export / erasure)   channel, region        their reports, and
#   triaged_by           the user deletion that clears it       the checks that protect their deletion
#   summary trigram      the report search (`summary LIKE '%…%'`)
LEAN_INDEXES = (
    "CREATE UNIQUE INDEX ON {t} (source_system, external_id) WHERE external_id IS NOT NULL",
    "CREATE INDEX ON {t} (status, created_at)",
    "CREATE INDEX ON {t} (reporter_id, created_at)",
    "CREATE INDEX ON {t} (product_id, occurred_at)",
    "CREATE INDEX ON {t} (issue_id, occurred_at)",
    "CREATE INDEX ON {t} (customer_hash)",
    "CREATE INDEX ON {t} (channel_id)",
    "CREATE INDEX ON {t} (region_id)",
    "CREATE INDEX ON {t} (triaged_by_id)",
    "CREATE INDEX ON {t} USING gin (summary gin_trgm_ops)",
)
STAGING_COLUMNS = (
    "external_id text, occurred text, kind text, product text, channel text, layer text, stage text, "
    "summary text, detail text, severity text, phone text, segments text"
)
# The raw rows mapped in SQL alone: the same joins and CASEs for every yardstick.
CEILING_SELECT = """
    SELECT CASE s.kind WHEN '投诉' THEN 'complaint' WHEN '咨询' THEN 'consultation' WHEN '建议' THEN 'suggestion'
                       WHEN '一线观察' THEN 'observation' ELSE 'survey' END,
           p.id, c.id,
           CASE WHEN s.layer LIKE '功能%' THEN 'functional' WHEN s.layer LIKE '便利%' THEN 'convenience' ELSE 'emotional' END,
           CASE s.stage WHEN '知晓' THEN 'awareness' WHEN '知识' THEN 'knowledge' WHEN '倾向' THEN 'inclination'
                        WHEN '使用' THEN 'use' ELSE 'repeat_use' END,
           s.summary, coalesce(s.detail, ''), (s.occurred::timestamp AT TIME ZONE 'Asia/Shanghai'), 2, '', '',
           'ceiling', s.external_id, 'new', '', now(), now(), {region}
    FROM ingest_staging s JOIN cxops_product p ON p.name_zh = s.product JOIN cxops_channel c ON c.name_zh = s.channel
    WHERE s.occurred ~ '^[0-9]{{4}}-'
"""
INSERT_COLUMNS = (
    "source_type, product_id, channel_id, layer, stage, summary, detail, occurred_at, severity, customer_masked, "
    "customer_hash, source_system, external_id, status, dismiss_reason, created_at, updated_at, region_id"
)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="how many times each variant is measured, in rotated order (PostgreSQL); the figures "
        "are the medians, with the lowest and highest of the rounds' ratios beside them",
    )
    parser.add_argument(
        "--table",
        choices=("after", "before"),
        default="after",
        help="before: put the report table back as it was before migration 0024 (issue 22) — its "
        "dead indexes, per-row foreign keys and 4 MB search pending list — to measure the change",
    )
    args = parser.parse_args()
    rows = args.rows or (100_000 if args.quick else 1_000_000)

    import django
    from django.conf import settings

    django.setup()
    from django.db import connection

    # Production runs with DEBUG off; with it on, Django records every SQL statement it sends.
    settings.DEBUG = False

    is_postgres = connection.vendor == "postgresql"
    workdir = Path(tempfile.mkdtemp(prefix="cxops-ingest-"))
    if is_postgres:
        connection.settings_dict["TEST"]["NAME"] = connection.settings_dict["NAME"] + "_bench"
    else:
        connection.settings_dict["TEST"]["NAME"] = str(workdir / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        return run(rows, args, workdir, is_postgres)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def timed(label: str, fn):  # noqa: ANN001, ANN201
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    print(f"# {label}: {elapsed:.2f} s", flush=True)
    return result, elapsed


def checkpoint() -> None:
    """Each variant starts with no dirty pages left by the one before (a checkpoint landing in the
    middle of one variant would charge it for another's writes)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def run(rows: int, args: argparse.Namespace, workdir: Path, is_postgres: bool) -> int:
    from django.db import connection
    from django.db.models import Count

    from cxops.models import ImportRejectedRow
    from cxops.services.imports.core import import_job_create
    from cxops.services.imports.core import import_job_run
    from cxops.services.imports.core import import_job_start
    from cxops.services.reference import reference_data_seed
    from cxops.services.rollups import rollups_verify

    reference_data_seed()
    print(f"database={connection.vendor}")
    print("machine=shared 2-core host, loaded by other engineers' tests: absolute figures are indicative")
    path = workdir / "hotline.csv"
    timed(f"generate {rows} rows", lambda: generate(path, rows))
    print(f"file_mb={path.stat().st_size / 1e6:.1f}")
    if is_postgres:
        if args.table == "before":
            table_as_before()
        print(f"table={args.table}")
        print_table_design()

    def import_once(source_system: str, file: Path = path):
        job = import_job_create(
            actor=None,
            kind="reports",
            source_system=source_system,
            original_name=file.name,
            source_path=str(file),
        )
        import_job_start(actor=None, job=job, enqueue=False)
        return import_job_run(job_id=job.pk)

    # how long the writer thread spends in the database, to tell the two sides of the import apart
    from cxops.services.imports.reports import ReportImportHandler

    write = ReportImportHandler.write
    last: dict = {}

    def real() -> float:
        if last:  # a later round: the import starts from empty tables again, as in the first
            empty_import_tables()
            checkpoint()
        write_seconds = [0.0]

        def timed_write(self, records, *, job):  # noqa: ANN001, ANN202
            started = time.perf_counter()
            try:
                return write(self, records, job=job)
            finally:
                write_seconds[0] += time.perf_counter() - started

        setattr(ReportImportHandler, "write", timed_write)  # noqa: B010 — timing wrapper, undone below
        try:
            job, real_s = timed(
                "real import (into the empty report table)", lambda: import_once("10086客服系统")
            )
        finally:
            setattr(ReportImportHandler, "write", write)  # noqa: B010
        print(f"# real_write_s={write_seconds[0]:.1f} real_total_s={real_s:.1f}")
        last.update(job=job, write_s=write_seconds[0], total_s=real_s)
        return job.rows_seen / real_s

    variants = {"real": real}
    if is_postgres:
        checkpoint()
        copy_rps = yardstick_copy(path, rows)
        variants.update(
            lean=lambda: yardstick_insert(path, rows, "ingest_lean", lean=True),
            ceiling=lambda: yardstick_insert(path, rows, "ingest_ceiling", lean=False),
            whole=lambda: yardstick_whole(path, rows),
        )
    rounds = args.rounds if is_postgres else 1
    order = list(variants)
    measured: dict[str, list[float]] = {name: [] for name in variants}
    for number in range(rounds):
        # each round in a rotated order, so no variant always follows the same one
        for name in order[number % len(order) :] + order[: number % len(order)]:
            print(f"# round {number + 1}: {name}", flush=True)
            checkpoint()
            measured[name].append(variants[name]())

    job = last["job"]
    print(f"real_write_s={last['write_s']:.1f} real_total_s={last['total_s']:.1f}")
    print(f"real_inserted={job.inserted} real_rejected={job.rejected} real_duplicates={job.duplicates}")
    reasons = (
        ImportRejectedRow.objects.filter(job=job).values("reason").annotate(n=Count("id")).order_by("-n")[:3]
    )
    for reason in reasons:
        print(f"# rejected x{reason['n']}: {reason['reason'][:90]}")
    again, reimport_s = timed("re-import of the same file", lambda: import_once("10086客服系统"))
    print(f"reimport_rows_per_s={again.rows_seen / reimport_s:.0f}")
    if rows <= 200_000:
        print(f"rollups_verify_problems={len(rollups_verify())}")

    if is_postgres:
        trigram(path, min(rows, 100_000), workdir)
    naive(args.naive_sample)

    median = {name: statistics.median(rates) for name, rates in measured.items()}
    for name, rates in measured.items():
        print(f"# {name} rows/s by round: " + " ".join(f"{rate:.0f}" for rate in rates))
    print(f"rounds={rounds}")
    print(f"rows_per_s={median['real']:.0f}")
    if is_postgres:

        def pair(key: str, a: str, b: str) -> None:
            """The ratio of the medians, and the lowest and highest of the rounds' own ratios."""
            each = [x / y for x, y in zip(measured[a], measured[b], strict=True)]
            print(f"{key}={median[a] / median[b]:.2f} {key}_min={min(each):.2f} {key}_max={max(each):.2f}")

        print(f"copy_rows_per_s={copy_rps:.0f}")
        for name in ("ceiling", "lean", "whole"):
            spread = max(measured[name]) / min(measured[name]) - 1
            print(f"{name}_rows_per_s={median[name]:.0f} {name}_spread_pct={100 * spread:.0f}")
        print(f"real_spread_pct={100 * (max(measured['real']) / min(measured['real']) - 1):.0f}")
        pair("ratio", "real", "ceiling")
        pair("real_vs_lean", "real", "lean")
        pair("ceiling_vs_lean", "ceiling", "lean")
        pair("real_vs_whole", "real", "whole")
        pair("whole_vs_ceiling", "whole", "ceiling")
    print(f"reimport_inserted={again.inserted}")
    return 0


def empty_import_tables() -> None:
    """What the real import writes, emptied (TRUNCATE: fresh, empty files, as a new database's are):
    the reports, their segment links, the four rollup tables and the rejected rows."""
    from django.db import connection

    from cxops.models import ExperienceReport
    from cxops.models import ImportRejectedRow
    from cxops.models import ReportDailyDimensionRollup
    from cxops.models import ReportDailyDimensionTotal
    from cxops.models import ReportDailyRegionRollup
    from cxops.models import ReportDailyRegionTotal

    tables = [
        model._meta.db_table
        for model in (
            ExperienceReport,
            ExperienceReport.segments.through,
            ReportDailyRegionRollup,
            ReportDailyRegionTotal,
            ReportDailyDimensionRollup,
            ReportDailyDimensionTotal,
            ImportRejectedRow,
        )
    ]
    with connection.cursor() as cursor:
        # CASCADE: the tables that refer to reports (matches, notes …) are empty in this database
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


def table_as_before() -> None:
    """The report table as it was before migration 0024, on PostgreSQL: the varchar_pattern_ops copy
    of the customer-hash index, single-column product / issue / reporter indexes, six per-row
    foreign keys in place of the per-statement triggers, and the default 4 MB pending list; and the
    segment link table as it was before migration 0035: its two per-row foreign keys and its
    report-only index."""
    from django.db import connection

    references = {
        "product_id": "cxops_product",
        "channel_id": "cxops_channel",
        "region_id": "cxops_region",
        "reporter_id": "auth_user",
        "triaged_by_id": "auth_user",
        "issue_id": "cxops_experienceissue",
    }
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS report_references_insert ON {REPORT_TABLE}")
        cursor.execute(f"DROP TRIGGER IF EXISTS report_references_update ON {REPORT_TABLE}")
        cursor.execute("ALTER INDEX report_summary_trgm RESET (gin_pending_list_limit)")
        cursor.execute(f"CREATE INDEX ON {REPORT_TABLE} (customer_hash varchar_pattern_ops)")
        for column in ("product_id", "issue_id", "reporter_id"):
            cursor.execute(f"CREATE INDEX ON {REPORT_TABLE} ({column})")
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [REPORT_TABLE],
        )
        if cursor.fetchone() == (0,):
            for column, table in references.items():
                cursor.execute(
                    f"ALTER TABLE {REPORT_TABLE} ADD FOREIGN KEY ({column}) REFERENCES {table} (id) "
                    "DEFERRABLE INITIALLY DEFERRED"
                )
        links = "cxops_experiencereport_segments"
        cursor.execute(f"DROP TRIGGER IF EXISTS report_segment_references_insert ON {links}")
        cursor.execute(f"DROP TRIGGER IF EXISTS report_segment_references_update ON {links}")
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS report_segment_links_report ON {links} (experiencereport_id)"
        )
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [links]
        )
        if cursor.fetchone() == (0,):
            for column, table in (("experiencereport_id", REPORT_TABLE), ("segment_id", "cxops_segment")):
                cursor.execute(
                    f"ALTER TABLE {links} ADD FOREIGN KEY ({column}) REFERENCES {table} (id) "
                    "DEFERRABLE INITIALLY DEFERRED"
                )


def print_table_design() -> None:
    """What the measured table carries, so before/after runs say what changed."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass", [REPORT_TABLE])
        (indexes,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [REPORT_TABLE],
        )
        (foreign_keys,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [REPORT_TABLE],
        )
        (triggers,) = cursor.fetchone()
        cursor.execute(
            "SELECT (SELECT count(*) FROM pg_index WHERE indrelid = %(t)s::regclass), "
            "(SELECT count(*) FROM pg_constraint WHERE conrelid = %(t)s::regclass AND contype = 'f')",
            {"t": "cxops_experiencereport_segments"},
        )
        link_indexes, link_foreign_keys = cursor.fetchone()
    print(f"table_indexes={indexes} table_foreign_keys={foreign_keys} table_triggers={triggers}")
    print(f"segment_links_indexes={link_indexes} segment_links_foreign_keys={link_foreign_keys}")


def copy_into_staging(cursor, path: Path) -> None:  # noqa: ANN001
    cursor.execute(f"CREATE TEMP TABLE ingest_staging ({STAGING_COLUMNS}) ON COMMIT DROP")
    with (
        path.open("rb") as stream,
        cursor.cursor.copy("COPY ingest_staging FROM STDIN (FORMAT csv, HEADER true)") as copy,
    ):
        while block := stream.read(1 << 20):
            copy.write(block)


def yardstick_copy(path: Path, rows: int) -> float:
    from django.db import connection
    from django.db import transaction

    def go() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            copy_into_staging(cursor, path)

    _, elapsed = timed("copy: COPY of the raw file into staging, alone", go)
    return rows / elapsed


def clone_report_table(cursor, name: str, *, lean: bool) -> None:  # noqa: ANN001
    """A fresh, empty table shaped like the report table: with every index, check, foreign key and
    trigger it has (`lean=False`), or with its checks and only `LEAN_INDEXES` (`lean=True`)."""
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    if lean:
        cursor.execute(
            f"CREATE TABLE {name} (LIKE {REPORT_TABLE} INCLUDING DEFAULTS INCLUDING IDENTITY "
            f"INCLUDING CONSTRAINTS, PRIMARY KEY (id))"
        )
        for statement in LEAN_INDEXES:
            cursor.execute(statement.format(t=name))
        # the search index kept as the real one is kept (its pending-list size)
        cursor.execute(
            "SELECT array_to_string(reloptions, ', ') FROM pg_class WHERE oid = to_regclass(%s)",
            ["report_summary_trgm"],
        )
        found = cursor.fetchone()
        if found and found[0]:
            cursor.execute(f"ALTER INDEX {trigram_index(cursor, name)} SET ({found[0]})")
        return
    cursor.execute(f"CREATE TABLE {name} (LIKE {REPORT_TABLE} INCLUDING ALL)")
    foreign_keys, triggers = references_and_triggers(cursor, REPORT_TABLE)
    for constraint, definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_{constraint[-20:]} {definition}")
    for trigger, definition in triggers:
        cursor.execute(
            definition.replace(f" ON public.{REPORT_TABLE} ", f" ON {name} ").replace(
                f"TRIGGER {trigger} ", f"TRIGGER {name}_{trigger} "
            )
        )


def references_and_triggers(cursor, table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:  # noqa: ANN001
    """A table's foreign keys and its own triggers, as (name, definition) from the catalogue."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype = 'f'",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
        [table],
    )
    return foreign_keys, cursor.fetchall()


def trigram_index(cursor, table: str) -> str | None:  # noqa: ANN001
    cursor.execute(
        "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass "
        "AND pg_get_indexdef(indexrelid) LIKE '%%gin_trgm_ops%%'",
        [table],
    )
    found = cursor.fetchone()
    return found[0] if found else None


def yardstick_insert(
    path: Path, rows: int, table: str, *, lean: bool, label: str = "", trigram_change: str = ""
) -> float:
    from django.conf import settings
    from django.db import connection
    from django.db import transaction

    from cxops.models import Region

    region = Region.objects.get(code=settings.CXOPS_DEFAULT_REGION).pk
    with connection.cursor() as cursor:
        clone_report_table(cursor, table, lean=lean)
        if trigram_change:
            cursor.execute(trigram_change.format(index=trigram_index(cursor, table)))
    checkpoint()

    def go() -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")  # as the import's chunks run (see the header)
            copy_into_staging(cursor, path)
            cursor.execute(
                f"INSERT INTO {table} ({INSERT_COLUMNS}) "  # noqa: S608 — ours
                + CEILING_SELECT.format(region=int(region))
                + " ON CONFLICT DO NOTHING"
            )
            inserted = cursor.rowcount
        # as the import does at its end: the search index's pending list merged, so both sides
        # leave the index complete
        with connection.cursor() as cursor:
            index = trigram_index(cursor, table)
            if index:
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        return inserted

    what = label or (
        "lean: COPY + INSERT into a table with the needed indexes, no reference checks"
        if lean
        else "ceiling: COPY + INSERT into a clone of the report table as it is"
    )
    inserted, elapsed = timed(what, go)
    print(f"# {table}_inserted={inserted}")
    return rows / elapsed


WHOLE_SCHEMA = "bench_whole"


def clone_into_schema(cursor, table: str) -> None:  # noqa: ANN001
    """`table` as a fresh, empty table of the same name in WHOLE_SCHEMA: its columns, defaults,
    identity, checks and indexes (with their settings), its page settings, its foreign keys
    (resolved against the search path, so a reference to another cloned table goes to the clone)
    and the triggers on it."""
    cursor.execute(f"CREATE TABLE {WHOLE_SCHEMA}.{table} (LIKE public.{table} INCLUDING ALL)")
    cursor.execute("SELECT array_to_string(reloptions, ', ') FROM pg_class WHERE oid = %s::regclass", [table])
    (options,) = cursor.fetchone()
    if options:
        cursor.execute(f"ALTER TABLE {WHOLE_SCHEMA}.{table} SET ({options})")
    foreign_keys, triggers = references_and_triggers(cursor, table)
    cursor.execute(f"SET LOCAL search_path = {WHOLE_SCHEMA}, public")
    for constraint, definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {WHOLE_SCHEMA}.{table} ADD CONSTRAINT {constraint} {definition}")
    for _trigger, definition in triggers:
        cursor.execute(definition.replace(f" ON public.{table} ", f" ON {WHOLE_SCHEMA}.{table} "))
    cursor.execute("SET LOCAL search_path = public")


def yardstick_whole(path: Path, rows: int) -> float:
    from django.conf import settings
    from django.db import connection
    from django.db import transaction

    from cxops.models import ExperienceReport
    from cxops.models import Region
    from cxops.models import ReportDailyDimensionRollup
    from cxops.models import ReportDailyDimensionTotal
    from cxops.models import ReportDailyRegionRollup
    from cxops.models import ReportDailyRegionTotal
    from cxops.services.imports.reports import SEGMENT_SEPARATORS
    from cxops.services.rollups import rollup_upsert_ctes

    region = Region.objects.get(code=settings.CXOPS_DEFAULT_REGION).pk
    link = ExperienceReport.segments.through._meta.db_table
    tables = [
        REPORT_TABLE,
        link,
        *(
            model._meta.db_table
            for model in (
                ReportDailyRegionRollup,
                ReportDailyRegionTotal,
                ReportDailyDimensionRollup,
                ReportDailyDimensionTotal,
            )
        ),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {WHOLE_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {WHOLE_SCHEMA}")
        for table in tables:
            clone_into_schema(cursor, table)
    checkpoint()
    rollups_sql, rollups_params = rollup_upsert_ctes("added")
    # the ceiling's mapping, its LIKE patterns' % escaped: this statement has parameters
    select = CEILING_SELECT.format(region=int(region)).replace("%", "%%")

    def go() -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SET LOCAL search_path = {WHOLE_SCHEMA}, public; SET LOCAL work_mem = '64MB'; "
                "SET CONSTRAINTS ALL IMMEDIATE; SET LOCAL jit = off"
            )
            copy_into_staging(cursor, path)
            cursor.execute(
                f"""
                WITH added AS (
                    INSERT INTO {REPORT_TABLE} ({INSERT_COLUMNS}) {select}
                    ON CONFLICT DO NOTHING
                    RETURNING id, external_id, occurred_at, region_id, product_id, channel_id, source_type,
                        layer, stage
                ), linked AS (
                    INSERT INTO {link} (experiencereport_id, segment_id)
                    SELECT DISTINCT added.id, segment.id
                    FROM added JOIN ingest_staging staged ON staged.external_id = added.external_id
                    CROSS JOIN LATERAL regexp_split_to_table(staged.segments, %s) AS part(name)
                    JOIN cxops_segment segment ON segment.name_zh = btrim(part.name)
                    WHERE staged.segments <> ''
                ), {rollups_sql}
                SELECT count(*) FROM added
                """,  # noqa: S608 — ours
                [SEGMENT_SEPARATORS.pattern, *rollups_params],
            )
            (inserted,) = cursor.fetchone()
        with connection.cursor() as cursor:
            index = trigram_index(cursor, f"{WHOLE_SCHEMA}.{REPORT_TABLE}")
            if index:
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        return inserted

    inserted, elapsed = timed(
        "whole: COPY + the reports, their segment links and rollups in SQL, one statement", go
    )
    print(f"# whole_inserted={inserted}")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {WHOLE_SCHEMA}.{link}")
        print(f"# whole_segment_links={cursor.fetchone()[0]}")
        cursor.execute(f"DROP SCHEMA {WHOLE_SCHEMA} CASCADE")
    return rows / elapsed


def trigram(path: Path, rows: int, workdir: Path) -> None:
    """The trigram index's cost on the ceiling insert, three ways of maintaining it and none, and a
    selective 4-character Chinese search on each table afterwards (median of 5)."""
    from django.db import connection

    sample_path = workdir / "sample.csv"
    with path.open(encoding="utf-8") as source, sample_path.open("w", encoding="utf-8") as target:
        for n, line in enumerate(source):
            if n > rows:
                break
            target.write(line)
    with connection.cursor() as cursor:
        present = trigram_index(cursor, REPORT_TABLE) is not None
    print(f"trgm_index_on_report_table={present}")
    variants = {
        "none": "DROP INDEX {index}",
        "rowwise": "ALTER INDEX {index} SET (fastupdate = off)",
        "pending4mb": "ALTER INDEX {index} SET (fastupdate = on, gin_pending_list_limit = 4096)",
        "pending256mb": "ALTER INDEX {index} SET (fastupdate = on, gin_pending_list_limit = 262144)",
    }
    for variant, change in variants.items():
        table = f"ingest_trgm_{variant}"
        rate = yardstick_insert(
            sample_path,
            rows,
            table,
            lean=True,
            label=f"trigram {variant}: lean insert of {rows} rows",
            trigram_change=change,
        )
        print(f"trgm_{variant}_rows_per_s={rate:.0f}")
        with connection.cursor() as cursor:
            search_ms = _search_ms(cursor, table)
            print(f"trgm_{variant}_search_ms={search_ms:.1f}")
            cursor.execute(f"DROP TABLE {table}")


def _search_ms(cursor, table: str) -> float:  # noqa: ANN001
    cursor.execute(f"ANALYZE {table}")
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        cursor.execute(f"SELECT count(*) FROM {table} WHERE summary LIKE '%%一卡多号%%'")  # noqa: S608
        cursor.fetchone()
        timings.append(time.perf_counter() - started)
    return 1000 * sorted(timings)[2]


def naive(sample: int) -> None:
    """Per-row `create` (autocommit) and `bulk_create`, on small samples: what not to do."""
    from django.db import transaction
    from django.utils import timezone

    from cxops.models import Channel
    from cxops.models import ExperienceReport
    from cxops.models import Product

    fetion = Product.objects.get(code="fetion")
    hotline = Channel.objects.get(code="hotline-10086")
    now = timezone.now()

    def report(n: int, system: str) -> ExperienceReport:
        return ExperienceReport(
            source_type="complaint",
            product=fetion,
            channel=hotline,
            layer="functional",
            stage="use",
            summary=f"客户反映飞信申请失败{n}",
            occurred_at=now,
            source_system=system,
            external_id=f"{system}{n}",
        )

    def per_row() -> None:
        for n in range(sample):
            report(n, "naive").save()

    def bulk() -> None:
        with transaction.atomic():
            ExperienceReport.objects.bulk_create(
                [report(n, "bulk") for n in range(sample * 10)], batch_size=2000
            )

    _, naive_s = timed(f"naive per-row create x{sample}", per_row)
    _, bulk_s = timed(f"bulk_create x{sample * 10}", bulk)
    print(f"naive_create_rows_per_s={sample / naive_s:.0f}")
    print(f"bulk_create_rows_per_s={sample * 10 / bulk_s:.0f}")


if __name__ == "__main__":
    sys.exit(main())
