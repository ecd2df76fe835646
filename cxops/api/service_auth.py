"""API sign-in with a service account's token (`Authorization: Token cxsa_…` or `Bearer cxsa_…`).

Placed before the personal-token class: a value that does not start with `cxsa_` is left to it.
Every request reads the token row (one indexed query, account and user joined), so a revoked or
expired token, or a switched-off account, is refused with a 401 on the very next request in every
process: nothing about a service token is cached.  The token's scopes are checked here, before the
view, against `cxops.api.scopes` (a 403 naming the scope): views override the default permission
classes, so this is the one place every endpoint passes through.  The account's user gets the
roles its scopes need, worked out from the scopes without reading its groups.
"""

from __future__ import annotations

import hmac
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.authentication import get_authorization_header

from cxops.client_address import client_address
from cxops.models.identity import ServiceToken
from cxops.roles import IMPLIED_ROLES
from cxops.services.service_accounts import SCOPES
from cxops.services.service_accounts import TOKEN_PREFIX
from cxops.services.service_accounts import service_token_touch
from cxops.services.service_accounts import token_digest

from .scopes import required_scope

KEYWORDS = (b"token", b"bearer")


class ServiceTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Any) -> tuple[Any, ServiceToken] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() not in KEYWORDS:
            return None
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            return None
        if not key.startswith(TOKEN_PREFIX):
            return None
        prefix = key[len(TOKEN_PREFIX) :].partition("_")[0]
        token = (
            ServiceToken.objects.select_related("account__user").filter(prefix=prefix[:16]).first()
            if prefix
            else None
        )
        now = timezone.now()
        if token is None or not hmac.compare_digest(token.digest, token_digest(key)):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.is_usable(now) or not token.account.is_active or not token.account.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token has been revoked or has expired."))
        scope = required_scope(request.method, request.path)
        if scope is None or (scope and scope not in token.scopes):
            raise exceptions.PermissionDenied(
                _("This token's scopes (%(scopes)s) do not allow this request.")
                % {"scopes": ", ".join(token.scopes)}
            )
        service_token_touch(token=token, address=client_address(request._request), now=now)
        user = token.account.user
        # The roles `has_role` reads (cxops.roles.user_roles caches them on the user the same way).
        user._cxops_roles = frozenset().union(  # type: ignore[attr-defined]
            *(IMPLIED_ROLES[SCOPES[scope][1]] for scope in token.scopes if scope in SCOPES)
        )
        user._cxops_service_account = token.account  # type: ignore[attr-defined]
        return user, token

    def authenticate_header(self, request: Any) -> str:
        return 'Token realm="api"'


class ServiceTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI schema's name for it (drf-spectacular finds extensions when their module loads)."""

    target_class = "cxops.api.service_auth.ServiceTokenAuthentication"
    name = "serviceToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token cxsa_… (a service account's scoped token)",
        }
