#!/usr/bin/env python
"""Load: 100 concurrent signed-in API clients against gunicorn on loopback.

    python bench/load.py            # 20 s per scenario
    python bench/load.py --quick    # 5 s per scenario (CI smoke)

Starts its own database (PostgreSQL `cxops_bench_load` when DATABASE_URL points at PostgreSQL,
else a fresh SQLite file — SQLite serialises writes, so say which in any figure you quote),
loads reference data, 110 users with API tokens and 20,000 reports, starts gunicorn with the
production settings on 127.0.0.1 behind nginx (Debian package `nginx-light`), as docs/deploy.md
runs it, and drives it with `wrk` (Debian package `wrk`), which runs Lua scripts for tokens, random
ids and report bodies.  Without nginx, wrk talks to gunicorn itself (`--proxy none`).

Scenarios, each with 100 connections:
  ceiling        GET a bare Django JsonResponse (same middleware, no DB)    — closed loop, flat out
  list           GET /api/reports/ (analyst, first cursor page of 20)       — offered ~500 req/s
  retrieve       GET /api/reports/<random id>/                             — offered ~500 req/s
  list_max       GET /api/reports/, flat out
  create         POST /api/reports/ (frontline agents, Chinese text), flat out

Offered rate: each connection waits a random think time, exponential with a mean of 200 ms, between
requests (wrk's delay()), so 100 connections offer at most 500 req/s as a Poisson-like stream;
`--think fixed` waits exactly 200 ms instead (see THINK for why that measures a lockstep wave); it
is the default with `--proxy none`, where a client thinking on an open connection would hold a
gunicorn sync worker (see start_nginx).
Ends with key=value lines: <scenario>_rps, _p50_ms, _p95_ms, _p99_ms,
_errors, and ratios to the ceiling.  Bounded: fixed duration per scenario, loopback only.
"""

from __future__ import annotations

import argparse
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
CONNECTIONS = 100
USERS_FRONTLINE = 100
USERS_ANALYST = 10
REPORTS = 20_000
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        base, _, _name = url.rpartition("/")
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS cxops_bench_load WITH (FORCE)")
            conn.execute("CREATE DATABASE cxops_bench_load")
        return base + "/cxops_bench_load", "postgresql"
    path = Path(tempfile.gettempdir()) / "cxops_bench_load.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return f"sqlite:///{path}", "sqlite"


SETUP = r"""
import datetime as dt, json, random, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.authtoken.models import Token
from cxops.models import Channel, ExperienceReport, Product
from cxops.services.reference import reference_data_seed
from cxops.services.rollups import rollups_rebuild

reference_data_seed()
User = get_user_model()
tokens = {"frontline": [], "analyst": []}
for role, count in (("frontline", %(frontline)d), ("analyst", %(analyst)d)):
    group = Group.objects.get(name=role)
    for i in range(count):
        user = User.objects.create_user(f"load-{role}-{i}", password=None)
        user.groups.add(group)
        tokens[role].append(Token.objects.create(user=user).key)
products = list(Product.objects.values_list("id", flat=True))
channels = list(Channel.objects.values_list("id", flat=True))
reporters = list(User.objects.filter(username__startswith="load-frontline").values_list("id", flat=True))
rng = random.Random(7)
now = timezone.now()
texts = ["客户反映飞信无法登录，提示密码错误", "咨询港澳一卡多号如何开通", "网上营业厅找不到套餐变更入口", "彩铃设置后对方听不到", "话费账单与套餐不符"]
rows = [
    ExperienceReport(
        source_type=rng.choice(["complaint", "consultation", "suggestion"]), product_id=rng.choice(products),
        channel_id=rng.choice(channels), layer=rng.choice(["functional", "convenience", "emotional"]),
        stage=rng.choice(["awareness", "knowledge", "inclination", "use", "repeat_use"]),
        summary=rng.choice(texts), occurred_at=now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 365)),
        reporter_id=rng.choice(reporters), source_system="bench", external_id=f"b{i}",
    )
    for i in range(%(reports)d)
]
ExperienceReport.objects.bulk_create(rows, batch_size=2000)
rollups_rebuild()
ids = list(ExperienceReport.objects.values_list("id", flat=True))
json.dump({"tokens": tokens, "min_id": min(ids), "max_id": max(ids)}, sys.stdout)
"""

LUA = r"""
local tokens = {%(tokens)s}
local min_id, max_id = %(min_id)d, %(max_id)d
local mode = "%(mode)s"
local pause = %(delay)d
local counter = 0
local layers = {"functional", "convenience", "emotional"}
local summaries = {"客户反映飞信无法登录", "咨询港澳一卡多号开通方式", "网上营业厅找不到套餐变更入口", "推荐更优资费套餐"}

function setup(thread) thread:set("seed", math.random(1, 1000000)) end
function init(args) math.randomseed(seed) end

request = function()
  counter = counter + 1
  local headers = {["Accept"] = "application/json", ["Accept-Language"] = "zh-hans"}
  if mode ~= "ceiling" then headers["Authorization"] = "Token " .. tokens[math.random(#tokens)] end
  if mode == "ceiling" then return wrk.format("GET", "/bench/bare/", headers) end
  if mode == "list" or mode == "list_max" then return wrk.format("GET", "/api/reports/?page_size=20", headers) end
  if mode == "retrieve" then return wrk.format("GET", "/api/reports/" .. math.random(min_id, max_id) .. "/", headers) end
  headers["Content-Type"] = "application/json"
  local body = string.format(
    '{"source_type":"complaint","product":"fetion","channel":"hotline-10086","layer":"%%s","stage":"use",' ..
    '"summary":"%%s（压测%%d）","occurred_at":"2026-11-20T10:%%02d:00+08:00","customer":"13800138%%03d"}',
    layers[math.random(#layers)], summaries[math.random(#summaries)], counter, counter %% 60, counter %% 1000)
  return wrk.format("POST", "/api/reports/", headers, body)
end

%(delay_fn)s

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%.3f %%.3f %%.3f\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


# Think time between a connection's requests.  "exponential" (the default) makes the 100 connections
# independent clients, their requests together a Poisson stream at the offered rate, which is what
# "500 req/s offered" means for a service centre's many callers.  "fixed" (every connection waits
# exactly the same) is kept for comparison: all 100 connections start at the same instant, so
# they stay in lockstep, and every cycle the whole 100 arrive as one wave that queues behind itself
# (p95 then measures the wave's length, about 100 x service time / workers, not the service).
THINK = {
    "exponential": "delay = function() return math.floor(-%d * math.log(1 - math.random())) end",
    "fixed": "delay = function() return %d end",
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
    connections while they think and hands gunicorn's sync workers only complete requests.  Without
    it, wrk reconnects after each response (sync workers close the connection) and then thinks on
    the open connection, so a worker sits blocked on a client that has not spoken yet."""
    port = free_port()
    conf = Path(directory) / "nginx.conf"
    conf.write_text(NGINX_CONF % {"dir": directory, "port": port, "upstream": upstream})
    process = subprocess.Popen(
        [NGINX or "nginx", "-p", directory, "-c", str(conf), "-e", f"{directory}/error.log"],
        start_new_session=True,
        stderr=subprocess.DEVNULL,
    )
    return process, port


def run_wrk(
    base: str, mode: str, seconds: int, data: dict, delay_ms: int, think: str = "exponential"
) -> dict:
    tokens = data["tokens"]["frontline" if mode == "create" else "analyst"]
    script = LUA % {
        "tokens": ", ".join(f'"{t}"' for t in tokens),
        "min_id": data["min_id"],
        "max_id": data["max_id"],
        "mode": mode,
        "delay": delay_ms,
        "delay_fn": (THINK[think] % delay_ms) if delay_ms else "",
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    result = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", handle.name, base],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    os.unlink(handle.name)
    line = next((row for row in result.stdout.splitlines() if row.startswith("RESULT")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {result.stdout}\n{result.stderr}")
    requests, duration_us, socket_errors, status_errors, p50, p95, p99 = line.split()[1:]
    return {
        "rps": int(requests) / (int(duration_us) / 1e6),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "p99_ms": float(p99),
        "errors": int(socket_errors) + int(status_errors),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="5 s per scenario")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (default: one per core)"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="gunicorn threads per worker (gthread when > 1)"
    )
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (sync, gthread)")
    parser.add_argument(
        "--think",
        choices=sorted(THINK),
        default=None,
        help="think time between a connection's requests in the offered-rate scenarios "
        "(default: exponential behind nginx, fixed without it)",
    )
    parser.add_argument(
        "--proxy",
        choices=("nginx", "none"),
        default="nginx" if NGINX else "none",
        help="what wrk talks to: nginx in front of gunicorn (default when installed) or gunicorn itself",
    )
    parser.add_argument("--only", default="", help="comma-separated scenarios to run (default: all)")
    args = parser.parse_args()
    if args.think is None:
        args.think = "exponential" if args.proxy == "nginx" else "fixed"
    if not shutil.which("wrk"):
        print("bench/load.py needs wrk: apt-get install -y wrk", file=sys.stderr)
        return 2
    seconds = 5 if args.quick else 20

    url, engine = database_url()
    env = dict(
        os.environ,
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="bench.load_settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-" + "k" * 60,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        CXOPS_API_USER_RATE="100000000/hour",
        PYTHONPATH=str(ROOT),
    )
    env.pop("CELERY_BROKER_URL", None)  # filing runs its after-commit work inline, as embedded
    print(
        f"database: {engine}; preparing {REPORTS} reports and {USERS_FRONTLINE + USERS_ANALYST} users ...",
        flush=True,
    )
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    setup = SETUP % {"frontline": USERS_FRONTLINE, "analyst": USERS_ANALYST, "reports": REPORTS}
    data = json.loads(
        subprocess.run(
            [PYTHON, "-c", setup], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        ).stdout
    )

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    scratch = tempfile.TemporaryDirectory(prefix="cxops-load-")
    proxy = None
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
            "--worker-class",
            args.worker_class,
            *(["--threads", str(args.threads)] if args.threads > 1 else []),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_serving(base, server, "gunicorn", seconds=30)
        if args.proxy == "nginx":
            proxy, proxy_port = start_nginx(port, scratch.name)
            base = f"http://127.0.0.1:{proxy_port}"
            wait_serving(base, proxy, "nginx", seconds=10)
        results = {}
        scenarios = (("ceiling", 0), ("list", 200), ("retrieve", 200), ("list_max", 0), ("create", 0))
        only = set(filter(None, args.only.split(",")))
        for mode, delay in scenarios:
            if only and mode not in only:
                continue
            results[mode] = run_wrk(base, mode, seconds, data, delay, args.think)
            r = results[mode]
            print(
                f"{mode:<9} {r['rps']:8.0f} req/s  p50 {r['p50_ms']:.1f} ms  p95 {r['p95_ms']:.1f} ms  "
                f"p99 {r['p99_ms']:.1f} ms  errors {r['errors']}",
                flush=True,
            )
    finally:
        if proxy is not None:
            os.killpg(proxy.pid, signal.SIGTERM)
            proxy.wait(timeout=30)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        scratch.cleanup()

    print(f"database={engine}")
    print(f"think={args.think}")
    print(f"proxy={args.proxy}")
    print(f"connections={CONNECTIONS}")
    print(f"seconds_per_scenario={seconds}")
    for mode, r in results.items():
        for key in ("rps", "p50_ms", "p95_ms", "p99_ms"):
            print(f"{mode}_{key}={r[key]:.1f}")
        print(f"{mode}_errors={r['errors']}")
    if "ceiling" in results:
        ceiling = results["ceiling"]["rps"]
        print(f"ceiling_rps={ceiling:.1f}")
        for mode in ("list_max", "create"):
            if mode in results:
                print(f"{mode}_ratio={results[mode]['rps'] / ceiling:.3f}")
    print(f"total_errors={sum(r['errors'] for r in results.values())}")
    return 0


if __name__ == "__main__":
    random.seed(1)
    sys.exit(main())
