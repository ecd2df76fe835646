"""Settings for bench/load.py: the production settings plus one bare endpoint as the ceiling."""

from cxops.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
# Plain HTTP on loopback: no HTTPS redirect for the load generator.
SECURE_SSL_REDIRECT = False
LOGGING = {"version": 1, "disable_existing_loggers": False}
