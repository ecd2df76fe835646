"""Which scope a service token needs for a request: one table for the whole API.

Views keep their own permission classes (roles, objects); a service token is narrowed further by
its scopes before any view runs (`cxops.api.service_auth`).  A request that matches no line is
refused to every service token: new endpoints are closed to them until a line names them.
"""

from __future__ import annotations

import re

READ = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE = frozenset({"POST"})
ANY_TOKEN = ""  # reference data every client needs to send valid codes

# (methods, path pattern under /api/, scope)
SCOPE_RULES: list[tuple[frozenset[str], re.Pattern[str], str]] = [
    (READ, re.compile(r"^(products|channels|segments|regions)/"), ANY_TOKEN),
    (WRITE, re.compile(r"^reports/(batch/)?$"), "reports:write"),
    (READ, re.compile(r"^reports/"), "reports:read"),
    (READ, re.compile(r"^issues/"), "issues:read"),
    (WRITE, re.compile(r"^metrics/batch/$"), "metrics:write"),
    (READ, re.compile(r"^(metrics/series|dashboard)/"), "metrics:read"),
    (READ, re.compile(r"^(strategies|strategy-comments|pool-search)/"), "strategies:read"),
    (READ, re.compile(r"^(rules|evaluation-runs|rule-evaluations|evaluation-portfolio)/"), "rules:read"),
]


def required_scope(method: str, path: str) -> str | None:
    """The scope a request needs ("" for any token), or None when no service token may make it."""
    if not path.startswith("/api/"):
        return None
    rest = path[len("/api/") :]
    for methods, pattern, scope in SCOPE_RULES:
        if method in methods and pattern.match(rest):
            return scope
    return None
