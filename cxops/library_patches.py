"""The places where cxops reaches into a library's internals, and a switch to run without each.

Each one replaced a library's per-call work that showed up in `bench/load.py`; each is kept only
while that bench shows it pays at the measured load (the figure sits in the docstring beside
the patch).  To measure one against the library's own behaviour, start the server with
`CXOPS_LIBRARY_PATCHES_OFF=<name>[,<name>...]` (or `all`); `bench/load.py --patches-off` does it.

- `history`: simple-history's `Model.history` descriptor builds its manager class once instead of
  on every access (every save of a model with history reaches it) — `cxops/history.py`;
- `fields`: strict input serializers copy their declared fields shallowly instead of DRF's deep
  copy per serializer — `cxops/api/inputs.py`;
- `cache_client`: Django's Redis cache keeps one `redis.Redis` per pool instead of making one per
  call — `cxops/cache.py`;
- `signin_count`: an API token's sign-in and its rate-limit count share one Redis round trip —
  `cxops/api/auth.py`, `cxops/api/throttling.py`.
"""

from __future__ import annotations

import os

PATCHES = ("history", "fields", "cache_client", "signin_count")


def _switched_off() -> frozenset[str]:
    names = {name.strip() for name in os.environ.get("CXOPS_LIBRARY_PATCHES_OFF", "").split(",")}
    return frozenset(PATCHES) if "all" in names else frozenset(names & set(PATCHES))


SWITCHED_OFF = _switched_off()


def patched(name: str) -> bool:
    """True unless the library's own behaviour was asked for in place of this patch."""
    if name not in PATCHES:
        raise ValueError(f"no such patch: {name}")
    return name not in SWITCHED_OFF
