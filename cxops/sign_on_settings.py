"""Corporate sign-on settings from the environment (read by cxops/settings.py; the tests build the
same settings from a test environment).  Nothing here imports Django models.

LDAP / Active Directory (django-auth-ldap), on when CXOPS_LDAP_SERVER_URI is set:
    CXOPS_LDAP_SERVER_URI      ldap://dc1.example.com or ldaps://…
    CXOPS_LDAP_BIND_DN, CXOPS_LDAP_BIND_PASSWORD   the search account (empty: anonymous search)
    CXOPS_LDAP_START_TLS       1 to upgrade ldap:// with StartTLS
    CXOPS_LDAP_USER_BASE, CXOPS_LDAP_USER_FILTER   where people are; default filter (uid=%(user)s),
                               Active Directory: (sAMAccountName=%(user)s)
    CXOPS_LDAP_GROUP_BASE, CXOPS_LDAP_GROUP_TYPE   groupOfNames (default), groupOfUniqueNames,
                               posixGroup, activeDirectory, nestedActiveDirectory
    CXOPS_LDAP_ROLE_GROUPS     role=group DN;…  e.g. analyst=cn=cx-analysts,ou=groups,dc=example,dc=com
    CXOPS_LDAP_REGION_GROUPS   region code=group DN;…  (home region; empty: not managed)

OIDC (mozilla-django-oidc), on when CXOPS_OIDC_CLIENT_ID is set:
    CXOPS_OIDC_ISSUER          the provider's base URL; the endpoints below default to the
                               provider's usual paths under it only when not given
    CXOPS_OIDC_AUTHORIZATION_ENDPOINT, CXOPS_OIDC_TOKEN_ENDPOINT, CXOPS_OIDC_USERINFO_ENDPOINT,
    CXOPS_OIDC_JWKS_URI
    CXOPS_OIDC_CLIENT_ID, CXOPS_OIDC_CLIENT_SECRET
    CXOPS_OIDC_SIGN_ALGO       RS256 (default) or HS256
    CXOPS_OIDC_SCOPES          default "openid email profile"
    CXOPS_OIDC_ROLES_CLAIM     the claim listing the person's groups (default "groups")
    CXOPS_OIDC_ROLE_GROUPS     role=group name;…   CXOPS_OIDC_REGION_GROUPS  region code=group;…
    CXOPS_OIDC_PROVIDER_NAME   the button's label (default "corporate sign-on")

CXOPS_LOCAL_SIGN_IN=0 switches the user-name-and-password form off (production with a directory).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured


def parse_mapping(value: str) -> dict[str, str]:
    """'analyst=cn=a,ou=g;manager=cn=m,ou=g' → {'analyst': 'cn=a,ou=g', 'manager': 'cn=m,ou=g'}.

    Entries are separated by semicolons or new lines (a DN holds commas); the key is everything
    before the first '='."""
    mapping: dict[str, str] = {}
    for entry in (value or "").replace("\n", ";").split(";"):
        key, sep, group = entry.partition("=")
        if sep and key.strip() and group.strip():
            mapping[key.strip()] = group.strip()
    return mapping


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    value = environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _required(environ: Mapping[str, str], name: str, because: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when {because} is set")
    return value


def ldap_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """The AUTH_LDAP_* settings (empty when CXOPS_LDAP_SERVER_URI is not set)."""
    uri = environ.get("CXOPS_LDAP_SERVER_URI", "").strip()
    if not uri:
        return {}
    import ldap  # noqa: PLC0415
    from django_auth_ldap import config  # noqa: PLC0415

    group_types = {
        "groupofnames": config.GroupOfNamesType,
        "groupofuniquenames": config.GroupOfUniqueNamesType,
        "posixgroup": config.PosixGroupType,
        "activedirectory": config.ActiveDirectoryGroupType,
        "nestedactivedirectory": config.NestedActiveDirectoryGroupType,
    }
    group_type = environ.get("CXOPS_LDAP_GROUP_TYPE", "groupOfNames").strip().lower()
    if group_type not in group_types:
        raise ImproperlyConfigured(f"CXOPS_LDAP_GROUP_TYPE: one of {', '.join(group_types)}")
    group_filter = {
        "groupofnames": "(objectClass=groupOfNames)",
        "groupofuniquenames": "(objectClass=groupOfUniqueNames)",
        "posixgroup": "(objectClass=posixGroup)",
    }.get(group_type, "(objectClass=group)")
    because = "CXOPS_LDAP_SERVER_URI"
    return {
        "AUTH_LDAP_SERVER_URI": uri,
        "AUTH_LDAP_BIND_DN": environ.get("CXOPS_LDAP_BIND_DN", ""),
        "AUTH_LDAP_BIND_PASSWORD": environ.get("CXOPS_LDAP_BIND_PASSWORD", ""),
        "AUTH_LDAP_START_TLS": _bool(environ, "CXOPS_LDAP_START_TLS", False),
        "AUTH_LDAP_USER_SEARCH": config.LDAPSearch(
            _required(environ, "CXOPS_LDAP_USER_BASE", because),
            ldap.SCOPE_SUBTREE,
            environ.get("CXOPS_LDAP_USER_FILTER", "(uid=%(user)s)"),
        ),
        "AUTH_LDAP_GROUP_SEARCH": config.LDAPSearch(
            _required(environ, "CXOPS_LDAP_GROUP_BASE", because), ldap.SCOPE_SUBTREE, group_filter
        ),
        "AUTH_LDAP_GROUP_TYPE": group_types[group_type](),
        "AUTH_LDAP_USER_ATTR_MAP": {"first_name": "givenName", "last_name": "sn", "email": "mail"},
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        "AUTH_LDAP_CACHE_TIMEOUT": 0,  # groups are read again at every sign-in
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            ldap.OPT_NETWORK_TIMEOUT: 5,
            ldap.OPT_TIMEOUT: 10,
            ldap.OPT_REFERRALS: 0,
        },
        "CXOPS_LDAP_ROLE_GROUPS": parse_mapping(environ.get("CXOPS_LDAP_ROLE_GROUPS", "")),
        "CXOPS_LDAP_REGION_GROUPS": parse_mapping(environ.get("CXOPS_LDAP_REGION_GROUPS", "")),
    }


def oidc_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """The OIDC_* settings of mozilla-django-oidc (empty when CXOPS_OIDC_CLIENT_ID is not set)."""
    client_id = environ.get("CXOPS_OIDC_CLIENT_ID", "").strip()
    if not client_id:
        return {}
    because = "CXOPS_OIDC_CLIENT_ID"
    issuer = environ.get("CXOPS_OIDC_ISSUER", "").strip().rstrip("/")

    def endpoint(name: str, path: str) -> str:
        value = environ.get(name, "").strip()
        if value:
            return value
        if not issuer:
            raise ImproperlyConfigured(f"{name} (or CXOPS_OIDC_ISSUER) must be set when {because} is set")
        return f"{issuer}/{path}"

    return {
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": _required(environ, "CXOPS_OIDC_CLIENT_SECRET", because),
        "OIDC_RP_SIGN_ALGO": environ.get("CXOPS_OIDC_SIGN_ALGO", "RS256").strip(),
        "OIDC_RP_SCOPES": environ.get("CXOPS_OIDC_SCOPES", "openid email profile"),
        "OIDC_OP_AUTHORIZATION_ENDPOINT": endpoint("CXOPS_OIDC_AUTHORIZATION_ENDPOINT", "authorize"),
        "OIDC_OP_TOKEN_ENDPOINT": endpoint("CXOPS_OIDC_TOKEN_ENDPOINT", "token"),
        "OIDC_OP_USER_ENDPOINT": endpoint("CXOPS_OIDC_USERINFO_ENDPOINT", "userinfo"),
        "OIDC_OP_JWKS_ENDPOINT": endpoint("CXOPS_OIDC_JWKS_URI", "jwks"),
        "OIDC_TIMEOUT": 10,
        "OIDC_CREATE_USER": True,
        # Roles are re-read at every sign-in; the session is not renewed behind the person's back.
        "LOGIN_REDIRECT_URL_FAILURE": "/accounts/login/?sso=failed",
        "CXOPS_OIDC_ROLES_CLAIM": environ.get("CXOPS_OIDC_ROLES_CLAIM", "groups").strip() or "groups",
        "CXOPS_OIDC_ROLE_GROUPS": parse_mapping(environ.get("CXOPS_OIDC_ROLE_GROUPS", "")),
        "CXOPS_OIDC_REGION_GROUPS": parse_mapping(environ.get("CXOPS_OIDC_REGION_GROUPS", "")),
        "CXOPS_OIDC_PROVIDER_NAME": environ.get("CXOPS_OIDC_PROVIDER_NAME", ""),
    }
