"""Service accounts for touchpoint systems and their scoped, expiring, hashed tokens.

Administrators (and the server's operator through `manage.py service_account`, actor None)
create an account per system, issue tokens with scopes and an optional expiry, and revoke them.
The token is returned once by `service_token_issue` and never stored: only its SHA-256 digest.
Every creation and revocation is in the audit log, in the same transaction.  Revocation needs no
cache to be told: `cxops.api.service_auth` reads the token row on every request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxops.errors import ApplicationError
from cxops.models.identity import ServiceAccount
from cxops.models.identity import ServiceToken
from cxops.roles import Role
from cxops.roles import has_role
from cxops.services.audit import AuditAction
from cxops.services.audit import audit_record

TOKEN_PREFIX = "cxsa_"  # noqa: S105 (a marker, not a secret)
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")

# What each scope lets a token do (cxops/api/scopes.py maps requests to scopes) and the role its
# account needs for the services to accept it.
SCOPES: dict[str, tuple[Any, str]] = {
    "reports:write": (gettext_lazy("File experience reports"), Role.FRONTLINE),
    "reports:read": (gettext_lazy("Read the reports this account filed"), Role.FRONTLINE),
    "issues:read": (gettext_lazy("Read experience issues"), Role.FRONTLINE),
    "metrics:write": (gettext_lazy("Send daily metric data"), Role.ANALYST),
    "metrics:read": (gettext_lazy("Read metric series and dashboards"), Role.ANALYST),
    "strategies:read": (gettext_lazy("Read the strategy pool"), Role.FRONTLINE),
    "rules:read": (gettext_lazy("Read rules and their evaluations"), Role.FRONTLINE),
}


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _require_admin(actor: Any) -> None:
    """None is the operator at the server's command line; otherwise an administrator."""
    if actor is not None and not has_role(actor, Role.ADMIN):
        raise ApplicationError(_("Only administrators manage service accounts."), code="forbidden")


def parse_scopes(value: str | Iterable[str]) -> list[str]:
    raw = value.split(",") if isinstance(value, str) else list(value)
    scopes = sorted({str(scope).strip() for scope in raw if str(scope).strip()})
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown or not scopes:
        raise ValidationError(
            {
                "scopes": _("Choose scopes among: %(known)s (unknown: %(unknown)s).")
                % {"known": ", ".join(SCOPES), "unknown": ", ".join(unknown) or "—"}
            }
        )
    return scopes


def service_account_create(*, actor: Any, name: str, description: str = "") -> ServiceAccount:
    _require_admin(actor)
    name = (name or "").strip().lower()
    if not _NAME.match(name):
        raise ValidationError(
            {"name": _("2 to 60 lower-case letters, digits and hyphens, starting with a letter or digit.")}
        )
    user_model = get_user_model()
    try:
        with transaction.atomic():
            user = user_model(username=f"svc-{name}"[:150], is_active=True)
            user.set_unusable_password()  # never signs in to pages
            user.save()
            account = ServiceAccount.objects.create(
                name=name, description=(description or "")[:200], user=user
            )
            audit_record(
                actor=actor,
                actor_name=None if actor is not None else "manage.py",
                action=AuditAction.SERVICE_ACCOUNT_CREATED,
                target=account,
                summary=account.description,
            )
    except IntegrityError:
        raise ValidationError({"name": _("A service account or user with this name exists.")}) from None
    return account


def _sync_roles(account: ServiceAccount) -> None:
    """The account's user holds exactly the roles its usable tokens' scopes need."""
    now = timezone.now()
    wanted = {
        SCOPES[scope][1]
        for token in account.tokens.all()
        if token.is_usable(now)
        for scope in token.scopes
        if scope in SCOPES
    }
    account.user.groups.set([Group.objects.get_or_create(name=role)[0] for role in sorted(wanted)])


def service_token_issue(
    *, actor: Any, account: ServiceAccount, scopes: str | Iterable[str], expires_at: dt.datetime | None = None
) -> tuple[ServiceToken, str]:
    """A new token for `account`: (row, the token itself — shown once, never stored)."""
    _require_admin(actor)
    scopes = parse_scopes(scopes)
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        account = ServiceAccount.objects.select_for_update().select_related("user").get(pk=account.pk)
        if not account.is_active:
            raise ApplicationError(_("This service account is switched off."), code="conflict")
        row = ServiceToken.objects.create(
            account=account,
            prefix=prefix,
            digest=token_digest(token),
            scopes=scopes,
            expires_at=expires_at,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        _sync_roles(account)
        audit_record(
            actor=actor,
            actor_name=None if actor is not None else "manage.py",
            action=AuditAction.TOKEN_CREATED,
            target=row,
            summary=_("Scopes: %(scopes)s; expires: %(expires)s")
            % {"scopes": ", ".join(scopes), "expires": expires_at.isoformat() if expires_at else _("never")},
        )
    return row, token


def service_token_revoke(*, actor: Any, token: ServiceToken) -> ServiceToken:
    _require_admin(actor)
    with transaction.atomic():
        row = ServiceToken.objects.select_for_update().select_related("account__user").get(pk=token.pk)
        if row.revoked_at is not None:
            return row
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        _sync_roles(row.account)
        audit_record(
            actor=actor,
            actor_name=None if actor is not None else "manage.py",
            action=AuditAction.TOKEN_REVOKED,
            target=row,
        )
    return row


def service_account_revoke(*, actor: Any, account: ServiceAccount) -> int:
    """Revoke every token of the account that is not revoked yet; returns how many."""
    _require_admin(actor)
    revoked = 0
    with transaction.atomic():
        for token in ServiceToken.objects.filter(account=account, revoked_at__isnull=True).order_by("pk"):
            service_token_revoke(actor=actor, token=token)
            revoked += 1
    return revoked


def service_token_touch(*, token: ServiceToken, address: str | None, now: dt.datetime) -> None:
    """Record when and from where a token was last used: at most one write a minute per token
    (or when the address changes), so a busy client does not write on every call."""
    if (
        token.last_used_at is not None
        and now - token.last_used_at < dt.timedelta(seconds=60)
        and token.last_used_address == address
    ):
        return
    ServiceToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_address=address)


__all__ = [
    "SCOPES",
    "TOKEN_PREFIX",
    "parse_scopes",
    "service_account_create",
    "service_account_revoke",
    "service_token_issue",
    "service_token_revoke",
    "service_token_touch",
    "token_digest",
]
