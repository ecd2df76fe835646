"""Settings for bench/load.py: the production settings plus one bare endpoint as the yardstick."""

import os
from pathlib import Path

from cxops.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
# Plain HTTP on loopback: no HTTPS redirect for the load generator.
SECURE_SSL_REDIRECT = False
LOGGING = {"version": 1, "disable_existing_loggers": False}
# The pages render static URLs from a manifest: bench/load.py collects it into its scratch
# directory (not the checkout's staticfiles/).  Hashed names as in production; the files are not
# compressed, which only the serving of static files (never measured here) would notice.
if os.environ.get("CXOPS_BENCH_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["CXOPS_BENCH_STATIC_ROOT"])
    STORAGES = {
        **STORAGES,  # noqa: F405
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
