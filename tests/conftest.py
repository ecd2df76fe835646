"""Shared fixtures.

- SQLite + eager Celery by default; PostgreSQL when DATABASE_URL is set, and a real Celery worker
  (a subprocess on the test database) when CELERY_BROKER_URL is set.
- Tests marked `postgres` / `celery_worker` / `browser` skip elsewhere, with the reason.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from cxops.roles import Role

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config, items):
    is_postgres = settings.DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
    has_broker = bool(os.environ.get("CELERY_BROKER_URL"))
    has_chromium = Path("/usr/bin/chromium").exists()
    try:
        import playwright  # noqa: F401

        has_playwright = True
    except ImportError:
        has_playwright = False
    for item in items:
        if "postgres" in item.keywords and not is_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://..."))
        if "celery_worker" in item.keywords and not has_broker:
            item.add_marker(
                pytest.mark.skip(reason="needs a broker and worker: set CELERY_BROKER_URL=redis://...")
            )
        if "browser" in item.keywords and not (has_chromium and has_playwright):
            item.add_marker(
                pytest.mark.skip(
                    reason="needs Debian's chromium (/usr/bin/chromium) and the playwright package"
                )
            )


# --- users ------------------------------------------------------------------------------


@pytest.fixture
def make_user(db, django_user_model):
    counter = {"n": 0}

    def make(role: str | None = None, username: str | None = None, **extra):
        counter["n"] += 1
        name = username or f"{role or 'user'}{counter['n']}"
        user = django_user_model.objects.create_user(
            username=name, password="pw-test-12345", email=f"{name}@example.com", **extra
        )
        if role:
            group, _ = Group.objects.get_or_create(name=role)
            user.groups.add(group)
        return user

    return make


@pytest.fixture
def frontline(make_user):
    return make_user(Role.FRONTLINE)


@pytest.fixture
def analyst(make_user):
    return make_user(Role.ANALYST)


@pytest.fixture
def product_owner(make_user):
    return make_user(Role.PRODUCT_OWNER)


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def admin_user_role(make_user):
    return make_user(Role.ADMIN, is_staff=True)


@pytest.fixture
def client_for(client):
    """client_for(user) → a test client signed in as that user."""
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def api_client_for():
    from rest_framework.test import APIClient

    def make(user):
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return make


@pytest.fixture
def reference_data(db):
    from cxops.services.reference import reference_data_seed

    reference_data_seed()
    from cxops.models import Channel
    from cxops.models import Product
    from cxops.models import Segment

    return {
        "products": {p.code: p for p in Product.objects.all()},
        "channels": {c.code: c for c in Channel.objects.all()},
        "segments": {s.code: s for s in Segment.objects.all()},
    }


# --- a real Celery worker ------------------------------------------------------------------


def _database_url_for_worker() -> str:
    from django.db import connection

    db = connection.settings_dict
    name = db["NAME"]
    if db["ENGINE"].startswith("django.db.backends.postgresql"):
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or "5432"
        user = db.get("USER") or ""
        password = db.get("PASSWORD") or ""
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        return f"postgres://{auth}{host}:{port}/{name}"
    return f"sqlite:///{name}"


def _celery_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = _database_url_for_worker()
    env["DJANGO_SETTINGS_MODULE"] = "cxops.settings"
    env.update(extra or {})
    return env


def _stop_process(proc, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    proc._log.close()


class CeleryWorker:
    """A real `celery worker` subprocess on the test database.  `env` overrides the environment
    (another broker, a shorter stale limit); `restart(env=...)` changes it for the next start."""

    log_path = ROOT / ".pytest-celery-worker.log"

    def __init__(self, env: dict[str, str] | None = None, name: str = "pytest"):
        self.extra = dict(env or {})
        self.name = name
        self.proc = self._start()

    def _start(self):
        env = _celery_env(self.extra)
        # Drop tasks left over from an earlier run so they do not hit this run's database.
        subprocess.run(
            [sys.executable, "-m", "celery", "-A", "cxops", "purge", "-f"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        log = open(self.log_path, "ab")  # noqa: SIM115 — closed with the process
        offset = self.log_path.stat().st_size
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cxops",
                "worker",
                "--pool=prefork",
                "--concurrency=2",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"{self.name}-{os.getpid()}@%h",
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc._log = log  # type: ignore[attr-defined]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"celery worker exited early; see {self.log_path}")
            with open(self.log_path, "rb") as read:
                read.seek(offset)
                if b"ready." in read.read():
                    return proc
            time.sleep(0.3)
        raise RuntimeError(f"celery worker not ready in 60 s; see {self.log_path}")

    def kill(self):
        """SIGKILL the whole worker (main process and pool children)."""
        _stop_process(self.proc, signal.SIGKILL)

    def restart(self, env: dict[str, str] | None = None):
        if self.proc.poll() is None:
            _stop_process(self.proc)
        if env is not None:
            self.extra = dict(env)
        self.proc = self._start()

    def stop(self):
        _stop_process(self.proc)


class CeleryBeat:
    """A real `celery beat` subprocess (the schedule of cxops/settings.py); `env` as for the worker."""

    log_path = ROOT / ".pytest-celery-beat.log"

    def __init__(self, schedule_dir: Path, env: dict[str, str] | None = None):
        log = open(self.log_path, "ab")  # noqa: SIM115 — closed with the process
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cxops",
                "beat",
                "--loglevel=INFO",
                "-s",
                str(schedule_dir / "celerybeat-schedule"),
            ],
            env=_celery_env(env),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.proc._log = log  # type: ignore[attr-defined]

    def stop(self):
        _stop_process(self.proc)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` subprocess on the test database (a `CeleryWorker`).

    Tests that use it need `transactional_db` so their writes are committed and visible to it.
    """
    if not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("needs CELERY_BROKER_URL")
    worker = CeleryWorker()
    yield worker
    worker.stop()


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):
    """Poll until predicate() is truthy; returns its value or fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium") or "/usr/bin/chromium"
    return path


@pytest.fixture(autouse=True)
def _fresh_reference_table():
    """Each test's reference rows are its own: a test's rollback sends no signal to drop the
    per-process table `cxops.selectors.reference` keeps."""
    from cxops.selectors.reference import reference_cache_clear

    reference_cache_clear()
    yield
    reference_cache_clear()


@pytest.fixture(autouse=True)
def _celery_mode(request):
    """Ordinary tests run tasks inline; tests marked `celery_worker` go through the real broker."""
    from cxops.celery import app

    eager = "celery_worker" not in request.keywords
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager or previous
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _outbox_publishes_from_requests():
    """A test that made the broker fail must not leave later tests' requests skipping their
    publish (cxops.services.outbox backs off for a few seconds after a failure)."""
    from cxops.services import outbox

    outbox._broker_down_until = 0.0
    yield
    outbox._broker_down_until = 0.0


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a request's LocaleMiddleware leaves its
    language active in the thread after the response, so an English request in one test used to
    make the next test's gettext English (tests/rules_lifecycle/test_kanban.py before
    test_backfill_go_live.py)."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
