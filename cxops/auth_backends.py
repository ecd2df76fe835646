"""Sign-in backends for corporate sign-on, both applying roles through `cxops.services.sign_on`.

- `DirectoryBackend` (django-auth-ldap): LDAP / Active Directory.  The person's directory groups
  (AUTH_LDAP_GROUP_SEARCH) are mapped to roles by `CXOPS_LDAP_ROLE_GROUPS` and to a home region
  by `CXOPS_LDAP_REGION_GROUPS`, applied at every sign-in.
- `IdentityProviderBackend` (mozilla-django-oidc): OIDC.  The claim `CXOPS_OIDC_ROLES_CLAIM`
  (a list of group or role names) is mapped by `CXOPS_OIDC_ROLE_GROUPS`; the account is found or
  made by the `preferred_username` claim (else the e-mail), applied at every sign-in.

Accounts made by either have no usable local password.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from cxops.services.sign_on import sign_on_groups_apply

logger = logging.getLogger(__name__)


def _directory_backend_base() -> type:
    try:
        from django_auth_ldap.backend import LDAPBackend  # noqa: PLC0415
    except ImportError:  # python-ldap not installed: the backend is not configured either
        return object
    return LDAPBackend


class DirectoryBackend(_directory_backend_base()):  # type: ignore[misc]
    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> Any:
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is None:
            return None
        sign_on_groups_apply(
            user=user,
            groups=ldap_user.group_dns,  # lower-cased DNs of the person's groups
            role_groups=settings.CXOPS_LDAP_ROLE_GROUPS,
            region_groups=settings.CXOPS_LDAP_REGION_GROUPS,
            source="ldap",
        )
        if user.has_usable_password():
            user.set_unusable_password()  # the directory holds the password, not cxops
            user.save(update_fields=["password"])
        return user


def _oidc_backend_base() -> type:
    try:
        from mozilla_django_oidc.auth import OIDCAuthenticationBackend  # noqa: PLC0415
    except ImportError:
        return object
    return OIDCAuthenticationBackend


class IdentityProviderBackend(_oidc_backend_base()):  # type: ignore[misc]
    """Matches accounts by user name (the provider's `preferred_username`, else its e-mail) rather
    than by e-mail alone, so an address shared or changed does not hand one account to another.

    A sign-in the provider does not confirm (a code it refuses, an answer that is no JSON, a token
    that does not verify) is a failed sign-in — the page says so — not a server error: anyone can
    send the callback a made-up code."""

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        import json  # noqa: PLC0415

        import requests  # noqa: PLC0415 — with mozilla-django-oidc, like its base class

        refused: tuple[type[Exception], ...] = (requests.RequestException, json.JSONDecodeError)
        try:
            import jwt  # noqa: PLC0415 — the token library of mozilla-django-oidc 4.x/5.x

            refused = (*refused, jwt.PyJWTError)
        except ImportError:  # pragma: no cover — an older release verifies tokens its own way
            pass
        try:
            return super().authenticate(request, **kwargs)
        except refused as error:
            logger.warning("OIDC sign-in not confirmed by the provider: %s: %s", type(error).__name__, error)
            return None

    def _username(self, claims: dict[str, Any]) -> str:
        return str(claims.get("preferred_username") or claims.get("email") or claims.get("sub") or "")[:150]

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(self._username(claims))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return get_user_model().objects.filter(username=self._username(claims))

    def create_user(self, claims: dict[str, Any]) -> Any:
        user = get_user_model().objects.create_user(
            username=self._username(claims),
            email=str(claims.get("email") or "")[:254],
            first_name=str(claims.get("given_name") or "")[:150],
            last_name=str(claims.get("family_name") or "")[:150],
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        return self._apply(user, claims)

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        return self._apply(user, claims)

    def _apply(self, user: Any, claims: dict[str, Any]) -> Any:
        value = claims.get(settings.CXOPS_OIDC_ROLES_CLAIM) or []
        groups = [value] if isinstance(value, str) else [str(item) for item in value]
        return sign_on_groups_apply(
            user=user,
            groups=groups,
            role_groups=settings.CXOPS_OIDC_ROLE_GROUPS,
            region_groups=settings.CXOPS_OIDC_REGION_GROUPS,
            source="oidc",
        )
