"""Token authentication that does not cost two queries on every API call.

DRF's `TokenAuthentication` reads the token and its user, and our role checks read the user's
groups: two round trips before the view starts.  API clients (touchpoint systems, scripts) call
in bursts with the same token, so the signed-in user, with their roles already worked out, is kept
in the shared cache for a short while.

Safety: entries are keyed by a digest of the token (the cache never holds a usable token) and
carry the *auth generation* they were made in, a number kept in the same cache; any save or delete of a user, group or token, and
any change of a user's groups, moves the generation on, so a deactivated user, a revoked token or
a changed role takes effect on the next request in every process (an entry of another generation
is not used).  One cache round trip per request reads the generation and the entry together.  Only a
cache shared by all processes (Redis) can make that promise: with a per-process cache nothing is
cached.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models.signals import m2m_changed
from django.db.models.signals import post_delete
from django.db.models.signals import post_save
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from cxops.cache import on_recovery
from cxops.models import HomeRegion
from cxops.regions import user_region
from cxops.roles import user_roles

TTL_SECONDS = 300
GENERATION_KEY = "cxops:auth-generation"


def cache_is_shared() -> bool:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return backend.endswith(("RedisCache", "PyMemcacheCache", "PyLibMCCache"))


def _entry_key(token_key: str) -> str:
    return "cxops:token:" + hashlib.sha256(token_key.encode()).hexdigest()


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        if not cache_is_shared():
            return super().authenticate_credentials(key)
        entry_key = _entry_key(key)
        found = cache.get_many([GENERATION_KEY, entry_key])  # one round trip
        generation = found.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, 1, timeout=None)
            generation = cache.get(GENERATION_KEY, 1)
        entry = found.get(entry_key)
        if entry is not None and entry[0] == generation:
            user = entry[1]
            return user, Token(key=key, user=user)
        user, token = super().authenticate_credentials(key)  # raises for a bad or inactive token
        # What is cached: the user without their password hash (deferred: loaded from the database
        # if anything asks, and never written back by a save) and with their roles worked out.
        cached = type(user).objects.defer("password").get(pk=user.pk)
        user_roles(cached)
        user_region(cached)
        cache.set(entry_key, (generation, cached), timeout=TTL_SECONDS)
        return user, token


def auth_changed(**kwargs: Any) -> None:
    """Any change to who someone is or what they may do: every cached sign-in is stale."""
    if not cache_is_shared():
        return
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set (or evicted): entries of an unknown generation are not trusted
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def connect_signals() -> None:
    # A change made while Redis was away could not move the generation on: do it when it is back.
    on_recovery(auth_changed)
    user_model = get_user_model()
    for model in (user_model, Group, Token):
        post_save.connect(auth_changed, sender=model, dispatch_uid=f"cxops-auth-save-{model.__name__}")
        post_delete.connect(auth_changed, sender=model, dispatch_uid=f"cxops-auth-delete-{model.__name__}")

    post_save.connect(auth_changed, sender=HomeRegion, dispatch_uid="cxops-auth-save-HomeRegion")
    post_delete.connect(auth_changed, sender=HomeRegion, dispatch_uid="cxops-auth-delete-HomeRegion")
    m2m_changed.connect(auth_changed, sender=user_model.groups.through, dispatch_uid="cxops-auth-groups")
    m2m_changed.connect(
        auth_changed, sender=user_model.user_permissions.through, dispatch_uid="cxops-auth-permissions"
    )
