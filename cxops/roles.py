"""The five roles of PRODUCT.md as Django groups, and the one helper every view and API uses.

Roles nest: an analyst or a product owner can do all a frontline member can; a manager can do all
of it.  `admin` is separate (users, groups, reference data) and a superuser has every role.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from functools import wraps
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from cxops.errors import ApplicationError


class Role(models.TextChoices):
    FRONTLINE = "frontline", _("Frontline staff")
    ANALYST = "analyst", _("Analyst")
    PRODUCT_OWNER = "product_owner", _("Product owner")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")


# Which roles each group grants, beyond itself.
IMPLIED_ROLES: dict[str, frozenset[str]] = {
    Role.FRONTLINE: frozenset({Role.FRONTLINE}),
    Role.ANALYST: frozenset({Role.ANALYST, Role.FRONTLINE}),
    Role.PRODUCT_OWNER: frozenset({Role.PRODUCT_OWNER, Role.FRONTLINE}),
    Role.MANAGER: frozenset({Role.MANAGER, Role.ANALYST, Role.PRODUCT_OWNER, Role.FRONTLINE}),
    Role.ADMIN: frozenset({Role.ADMIN}),
}
ALL_ROLES = frozenset(r.value for r in Role)


def user_roles(user: Any) -> frozenset[str]:
    """Every role the user holds, implied ones included; cached on the user object per request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_cxops_roles", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        roles = ALL_ROLES
    else:
        roles = frozenset().union(
            *(IMPLIED_ROLES.get(name, frozenset()) for name in user.groups.values_list("name", flat=True))
        )
    user._cxops_roles = roles
    return roles


def has_role(user: Any, *roles: str) -> bool:
    """True when the user holds any of `roles`."""
    return bool(user_roles(user) & set(roles))


def groups_granting(*roles: str) -> list[str]:
    """The groups whose members hold any of `roles` (roles nest: a manager holds the analyst's)."""
    wanted = set(roles)
    return sorted(group for group, granted in IMPLIED_ROLES.items() if granted & wanted)


def users_holding(*roles: str) -> QuerySet[Any]:
    """Active users holding any of `roles` as `has_role` counts them: through a group that grants
    one, or as a superuser.  The one query for "who are the managers" (recipients, pickers)."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=groups_granting(*roles)) | Q(is_superuser=True))
        .distinct()
    )


def primary_role(user: Any) -> str | None:
    """The highest role, for display ("signed in as analyst")."""
    held = user_roles(user)
    for role in (Role.MANAGER, Role.ANALYST, Role.PRODUCT_OWNER, Role.FRONTLINE, Role.ADMIN):
        if role in held:
            return role
    return None


def role_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: 403 unless the signed-in user holds one of the roles."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def roles_permission(*roles: str, safe_roles: Iterable[str] | None = None) -> type[BasePermission]:
    """A DRF permission class: `roles` may write; `safe_roles` (default: same) may read."""
    write_roles = frozenset(roles)
    read_roles = frozenset(safe_roles) if safe_roles is not None else write_roles

    class _HasRole(BasePermission):
        message = _("Your role does not allow this.")

        def has_permission(self, request: Any, view: Any) -> bool:
            wanted = read_roles if request.method in ("GET", "HEAD", "OPTIONS") else write_roles
            return has_role(request.user, *wanted)

    _HasRole.__name__ = "HasRole_" + "_".join(sorted(write_roles))
    return _HasRole


def require_role(user: Any, *roles: str, message: str | None = None) -> None:
    """For services: raise ApplicationError(code="forbidden") unless the actor holds a role."""
    if not has_role(user, *roles):
        raise ApplicationError(message or str(_("Your role does not allow this.")), code="forbidden")


# Model permissions each group gets in the Django admin.  Page and API access is decided by
# `has_role` and per-object checks; these only open the admin's reference-data screens.
ADMIN_GROUP_MODELS = {
    "auth": ["user", "group"],
    "cxops": ["product", "channel", "segment", "region", "notification", "workerheartbeat", "accesschange"],
}


def sync_group_permissions(**_kwargs: Any) -> None:
    """Idempotent; connected to post_migrate so permissions of later apps are included."""
    from django.contrib.auth.models import Group  # noqa: PLC0415
    from django.contrib.auth.models import Permission  # noqa: PLC0415

    for role in Role:
        Group.objects.get_or_create(name=role.value)
    admin_group = Group.objects.get(name=Role.ADMIN)
    wanted = Permission.objects.none()
    for app_label, models_ in ADMIN_GROUP_MODELS.items():
        wanted = wanted | Permission.objects.filter(
            content_type__app_label=app_label, content_type__model__in=models_
        )
    admin_group.permissions.add(*wanted)
