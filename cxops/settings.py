"""cxops settings: everything that differs between machines comes from the environment.

Embedded default (nothing set): SQLite file beside manage.py, Celery eager, DEBUG on.
`DATABASE_URL=postgres://...` picks PostgreSQL; `CELERY_BROKER_URL=redis://...` picks a real
broker and workers.  `DJANGO_DEBUG=0` is production: it refuses to start without
`DJANGO_SECRET_KEY` and `DJANGO_ALLOWED_HOSTS`, and turns on every `check --deploy` setting.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_DEBUG=0")
    return value


DEBUG = env_bool("DJANGO_DEBUG", True)

if DEBUG:
    # Only ever used on a developer's own machine: production refuses to start without a key.
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-development-key-not-for-production")  # noqa: S105
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
else:
    SECRET_KEY = env_required("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG=0")

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Keyed hash for customer phone numbers: separate from SECRET_KEY so rotating one does not
# silently break matching on the other.
CUSTOMER_HASH_KEY = os.environ.get("CXOPS_CUSTOMER_HASH_KEY") or SECRET_KEY

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    # Layered: cxops is the ground floor, proposals builds on it, rules_lifecycle on both.
    "cxops.apps.CxopsConfig",
    "proposals.apps.ProposalsConfig",
    "rules_lifecycle.apps.RulesLifecycleConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "cxops.middleware.QueryStringNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cxops.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cxops.middleware.ContentSecurityPolicyMiddleware",
    "cxops.middleware.AdminRefusedValueMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # The client's address for the audit log (cxops/request_context.py).
    "cxops.request_context.RequestAddressMiddleware",
    # Last, as django-axes asks: turns repeated failed sign-ins into a lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Brute force: 5 failed sign-ins for one user name from one address lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("CXOPS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("CXOPS_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# --- Corporate sign-on (issue 18): LDAP / Active Directory and OIDC from the environment -------
# cxops/sign_on_settings.py lists the variables; roles (and home regions) come from the directory's
# groups or the provider's claim at every sign-in (cxops/auth_backends.py).
from cxops.sign_on_settings import ldap_settings  # noqa: E402
from cxops.sign_on_settings import oidc_settings  # noqa: E402

# Off (production with a directory or a provider): local user names and passwords no longer sign in.
CXOPS_LOCAL_SIGN_IN = env_bool("CXOPS_LOCAL_SIGN_IN", True)
CXOPS_LDAP_ROLE_GROUPS: dict[str, str] = {}
CXOPS_LDAP_REGION_GROUPS: dict[str, str] = {}
CXOPS_OIDC_ROLES_CLAIM = "groups"
CXOPS_OIDC_ROLE_GROUPS: dict[str, str] = {}
CXOPS_OIDC_REGION_GROUPS: dict[str, str] = {}
CXOPS_OIDC_PROVIDER_NAME = ""
OIDC_RP_CLIENT_ID = ""
_LDAP_SETTINGS = ldap_settings(os.environ)
_OIDC_SETTINGS = oidc_settings(os.environ)
globals().update(_LDAP_SETTINGS)
globals().update(_OIDC_SETTINGS)
if not CXOPS_LOCAL_SIGN_IN:
    AUTHENTICATION_BACKENDS.remove("django.contrib.auth.backends.ModelBackend")
if _LDAP_SETTINGS:
    AUTHENTICATION_BACKENDS.append("cxops.auth_backends.DirectoryBackend")
if _OIDC_SETTINGS:
    AUTHENTICATION_BACKENDS.append("cxops.auth_backends.IdentityProviderBackend")
# The address is the client's, not the reverse proxy's (cxops/client_address.py): X-Forwarded-For is
# believed on requests from CXOPS_TRUSTED_PROXIES only (addresses or networks; in production the
# default is a proxy on the same machine, as docs/deploy.md runs nginx).  CXOPS_PROXY_COUNT: further
# proxies (a load balancer in front of nginx) that list themselves in the header, whose addresses
# CXOPS_PROXY_TRUSTED_IPS may pin down.
CXOPS_TRUSTED_PROXIES = env_list("CXOPS_TRUSTED_PROXIES", "" if DEBUG else "127.0.0.1,::1")
for _proxy in CXOPS_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"CXOPS_TRUSTED_PROXIES: {_proxy!r} is not an address or network"
        ) from None
AXES_CLIENT_IP_CALLABLE = "cxops.client_address.client_address"
AXES_IPWARE_PROXY_ORDER = "left-most"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("CXOPS_PROXY_COUNT", "0"))
AXES_IPWARE_PROXY_TRUSTED_IPS = env_list("CXOPS_PROXY_TRUSTED_IPS")
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR"]

ROOT_URLCONF = "cxops.urls"
WSGI_APPLICATION = "cxops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cxops.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Connections persist across requests (no connect per request) and are checked at the start
        # of each request's first query, so one terminated by the server (a restart, a failover, an
        # idle reaper) is replaced instead of costing that request a 500.
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the page read while an import writes; a generous timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
if IS_POSTGRES and env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # Parameters bound by the server, and a statement run five times on a connection is kept
    # prepared: PostgreSQL plans the API's hot queries once per connection, not on every call
    # (bench/load.py: report list +10-25%).  Turn off behind PgBouncer in transaction mode.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Chinese first: zh-hans is the default, English the alternative.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("CXOPS_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("CXOPS_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

# Uploads: CSV files are streamed to disk above 2.5 MB and read row by row.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
CXOPS_MAX_UPLOAD_BYTES = int(os.environ.get("CXOPS_MAX_UPLOAD_BYTES", str(200 * 1024 * 1024)))

# --- Security ----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Regions (issue 17): the region of records written without one, and of every row that existed
# before regions (the province unless a city code is configured).
CXOPS_DEFAULT_REGION = os.environ.get("CXOPS_DEFAULT_REGION", "guangdong")

CSRF_COOKIE_HTTPONLY = False  # the pages' small scripts read it for fetch() POSTs
CSRF_FAILURE_VIEW = "cxops.views.errors.csrf_failure"  # an expired form explained in the layout
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)

# The admin's history pages show past versions; reverting to one would bypass the services.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- E-mail (notifications are sent by Celery only when configured) ---------------------------
EMAIL_BACKEND = (
    os.environ.get(
        "DJANGO_EMAIL_BACKEND",
        "django.core.mail.backends.smtp.EmailBackend" if os.environ.get("DJANGO_EMAIL_HOST") else "",
    )
    or "django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
# Seconds the SMTP connection and each exchange on it may take (Django's default: no limit). A mail
# server that hangs then fails the send, which is retried later, instead of holding a worker.
EMAIL_TIMEOUT = float(os.environ.get("DJANGO_EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "cxops@localhost")
CXOPS_EMAIL_NOTIFICATIONS = bool(os.environ.get("DJANGO_EMAIL_HOST")) or env_bool(
    "CXOPS_EMAIL_NOTIFICATIONS", False
)
# Notification preferences (issue 19): how long an e-mail's one-click unsubscribe link works, and
# the local hour the daily digest goes out.
CXOPS_UNSUBSCRIBE_MAX_AGE_DAYS = int(os.environ.get("CXOPS_UNSUBSCRIBE_MAX_AGE_DAYS", "90"))
CXOPS_DIGEST_HOUR = int(os.environ.get("CXOPS_DIGEST_HOUR", "8"))

# --- Outbound webhooks and IM robots (issue 19) -------------------------------------------
# The address people open cxops at: links in robot messages and e-mails are absolute.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
# Webhook targets may not resolve to private, loopback or link-local addresses unless their host
# is listed here (comma-separated), e.g. an intranet BOSS gateway.
CXOPS_WEBHOOK_ALLOWED_HOSTS = [host.lower() for host in env_list("CXOPS_WEBHOOK_ALLOWED_HOSTS")]
CXOPS_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("CXOPS_WEBHOOK_TIMEOUT_SECONDS", "10"))
# Attempts before a delivery is given up (retries wait 30 s, 1, 2, 4 … minutes, at most an hour).
CXOPS_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("CXOPS_WEBHOOK_MAX_ATTEMPTS", "8"))
# Exports (issue 19).  XLSX holds at most 1,048,576 rows a sheet (the header is one); more is refused (take the CSV).
CXOPS_EXPORT_XLSX_MAX_ROWS = int(os.environ.get("CXOPS_EXPORT_XLSX_MAX_ROWS", "1048575"))
# Above this many rows an export runs in the background (a file in storage, a progress page, a
# notification when ready); below, it streams as the response.  Its file is deleted after N days.
CXOPS_EXPORT_BACKGROUND_ROWS = int(os.environ.get("CXOPS_EXPORT_BACKGROUND_ROWS", "100000"))
CXOPS_EXPORT_JOB_KEEP_DAYS = int(os.environ.get("CXOPS_EXPORT_JOB_KEEP_DAYS", "7"))
# Hours an issue may stay open, by severity (4 critical 紧急, 3 high, 2 medium, 1 low); a breach is
# escalated to the managers and sent as the issue.sla_breached event.
from cxops.issue_clock import parse_sla_hours as _parse_sla_hours  # noqa: E402 (pure, no Django settings)

CXOPS_ISSUE_SLA_HOURS = _parse_sla_hours(os.environ.get("CXOPS_ISSUE_SLA_HOURS", "4:24,3:72,2:168,1:336"))

# --- Cache -------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "cxops.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Django REST framework -----------------------------------------------------------------
# Personal API tokens (DRF's unscoped, non-expiring tokens of people's accounts, issued by
# `manage.py drf_create_token`): touchpoint systems use service accounts' scoped tokens instead
# (docs/deploy.md).  Off: only service tokens and the browser session sign in to the API.
CXOPS_PERSONAL_API_TOKENS = env_bool("CXOPS_PERSONAL_API_TOKENS", True)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Tokens first: their WWW-Authenticate header makes unauthenticated requests a 401, not a 403.
        # Service accounts' scoped tokens (cxsa_…), then personal tokens (CXOPS_PERSONAL_API_TOKENS).
        "cxops.api.service_auth.ServiceTokenAuthentication",
        *(["cxops.api.auth.CachedTokenAuthentication"] if CXOPS_PERSONAL_API_TOKENS else []),
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "cxops.api.pagination.DefaultCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["cxops.api.filtering.ListFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cxops.api.errors.exception_handler",
    # JSON bodies nested beyond a few levels are a 400, not a RecursionError (cxops/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "cxops.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "cxops.api.throttling.FixedWindowUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"user": os.environ.get("CXOPS_API_USER_RATE", "100000/hour")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "cxops API",
    "DESCRIPTION": "Customer-experience operations: reports, issues, metrics, strategies, rules, evaluations.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" (or "kind") with different choices: name each enum.
    "ENUM_NAME_OVERRIDES": {
        "IssueStatusEnum": "cxops.models.choices.IssueStatus",
        "ReportStatusEnum": "cxops.models.choices.ReportStatus",
        "ImportStatusEnum": "cxops.models.choices.ImportStatus",
        "AlertStatusEnum": "cxops.models.choices.AlertStatus",
        "StrategyStatusEnum": "proposals.models.choices.StrategyStatus",
        "RuleStatusEnum": "rules_lifecycle.models.RuleStatus",
        "NotificationKindEnum": "cxops.models.choices.NotificationKind",
        "ImportKindEnum": "cxops.models.choices.ImportKind",
        "WebhookEventEnum": "cxops.models.choices.WebhookEvent",
        "WebhookFormatEnum": "cxops.models.choices.WebhookFormat",
        "DeliveryStatusEnum": "cxops.models.choices.DeliveryStatus",
        "SeverityEnum": "cxops.models.choices.Severity",
    },
}

# --- Retention (PIPL, issue 18): days each kind of personal data is kept; 0 keeps it forever ------
# Report detail + customer key, import files + rejected rows, notifications, audit lines
# (cxops/services/retention.py; purged daily by beat).
CXOPS_RETENTION_REPORT_DAYS = int(os.environ.get("CXOPS_RETENTION_REPORT_DAYS", "730"))
CXOPS_RETENTION_IMPORT_DAYS = int(os.environ.get("CXOPS_RETENTION_IMPORT_DAYS", "90"))
CXOPS_RETENTION_NOTIFICATION_DAYS = int(os.environ.get("CXOPS_RETENTION_NOTIFICATION_DAYS", "365"))
CXOPS_RETENTION_AUDIT_DAYS = int(os.environ.get("CXOPS_RETENTION_AUDIT_DAYS", "1095"))

# --- Celery ------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# No broker configured: run tasks inline (embedded mode), so nothing needs a service.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A redelivered task (worker killed) comes back after an hour; no task retries later than that.
    "visibility_timeout": 3600,
    # Publishing must fail fast when the broker is down (the outbox keeps the message), so a
    # page never waits more than about a second on it.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    "socket_connect_timeout": 1,
    # A paused broker accepts the connection and never answers: the first request after it
    # hangs waits this long, and the outbox stops trying from requests for a while after it.
    # Above kombu's 1 s BRPOP poll, so a worker's idle wait is not cut short.
    "socket_timeout": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Stuck work recovers by itself: an import job or evaluation run queued or running without a sign
# of life for this long, or an outbox message published but not started by a worker, is sent
# again (a killed worker, a broker that restarted empty).  Longer than any one chunk or batch takes.
CXOPS_WORK_STALE_SECONDS = int(os.environ.get("CXOPS_WORK_STALE_SECONDS", "300"))
# How often beat looks for such work (and drains the outbox).
CXOPS_SWEEP_INTERVAL_SECONDS = float(os.environ.get("CXOPS_SWEEP_INTERVAL_SECONDS", "60"))
# The one place the periodic work is declared.
CELERY_BEAT_SCHEDULE = {
    "drain-outbox": {
        "task": "cxops.tasks.drain_outbox",
        "schedule": CXOPS_SWEEP_INTERVAL_SECONDS,
    },
    "recover-stalled-work": {
        "task": "cxops.tasks.recover_stalled_work",
        "schedule": CXOPS_SWEEP_INTERVAL_SECONDS,
    },
    "recover-stalled-evaluations": {
        "task": "rules_lifecycle.tasks.recover_stalled_evaluations",
        "schedule": CXOPS_SWEEP_INTERVAL_SECONDS,
    },
    "escalate-breached-issues": {
        "task": "cxops.tasks.escalate_breached_issues",
        "schedule": 60.0,
    },
    "retry-webhook-deliveries": {
        "task": "cxops.tasks.retry_webhook_deliveries",
        "schedule": 30.0,
    },
    "detect-hot-spots": {
        "task": "cxops.tasks.detect_hot_spots",
        "schedule": crontab(minute="*/30"),
    },
    "purge-expired-data": {
        "task": "cxops.tasks.purge_expired_data",
        "schedule": crontab(hour="2", minute="40"),
    },
    "evaluate-live-rules": {
        "task": "rules_lifecycle.tasks.evaluate_all_rules",
        "schedule": crontab(hour="3", minute="15"),
    },
    "purge-export-jobs": {
        "task": "cxops.tasks.purge_export_jobs",
        "schedule": crontab(hour="2", minute="50"),
    },
    "recover-unsent-mail": {
        "task": "cxops.tasks.recover_unsent_mail",
        "schedule": crontab(minute="*/10"),
    },
    "send-notification-digests": {
        "task": "cxops.tasks.send_notification_digests",
        "schedule": crontab(hour=str(CXOPS_DIGEST_HOUR), minute="0"),
    },
}

# --- Logging -----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

CXOPS_NAV_SECTIONS = [
    # (url name, label, roles that may open it; empty: every member) — the closed loop, in order.
    ("reports:file", _("Sense"), ("frontline",)),  # every member role implies frontline; admin has none
    ("dashboard:overview", _("Dashboard"), ("analyst", "product_owner")),
    ("proposals:list", _("Strategy pool"), ()),
    ("rules:board", _("Rules"), ()),
    ("evaluation:review", _("Effectiveness"), ()),
    ("integrations:webhooks", _("Integrations"), ("admin",)),
    ("identity:audit", _("Compliance"), ("admin",)),
]
