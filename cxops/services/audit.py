"""The one audit log: `audit_record` writes a line, in the caller's transaction.

Every service that does a security-relevant or decision act calls it once, inside the same
`transaction.atomic()` as the work, so a line exists exactly when the act happened: sign-in,
sign-out and failures (the auth signals below), role, staff and active changes
(`cxops.services.access`), service-account tokens created and revoked, exports, imports, triage
decisions, strategies' official answers, rule transitions (evaluation decisions are rule
transitions made from the evaluation page, recorded with that context), customer-data finds,
exports and erasures, retention purges and admin changes.  The ground floor holds it so the apps
above call it too.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.signals import user_logged_out
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _

from cxops.client_address import client_address
from cxops.models.choices import AuditAction
from cxops.models.identity import AuditEvent
from cxops.models.identity import ServiceAccount
from cxops.personal_numbers import mask_personal_numbers
from cxops.request_context import current_address

SUMMARY_LIMIT = 2_000


def _address(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _service_account(actor: Any) -> ServiceAccount | None:
    if actor is None or not getattr(actor, "pk", None):
        return None
    cached = getattr(actor, "_cxops_service_account", ...)
    if cached is not ...:
        return cached
    account = ServiceAccount.objects.filter(user_id=actor.pk).first()
    actor._cxops_service_account = account
    return account


def audit_record(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    summary: str = "",
    address: str | None = None,
    actor_name: str | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one line.  `actor` is a user (a service account's own user counts as the account),
    or None for the system (a command, a beat task); `target` a model instance or None.  The
    address defaults to the current request's.  Call it inside the act's transaction."""
    account = _service_account(actor)
    if actor_name is None:
        actor_name = account.name if account else (getattr(actor, "username", "") or "")
    if target is not None:
        meta = target._meta
        object_type = f"{meta.app_label}.{meta.model_name}"
        object_id = str(target.pk)[:64]
        object_repr = str(target)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor_name[:150],
        service_account=account,
        address=_address(address if address is not None else current_address()),
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        object_repr=mask_personal_numbers(str(object_repr))[:200],
        summary=mask_personal_numbers(summary or "")[:SUMMARY_LIMIT],
    )


# --- sign-in, sign-out, failures: Django's auth signals are the only place these are known --------


def _on_signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action=AuditAction.SIGN_IN, target=user, address=_request_address(request))


def _on_signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    audit_record(actor=user, action=AuditAction.SIGN_OUT, target=user, address=_request_address(request))


def _on_sign_in_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    name = str(credentials.get("username") or "")[:150]
    audit_record(
        actor=None,
        actor_name=name,
        action=AuditAction.SIGN_IN_FAILED,
        summary=str(_("Sign-in refused for “%(name)s”.") % {"name": name}),
        address=_request_address(request),
    )


def _request_address(request: Any) -> str | None:
    if request is None:
        return None

    return client_address(request)


def connect_signals() -> None:
    user_logged_in.connect(_on_signed_in, dispatch_uid="cxops-audit-sign-in")
    user_logged_out.connect(_on_signed_out, dispatch_uid="cxops-audit-sign-out")
    user_login_failed.connect(_on_sign_in_failed, dispatch_uid="cxops-audit-sign-in-failed")


__all__ = ["AuditAction", "audit_record", "connect_signals"]
