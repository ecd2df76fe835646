"""Token authentication that does not cost two queries on every API call.

DRF's `TokenAuthentication` reads the token and its user, and our role checks read the user's
groups: two round trips before the view starts.  API clients (touchpoint systems, scripts) call
in bursts with the same token, so the signed-in user, with their roles already worked out, is kept
in the shared cache for a short while.

Safety: entries are keyed by a digest of the token (the cache never holds a usable token) and by
an *auth generation* stored in the same cache; any save or delete of a user, group or token, and
any change of a user's groups, moves the generation on, so a deactivated user, a revoked token or
a changed role takes effect on the next request in every process.  Only a cache shared by all
processes (Redis) can make that promise: with a per-process cache nothing is cached.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from cxops.roles import user_roles

TTL_SECONDS = 300
GENERATION_KEY = "cxops:auth-generation"


def cache_is_shared() -> bool:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return backend.endswith(("RedisCache", "PyMemcacheCache", "PyLibMCCache"))


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        generation = cache.get(GENERATION_KEY, 1)
    return generation


def _entry_key(token_key: str, generation: int) -> str:
    digest = hashlib.sha256(token_key.encode()).hexdigest()
    return f"cxops:token:{generation}:{digest}"


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        if not cache_is_shared():
            return super().authenticate_credentials(key)
        entry_key = _entry_key(key, _generation())
        hit = cache.get(entry_key)
        if hit is not None:
            return hit  # (user with its roles worked out, token)
        user, token = super().authenticate_credentials(key)  # raises for a bad or inactive token
        user_roles(user)  # worked out once, kept on the cached user
        cache.set(entry_key, (user, token), timeout=TTL_SECONDS)
        return user, token


def auth_changed(**kwargs: Any) -> None:
    """Any change to who someone is or what they may do: every cached sign-in is stale."""
    if not cache_is_shared():
        return
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): start a new series above anything cached
        cache.set(GENERATION_KEY, _generation() + 1, timeout=None)


def connect_signals() -> None:
    user_model = get_user_model()
    for model in (user_model, Group, Token):
        post_save.connect(auth_changed, sender=model, dispatch_uid=f"cxops-auth-save-{model.__name__}")
        post_delete.connect(auth_changed, sender=model, dispatch_uid=f"cxops-auth-delete-{model.__name__}")
    m2m_changed.connect(auth_changed, sender=user_model.groups.through, dispatch_uid="cxops-auth-groups")
    m2m_changed.connect(
        auth_changed, sender=user_model.user_permissions.through, dispatch_uid="cxops-auth-permissions"
    )
