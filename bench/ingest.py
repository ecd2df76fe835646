#!/usr/bin/env python
"""Ingest: a realistic hotline CSV through the real import code, against the raw-SQL ceiling.

    python bench/ingest.py            # 1,000,000 rows
    python bench/ingest.py --quick    # 100,000 rows
    python bench/ingest.py --rows 250000

Uses its own database: `<DATABASE name>_bench` on PostgreSQL when DATABASE_URL points at it
(created and dropped), else a fresh SQLite file (SQLite has no COPY; the figures say so).

Measured, in one run, on the same generated file (Chinese text, every column, ~3% bad rows):
  real        the import as analysts run it: decoding, mapping, validation, time parsing, phone
              normalising/masking/keyed hashing, COPY into staging + INSERT ... ON CONFLICT,
              segments, rollups — `import_job_run`, chunk by chunk
  reimport    the same file again: must insert nothing, and be faster
  ceiling     PostgreSQL: COPY of the raw file into a staging table + one INSERT ... SELECT ...
              ON CONFLICT into the real table with all its indexes — no Python in between
              (SQLite: executemany of the raw rows into a staging table + the same INSERT)
  naive       per-row `ExperienceReport.objects.create` (autocommit) and `bulk_create`, on samples
  trgm        PostgreSQL: the cost of the pg_trgm GIN index on ingest (a sample imported with and
              without it) and whether a 4-character Chinese LIKE uses it
Ends with: rows_per_s=, ceiling_rows_per_s=, ratio= (real / ceiling), reimport_inserted=.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
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
STAGES = ["认知", "知识", "倾向", "使用", "重复使用"]
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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--naive-sample", type=int, default=2000)
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


def run(rows: int, args: argparse.Namespace, workdir: Path, is_postgres: bool) -> int:
    from django.db import connection, transaction
    from django.utils import timezone

    from cxops.models import ExperienceReport, Product
    from cxops.services.imports.core import import_job_create, import_job_run, import_job_start
    from cxops.services.reference import reference_data_seed
    from cxops.services.rollups import rollups_verify

    reference_data_seed()
    print(
        f"database={connection.vendor}{'' if is_postgres else ' (no COPY: ceiling is executemany into staging)'}"
    )
    print("machine=shared 2-core host (other engineers' test runs may compete); figures are indicative")
    path = workdir / "hotline.csv"
    _, gen_s = timed(f"generate {rows} rows", lambda: generate(path, rows))
    print(f"file_mb={path.stat().st_size / 1e6:.1f}")

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

    job, real_s = timed("real import", lambda: import_once("10086客服系统"))
    real_rps = job.rows_seen / real_s
    print(f"real_inserted={job.inserted} real_rejected={job.rejected} real_duplicates={job.duplicates}")
    again, reimport_s = timed("re-import of the same file", lambda: import_once("10086客服系统"))
    print(f"reimport_rows_per_s={again.rows_seen / reimport_s:.0f}")
    if rows <= 200_000:
        print(f"rollups_verify_problems={len(rollups_verify())}")

    ceiling_rps = ceiling(path, rows, is_postgres)

    # naive baselines on samples (separate source systems so they insert)
    fetion = Product.objects.get(code="fetion")
    from cxops.models import Channel

    hotline = Channel.objects.get(code="hotline-10086")
    sample = args.naive_sample
    now = timezone.now()

    def per_row():
        for n in range(sample):
            ExperienceReport.objects.create(
                source_type="complaint",
                product=fetion,
                channel=hotline,
                layer="functional",
                stage="use",
                summary=f"客户反映飞信申请失败{n}",
                occurred_at=now,
                source_system="naive",
                external_id=f"N{n}",
            )

    _, naive_s = timed(f"naive per-row create x{sample}", per_row)
    bulk_n = sample * 10

    def bulk():
        with transaction.atomic():
            ExperienceReport.objects.bulk_create(
                [
                    ExperienceReport(
                        source_type="complaint",
                        product=fetion,
                        channel=hotline,
                        layer="functional",
                        stage="use",
                        summary=f"客户反映飞信申请失败{n}",
                        occurred_at=now,
                        source_system="bulk",
                        external_id=f"B{n}",
                    )
                    for n in range(bulk_n)
                ],
                batch_size=2000,
            )

    _, bulk_s = timed(f"bulk_create x{bulk_n}", bulk)
    print(f"naive_create_rows_per_s={sample / naive_s:.0f}")
    print(f"bulk_create_rows_per_s={bulk_n / bulk_s:.0f}")

    if is_postgres:
        trigram(path, rows)

    print(f"rows_per_s={real_rps:.0f}")
    print(f"ceiling_rows_per_s={ceiling_rps:.0f}")
    print(f"ratio={real_rps / ceiling_rps:.2f}")
    print(f"reimport_inserted={again.inserted}")
    return 0


CEILING_SELECT = """
    SELECT CASE s.kind WHEN '投诉' THEN 'complaint' WHEN '咨询' THEN 'consultation' WHEN '建议' THEN 'suggestion'
                       WHEN '一线观察' THEN 'observation' ELSE 'survey' END,
           p.id, c.id,
           CASE WHEN s.layer LIKE '功能%%' THEN 'functional' WHEN s.layer LIKE '便利%%' THEN 'convenience' ELSE 'emotional' END,
           CASE s.stage WHEN '认知' THEN 'awareness' WHEN '知识' THEN 'knowledge' WHEN '倾向' THEN 'inclination'
                        WHEN '使用' THEN 'use' ELSE 'repeat_use' END,
           s.summary, coalesce(s.detail, ''), {occurred}, 2, '', '', 'ceiling', s.external_id, 'new', '', {now}, {now}
    FROM {staging} s JOIN cxops_product p ON p.name_zh = s.product JOIN cxops_channel c ON c.name_zh = s.channel
    WHERE {valid_time}
"""
INSERT_COLUMNS = (
    "source_type, product_id, channel_id, layer, stage, summary, detail, occurred_at, severity, customer_masked, "
    "customer_hash, source_system, external_id, status, dismiss_reason, created_at, updated_at"
)


def ceiling(path: Path, rows: int, is_postgres: bool) -> float:
    from django.db import connection, transaction

    columns = "external_id text, occurred text, kind text, product text, channel text, layer text, stage text, summary text, detail text, severity text, phone text, segments text"
    if is_postgres:

        def go():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"CREATE TEMP TABLE ceiling_staging ({columns}) ON COMMIT DROP")
                with (
                    path.open("rb") as stream,
                    cursor.cursor.copy("COPY ceiling_staging FROM STDIN (FORMAT csv, HEADER true)") as copy,
                ):
                    while block := stream.read(1 << 20):
                        copy.write(block)
                cursor.execute(
                    f"INSERT INTO cxops_experiencereport ({INSERT_COLUMNS}) "
                    + CEILING_SELECT.format(
                        occurred="(s.occurred::timestamp AT TIME ZONE 'Asia/Shanghai')",
                        now="now()",
                        staging="ceiling_staging",
                        valid_time="s.occurred ~ '^[0-9]{4}-'",
                    )
                    + " ON CONFLICT DO NOTHING"
                )
                return cursor.rowcount
    else:

        def go():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"CREATE TEMP TABLE ceiling_staging ({columns})")
                with path.open(encoding="utf-8", newline="") as stream:
                    reader = csv.reader(stream)
                    next(reader)
                    cursor.executemany(
                        f"INSERT INTO ceiling_staging VALUES ({', '.join(['%s'] * 12)})", list(reader)
                    )
                cursor.execute(
                    f"INSERT INTO cxops_experiencereport ({INSERT_COLUMNS}) "
                    + CEILING_SELECT.format(
                        occurred="s.occurred",
                        now="CURRENT_TIMESTAMP",
                        staging="ceiling_staging",
                        valid_time="s.occurred GLOB '[0-9][0-9][0-9][0-9]-*'",
                    )
                    + " ON CONFLICT DO NOTHING"
                )
                inserted = cursor.rowcount
                cursor.execute("DROP TABLE ceiling_staging")
                return inserted

    inserted, elapsed = timed("ceiling (raw COPY + INSERT ... ON CONFLICT)", go)
    print(f"ceiling_inserted={inserted}")
    return rows / elapsed


def trigram(path: Path, rows: int) -> None:
    from django.db import connection

    from cxops.services.imports.core import import_job_create, import_job_run, import_job_start

    sample = min(rows, 200_000)
    sample_path = path.with_name("sample.csv")
    with path.open(encoding="utf-8") as source, sample_path.open("w", encoding="utf-8") as target:
        for n, line in enumerate(source):
            if n > sample:
                break
            target.write(line)

    def import_as(source_system: str) -> float:
        job = import_job_create(
            actor=None,
            kind="reports",
            source_system=source_system,
            original_name="s.csv",
            source_path=str(sample_path),
        )
        import_job_start(actor=None, job=job, enqueue=False)
        started = time.perf_counter()
        import_job_run(job_id=job.pk)
        return time.perf_counter() - started

    with_index = import_as("trgm-with")
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX report_summary_trgm")
    without_index = import_as("trgm-without")
    with connection.cursor() as cursor:
        _, rebuild_s = timed(
            "rebuild trigram index",
            lambda: cursor.execute(
                "CREATE INDEX report_summary_trgm ON cxops_experiencereport USING gin (summary gin_trgm_ops)"
            ),
        )
        cursor.execute("ANALYZE cxops_experiencereport")
        cursor.execute("EXPLAIN SELECT id FROM cxops_experiencereport WHERE summary::text LIKE '%申请失败%'")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print(f"trgm_sample_rows={sample}")
    print(f"trgm_import_s_with_index={with_index:.2f} trgm_import_s_without_index={without_index:.2f}")
    print(f"trgm_ingest_cost_pct={100 * (with_index - without_index) / without_index:.0f}")
    print(f"trgm_index_used_for_4_char_chinese_like={'report_summary_trgm' in plan}")


if __name__ == "__main__":
    sys.exit(main())
