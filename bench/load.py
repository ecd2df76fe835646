#!/usr/bin/env python
"""Load: an open-loop, constant-arrival-rate generator against gunicorn behind nginx on loopback.

    python bench/load.py            # 1,000,000 reports, 15 s per offered rate, rates up to saturation
    python bench/load.py --quick    # 50,000 reports, 3 s per rate (10 s at 2 req/s), four rates (CI smoke)

How it drives the server (and why not wrk): wrk with think time is a closed loop — when the server
slows, each connection waits for its answer before sending again, the offered rate drops, and the
requests that were never sent are never counted (coordinated omission).  Here, as in wrk2 and Gil
Tene's HdrHistogram work, each request has an *intended* send time, t0 + i / rate, fixed before the
run; an asyncio scheduler (in this process, apart from the server's) sends it then over a pool of
keep-alive connections (opening more when all are busy, up to 512), and its latency is measured
from the intended time, so queueing in front of a slow server counts in full.  The generator's own
lag (how late it got to a send) is printed per step: a step is only valid while that lag stays
small.  Each endpoint is offered a ladder of constant rates, lowest first, until p99 passes 1 s
(saturated); each step's queue is drained before the next, and unmeasured requests warm each
endpoint up first — as many at once as there are gunicorn workers, four rounds, so that every
worker has rendered it (sent one after another, they could all land on the same worker and leave
the other's first, cold render inside the measurement).  Each step lasts long enough for at least
20 requests (`_samples=`); with fewer than 100 a step's p99 is its slowest request.  Reported per
endpoint: the highest offered rate whose p99 stayed under 100 ms with no errors
(`<endpoint>_max_rate_p99_under_100ms=`; 0 when even the lowest rate missed it — then the
endpoint's own service time on this machine is the cause, see `_p50_ms` at the lowest rate).

Endpoints (analyst API tokens and signed-in analyst sessions; frontline agents' tokens for create):
  bare        the yardstick: a bare Django JsonResponse through the same nginx, gunicorn workers and
              middleware, no database — the most this server configuration sustains for a request
              that does nothing, measured by the same generator in the same run; every endpoint's
              rate is read against it (`<endpoint>_vs_bare=`).
  list        GET /api/reports/ (first cursor page of 20)
  detail      GET /api/reports/<random id>/
  create      POST /api/reports/ (Chinese text, customer number)
  dashboard   GET /dashboard/ (the overview page, from the rollups; HTML)
  pool        GET /pool/ (the strategy pool page, 50 strategies; HTML)

Database: PostgreSQL `<DATABASE_URL's name>_load_<pid>` when DATABASE_URL points at PostgreSQL
(created by this run and dropped at its end; nothing else is touched), else a fresh SQLite file
(SQLite serialises writes: say which in any figure you quote).  Reports are generated inside the
database (INSERT ... SELECT FROM generate_series; rollups rebuilt after); strategies are filed
through the service.  Ports are picked free on 127.0.0.1.
The machine is shared (other engineers' tests run on the same 2 cores): absolute figures are from
a loaded machine.
Application CPU per request: the CPU time gunicorn's processes used during a step, divided by its
requests (`_app_cpu_ms_per_req`; per endpoint the median over its steps).  Latency on a shared
machine moves with the neighbours' work; CPU per request hardly does, so it is the yardstick for a
change to the application's own path.
Ends with key=value lines: per endpoint and offered rate `<endpoint>_<rate>_p50_ms`, `_p99_ms`,
`_errors`, `_samples`, `_app_cpu_ms_per_req`; per endpoint `<endpoint>_max_rate_p99_under_100ms`,
`<endpoint>_app_cpu_ms_per_req`; `reports=`; `total_errors=`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
USERS_FRONTLINE = 100
USERS_ANALYST = 10
STRATEGIES = 50
MAX_CONNECTIONS = 512
REQUEST_TIMEOUT_S = 30
SATURATED_P99_MS = 1000
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
ENDPOINTS = ("bare", "list", "detail", "create", "dashboard", "pool")
RATES_FULL = (1, 2, 5, 10, 25, 50, 100, 150, 200, 300, 400, 600, 800)
WARM_UP = 4  # rounds of unmeasured requests per endpoint, one per gunicorn worker at once
RATES_QUICK = (2, 5, 15, 30)
MIN_SAMPLES = 20  # a step lasts at least this many requests


def group_cpu_seconds(group: int) -> float | None:
    """User + system CPU used so far by the live processes of a process group (gunicorn's master
    and workers: the application's own work, apart from PostgreSQL, Redis and the generator), or
    None where /proc cannot be read.  Read before and after a step it gives the application's CPU
    per request, which, unlike latency, the other work on a shared machine hardly moves."""
    if not os.path.isdir("/proc"):
        return None
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # after the name: state, ppid, pgrp, ..., utime (11), stime (12)
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Database:
    """The run's own database, named after DATABASE_URL's, created here and dropped at the end."""

    def __init__(self) -> None:
        url = os.environ.get("DATABASE_URL", "")
        self.admin_url: str | None = None
        if url.startswith(("postgres://", "postgresql://")):
            import psycopg

            base, _, name = url.rpartition("/")
            name = name.split("?")[0] or "cxops"
            self.name = f"{name}_load_{os.getpid()}"
            self.admin_url = base + "/postgres"
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                # CREATE, never DROP first: an existing database of that name is not ours
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.url, self.engine = f"{base}/{self.name}", "postgresql"
        else:
            self.directory = tempfile.mkdtemp(prefix="cxops-load-db-")
            self.name = "load.sqlite3"
            self.url, self.engine = f"sqlite:///{self.directory}/load.sqlite3", "sqlite"

    def drop(self) -> None:
        if self.admin_url is None:
            shutil.rmtree(self.directory, ignore_errors=True)
            return
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


SETUP = r"""
import datetime as dt, json, random, sys
import django
django.setup()
from importlib import import_module
from django.conf import settings
from django.utils.module_loading import import_string
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from cxops.models import Channel, ExperienceReport, Product, Region
from cxops.services.reference import reference_data_seed
from cxops.services.rollups import rollups_rebuild
from proposals.services.strategies import StrategyContent, strategy_create

reference_data_seed()
User = get_user_model()
tokens = {"frontline": [], "analyst": []}
sessions = []
store = import_module(settings.SESSION_ENGINE).SessionStore
# what login() records: the first backend that can load a user (axes' only watches sign-ins)
backend = next(b for b in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(b), "get_user"))
for role, count in (("frontline", %(frontline)d), ("analyst", %(analyst)d)):
    group = Group.objects.get(name=role)
    for i in range(count):
        user = User.objects.create_user(f"load-{role}-{i}", password=None)
        user.groups.add(group)
        tokens[role].append(Token.objects.create(user=user).key)
        if role == "analyst":
            session = store()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = backend
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            sessions.append(session.session_key)
analyst = User.objects.get(username="load-analyst-0")
products = list(Product.objects.all())
for i in range(%(strategies)d):
    product = products[i %% len(products)]
    strategy_create(actor=analyst, content=StrategyContent(
        title=f"压测策略{i}：{product.name_zh}办理入口", product=product, layer="convenience",
        experience_event="客户找不到办理入口", strategy_text="在首页增加办理入口，并短信告知客户。"))
product_ids = list(Product.objects.values_list("id", flat=True))
channel_ids = list(Channel.objects.values_list("id", flat=True))
region_ids = list(Region.objects.filter(parent__isnull=False).values_list("id", flat=True))
reporters = list(User.objects.filter(username__startswith="load-frontline").values_list("id", flat=True))
texts = ["客户反映飞信无法登录，提示密码错误", "咨询港澳一卡多号如何开通", "网上营业厅找不到套餐变更入口",
         "彩铃设置后对方听不到", "话费账单与套餐不符"]
rows = %(reports)d
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        done = 0
        while done < rows:
            n = min(250_000, rows - done)
            cursor.execute(
                "INSERT INTO cxops_experiencereport (source_type, product_id, channel_id, layer, stage, summary, "
                "detail, occurred_at, severity, customer_masked, customer_hash, source_system, external_id, "
                "status, dismiss_reason, created_at, updated_at, region_id, reporter_id) "
                "SELECT (ARRAY['complaint','consultation','suggestion'])[1 + g %%%% 3], "
                "(%%(p)s::bigint[])[1 + g %%%% %%(np)s], (%%(c)s::bigint[])[1 + (g * 7) %%%% %%(nc)s], "
                "(ARRAY['functional','convenience','emotional'])[1 + (g * 5) %%%% 3], "
                "(ARRAY['awareness','knowledge','inclination','use','repeat_use'])[1 + (g * 3) %%%% 5], "
                "(%%(t)s::text[])[1 + (g * 11) %%%% 5] || g, '', "
                "now() - make_interval(mins => ((g * 7919) %%%% 525600)::int), 2, '', '', 'bench', 'b' || g, "
                "'new', '', now(), now(), (%%(r)s::bigint[])[1 + (g * 13) %%%% %%(nr)s], "
                "(%%(u)s::int[])[1 + (g * 17) %%%% %%(nu)s] "
                "FROM generate_series(%%(first)s::bigint, %%(last)s::bigint) AS g",
                {"p": product_ids, "np": len(product_ids), "c": channel_ids, "nc": len(channel_ids), "t": texts,
                 "r": region_ids, "nr": len(region_ids), "u": reporters, "nu": len(reporters),
                 "first": done, "last": done + n - 1})
            done += n
            print(f"# reports generated: {done:,}", file=sys.stderr, flush=True)
        cursor.execute("VACUUM ANALYZE cxops_experiencereport")
else:
    rng = random.Random(7)
    now = timezone.now()
    ExperienceReport.objects.bulk_create([
        ExperienceReport(
            source_type=rng.choice(["complaint", "consultation", "suggestion"]), product_id=rng.choice(product_ids),
            channel_id=rng.choice(channel_ids), layer=rng.choice(["functional", "convenience", "emotional"]),
            stage=rng.choice(["awareness", "knowledge", "inclination", "use", "repeat_use"]),
            summary=rng.choice(texts), occurred_at=now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 365)),
            reporter_id=rng.choice(reporters), source_system="bench", external_id=f"b{i}",
            region_id=rng.choice(region_ids),
        )
        for i in range(rows)
    ], batch_size=2000)
rollups_rebuild()
ids = ExperienceReport.objects.order_by("id").values_list("id", flat=True)
json.dump({"tokens": tokens, "sessions": sessions, "min_id": ids.first(), "max_id": ids.last(),
           "reports": ExperienceReport.objects.count(), "session_cookie": settings.SESSION_COOKIE_NAME}, sys.stdout)
"""

SUMMARIES = (
    "客户反映飞信无法登录",
    "咨询港澳一卡多号开通方式",
    "网上营业厅找不到套餐变更入口",
    "推荐更优资费套餐",
)
LAYERS = ("functional", "convenience", "emotional")


def request_bytes(endpoint: str, data: dict, rng: random.Random, counter: int) -> tuple[bytes, int]:
    """One request, ready to send, and the status that counts as success."""
    headers = ["Host: 127.0.0.1", "Accept-Language: zh-hans"]
    method, path, body, expected = "GET", "/bench/bare/", b"", 200
    if endpoint in ("list", "detail", "create"):
        role = "frontline" if endpoint == "create" else "analyst"
        headers += [f"Authorization: Token {rng.choice(data['tokens'][role])}", "Accept: application/json"]
    if endpoint in ("dashboard", "pool"):
        headers.append(f"Cookie: {data['session_cookie']}={rng.choice(data['sessions'])}")
        path = "/dashboard/" if endpoint == "dashboard" else "/pool/"
    elif endpoint == "list":
        path = "/api/reports/?page_size=20"
    elif endpoint == "detail":
        path = f"/api/reports/{rng.randint(data['min_id'], data['max_id'])}/"
    elif endpoint == "create":
        method, path, expected = "POST", "/api/reports/", 201
        body = json.dumps(
            {
                "source_type": "complaint",
                "product": "fetion",
                "channel": "hotline-10086",
                "layer": rng.choice(LAYERS),
                "stage": "use",
                "summary": f"{rng.choice(SUMMARIES)}（压测{counter}）",
                "occurred_at": f"2026-11-20T10:{counter % 60:02d}:00+08:00",
                "customer": f"13800138{counter % 1000:03d}",
            },
            ensure_ascii=False,
        ).encode()
        headers += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    head = f"{method} {path} HTTP/1.1\r\n" + "\r\n".join(headers) + "\r\n\r\n"
    return head.encode() + body, expected


class Pool:
    """Keep-alive HTTP/1.1 connections to one port, opened on demand up to a limit."""

    def __init__(self, port: int, limit: int) -> None:
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(limit)

    async def send(self, payload: bytes) -> int:
        async with self.slots:
            if self.idle:
                reader, writer = self.idle.pop()
            else:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                writer.write(payload)
                status, keep = await read_response(reader)
            except BaseException:
                writer.close()
                raise
            if keep:
                self.idle.append((reader, writer))
            else:
                writer.close()
            return status

    def close(self) -> None:
        for _reader, writer in self.idle:
            writer.close()
        self.idle.clear()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed before a response")
    status = int(status_line.split()[1])
    length, chunked, keep = 0, False, True
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            keep = False
    if chunked:
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readline()
    elif length:
        await reader.readexactly(length)
    return status, keep


async def offer(port: int, endpoint: str, rate: float, seconds: float, data: dict, seed: int) -> dict:
    """Send `rate` requests a second for `seconds`, each at its intended time; latency from then."""
    rng = random.Random(seed)
    pool = Pool(port, MAX_CONNECTIONS)
    count = max(MIN_SAMPLES, int(rate * seconds))
    payloads = [request_bytes(endpoint, data, rng, seed * 1_000_000 + i) for i in range(count)]
    latencies: list[float] = []
    errors = 0
    lag = 0.0
    loop = asyncio.get_running_loop()

    async def one(intended: float, payload: bytes, expected: int) -> None:
        nonlocal errors
        try:
            status = await asyncio.wait_for(pool.send(payload), REQUEST_TIMEOUT_S)
            if status != expected:
                errors += 1
        except (OSError, TimeoutError, ValueError, IndexError, asyncio.IncompleteReadError):
            errors += 1
        latencies.append((loop.time() - intended) * 1000)

    tasks = []
    start = loop.time() + 0.05
    for i, (payload, expected) in enumerate(payloads):
        intended = start + i / rate
        delay = intended - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        lag = max(lag, loop.time() - intended)
        tasks.append(asyncio.ensure_future(one(intended, payload, expected)))
    await asyncio.gather(*tasks)
    pool.close()
    latencies.sort()

    def at(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return {
        "p50_ms": at(0.50),
        "p99_ms": at(0.99),
        "max_ms": latencies[-1],
        "errors": errors,
        "generator_lag_ms": lag * 1000,
        "samples": len(latencies),
    }


NGINX_CONF = """
daemon off;
worker_processes 1;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %(dir)s/body;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
    keepalive_requests 1000000;
    client_max_body_size 20m;
    server {
        listen 127.0.0.1:%(port)d backlog=2048;
        location / {
            proxy_pass http://127.0.0.1:%(upstream)d;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
        }
    }
}
"""


def wait_serving(base: str, process: subprocess.Popen, name: str, *, seconds: float) -> None:
    """Wait until the bare endpoint answers through `base`; fail if `process` exits or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(base + "/bench/bare/", timeout=2).read()  # noqa: S310 — loopback
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{name} did not start") from None
            time.sleep(0.3)


def start_nginx(upstream: int, directory: str) -> tuple[subprocess.Popen, int]:
    """nginx in front of gunicorn, as docs/deploy.md runs it: it holds the clients' keep-alive
    connections and hands gunicorn's sync workers only complete requests (a sync worker closes the
    connection after each response, so without it every request would open a new connection)."""
    port = free_port()
    conf = Path(directory) / "nginx.conf"
    conf.write_text(NGINX_CONF % {"dir": directory, "port": port, "upstream": upstream})
    process = subprocess.Popen(
        [NGINX or "nginx", "-p", directory, "-c", str(conf), "-e", f"{directory}/error.log"],
        start_new_session=True,
        stderr=subprocess.DEVNULL,
    )
    return process, port


async def warm_up(port: int, endpoint: str, data: dict, workers: int) -> None:
    """WARM_UP rounds of `workers` requests at once: a busy sync worker takes no second request, so
    each round reaches every worker (its first render of a page is not measured)."""
    pool = Pool(port, workers)
    rng = random.Random(0)
    for round_ in range(WARM_UP):
        await asyncio.gather(
            *(
                asyncio.wait_for(
                    pool.send(request_bytes(endpoint, data, rng, -(round_ * workers + i) - 1)[0]),
                    REQUEST_TIMEOUT_S,
                )
                for i in range(workers)
            )
        )
    pool.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="50,000 reports, 3 s per rate, four rates")
    parser.add_argument("--reports", type=int, default=None, help="reports in the table (default 1,000,000)")
    parser.add_argument("--seconds", type=float, default=None, help="seconds per offered rate")
    parser.add_argument("--rates", default="", help="comma-separated offered rates (req/s)")
    parser.add_argument("--only", default="", help="comma-separated endpoints (default: all)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (default: one per core)"
    )
    parser.add_argument(
        "--proxy",
        choices=("nginx", "none"),
        default="nginx" if NGINX else "none",
        help="what the generator talks to: nginx in front of gunicorn (default when installed) or gunicorn",
    )
    args = parser.parse_args()
    reports = args.reports or (50_000 if args.quick else 1_000_000)
    seconds = args.seconds or (3.0 if args.quick else 15.0)
    rates = [float(r) for r in args.rates.split(",") if r] or [
        float(r) for r in (RATES_QUICK if args.quick else RATES_FULL)
    ]
    endpoints = [e for e in ENDPOINTS if not args.only or e in args.only.split(",")]

    database = Database()
    env = dict(
        os.environ,
        DATABASE_URL=database.url,
        DJANGO_SETTINGS_MODULE="bench.load_settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-" + "k" * 60,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        CXOPS_API_USER_RATE="100000000/hour",
        PYTHONPATH=str(ROOT),
    )
    env.pop("CELERY_BROKER_URL", None)  # filing runs its after-commit work inline, as embedded
    server = proxy = None
    scratch = tempfile.TemporaryDirectory(prefix="cxops-load-")
    env["CXOPS_BENCH_STATIC_ROOT"] = str(Path(scratch.name) / "static")
    results: dict[str, dict[float, dict]] = {}
    try:
        print(f"database: {database.engine} {database.name}; preparing {reports:,} reports ...", flush=True)
        started = time.monotonic()
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        print(f"# migrated and collected static files: {time.monotonic() - started:.0f} s", flush=True)
        started = time.monotonic()
        setup = SETUP % {
            "frontline": USERS_FRONTLINE,
            "analyst": USERS_ANALYST,
            "strategies": STRATEGIES,
            "reports": reports,
        }
        data = json.loads(
            subprocess.run(
                [PYTHON, "-c", setup], cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True
            ).stdout
        )
        print(
            f"# loaded users, sessions, strategies and reports: {time.monotonic() - started:.0f} s",
            flush=True,
        )
        port = free_port()
        server = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "cxops.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--backlog",
                "2048",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        wait_serving(f"http://127.0.0.1:{port}", server, "gunicorn", seconds=60)
        if args.proxy == "nginx":
            proxy, port = start_nginx(port, scratch.name)
            wait_serving(f"http://127.0.0.1:{port}", proxy, "nginx", seconds=10)
        for endpoint in endpoints:
            asyncio.run(warm_up(port, endpoint, data, args.workers))
            results[endpoint] = {}
            for step, rate in enumerate(rates):
                cpu_before = group_cpu_seconds(server.pid)
                r = asyncio.run(offer(port, endpoint, rate, seconds, data, seed=step + 1))
                cpu_after = group_cpu_seconds(server.pid)
                if cpu_before is not None and cpu_after is not None:
                    r["app_cpu_ms"] = (cpu_after - cpu_before) * 1000 / r["samples"]
                results[endpoint][rate] = r
                print(
                    f"{endpoint:<9} offered {rate:5.0f} req/s  p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
                    f"max {r['max_ms']:7.1f} ms  n {r['samples']}  generator lag {r['generator_lag_ms']:.0f} ms  "
                    f"errors={r['errors']}",
                    flush=True,
                )
                if r["p99_ms"] > SATURATED_P99_MS:
                    break
    finally:
        if proxy is not None:
            os.killpg(proxy.pid, signal.SIGTERM)
            proxy.wait(timeout=30)
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        scratch.cleanup()
        database.drop()

    print(f"database={database.engine}")
    print(f"proxy={args.proxy}")
    print(f"workers={args.workers}")
    print(f"reports={data['reports']}")
    print(f"seconds_per_rate={seconds:g}")
    print("generator=open_loop_constant_rate_latency_from_intended_send_time")
    total_errors = 0
    best: dict[str, float] = {}
    for endpoint, by_rate in results.items():
        for rate, r in by_rate.items():
            label = f"{endpoint}_{rate:g}"
            print(f"{label}_p50_ms={r['p50_ms']:.1f}")
            print(f"{label}_p99_ms={r['p99_ms']:.1f}")
            print(f"{label}_errors={r['errors']}")
            print(f"{label}_samples={r['samples']}")
            if "app_cpu_ms" in r:
                print(f"{label}_app_cpu_ms_per_req={r['app_cpu_ms']:.2f}")
            total_errors += r["errors"]
        passing = [rate for rate, r in by_rate.items() if r["p99_ms"] < 100 and r["errors"] == 0]
        best[endpoint] = max(passing, default=0.0)
        print(f"{endpoint}_max_rate_p99_under_100ms={best[endpoint]:g}")
        cpu = sorted(r["app_cpu_ms"] for r in by_rate.values() if "app_cpu_ms" in r)
        if cpu:
            print(f"{endpoint}_app_cpu_ms_per_req={cpu[len(cpu) // 2]:.2f}")
    if best.get("bare"):
        for endpoint in results:
            if endpoint != "bare":
                print(f"{endpoint}_vs_bare={best[endpoint] / best['bare']:.2f}")
    print(f"total_errors={total_errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
