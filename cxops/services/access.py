"""Changes to who may do what — roles (groups), staff, superuser, active, model permissions — for
accounts and for roles.  The admin's user and group pages (cxops/admin_access.py) write through
here, and every change is recorded in `AccessChange`.

The rule: nobody raises their own or anyone's privileges beyond their own.  A superuser may change
anything.  An administrator (the admin role) manages the business roles of other accounts —
frontline, analyst, product owner, manager — and their active flag; not their own roles, not staff
or superuser status, not model permissions, not the admin role (granting or withdrawing it is a
superuser's act), not the permissions of a role, and not another staff or superuser account at all
(resetting a superuser's password would be becoming one).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _

from cxops.errors import ApplicationError
from cxops.models import AccessChange, HomeRegion, Region
from cxops.roles import Role, has_role
from cxops.services.audit import AuditAction, audit_record

# The roles an administrator may grant or withdraw (to and from other accounts).
ROLES_ADMINS_MANAGE = frozenset({Role.FRONTLINE, Role.ANALYST, Role.PRODUCT_OWNER, Role.MANAGER})


def _refuse(message: str) -> ApplicationError:
    return ApplicationError(message, code="forbidden")


def may_manage_account(actor: Any, user: Any) -> bool:
    """Whether `actor` may change `user`'s account at all (its own, or an ordinary one)."""
    if getattr(actor, "is_superuser", False):
        return True
    if not has_role(actor, Role.ADMIN):
        return False
    return user.pk == actor.pk or not (user.is_superuser or user.is_staff)


def _permission_label(permission: Permission) -> str:
    return f"permission:{permission.content_type.app_label}.{permission.codename}"


def user_access_check(
    *,
    actor: Any,
    user: Any,
    groups: Iterable[Group] | None = None,
    is_staff: bool | None = None,
    is_superuser: bool | None = None,
    is_active: bool | None = None,
    permissions: Iterable[Permission] | None = None,
) -> None:
    """Raise ApplicationError(code="forbidden") unless `actor` may make these changes to `user`
    (None: leave as it is).  `user` is as stored before the change."""
    if actor.is_superuser:
        return
    if not may_manage_account(actor, user):
        raise _refuse(_("Only a superuser may change a staff or superuser account."))
    if is_superuser is not None and is_superuser != user.is_superuser:
        raise _refuse(_("Only a superuser may make an account a superuser or take that away."))
    if is_staff is not None and is_staff != user.is_staff:
        raise _refuse(_("Only a superuser may give or take access to the admin site (staff status)."))
    if permissions is not None and set(permissions) != set(user.user_permissions.all()):
        raise _refuse(_("Only a superuser may give an account individual permissions."))
    if is_active is not None and is_active != user.is_active and user.pk == actor.pk:
        raise _refuse(_("You cannot deactivate your own account."))
    if groups is not None:
        current = set(user.groups.values_list("name", flat=True))
        changed = current.symmetric_difference(group.name for group in groups)
        if changed and user.pk == actor.pk:
            raise _refuse(_("You cannot change your own roles; ask another administrator."))
        beyond = sorted(changed - ROLES_ADMINS_MANAGE)
        if beyond:
            raise _refuse(
                _("Only a superuser may grant or withdraw these roles: %(roles)s")
                % {"roles": "、".join(beyond)}
            )


def user_access_set(
    *,
    actor: Any,
    user: Any,
    groups: Iterable[Group] | None = None,
    is_staff: bool | None = None,
    is_superuser: bool | None = None,
    is_active: bool | None = None,
    permissions: Iterable[Permission] | None = None,
    source: str = "admin",
    address: str | None = None,
) -> Any:
    """Check, apply and record changes to `user`'s access (None: leave as it is)."""
    groups = list(groups) if groups is not None else None
    permissions = list(permissions) if permissions is not None else None
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        user_access_check(
            actor=actor,
            user=user,
            groups=groups,
            is_staff=is_staff,
            is_superuser=is_superuser,
            is_active=is_active,
            permissions=permissions,
        )
        changes: list[tuple[str, str, str]] = []
        flags = {"is_staff": is_staff, "is_superuser": is_superuser, "is_active": is_active}
        changed_flags = [
            name for name, value in flags.items() if value is not None and value != getattr(user, name)
        ]
        for name in changed_flags:
            changes.append((name, str(getattr(user, name)), str(flags[name])))
            setattr(user, name, flags[name])
        if changed_flags:
            user.save(update_fields=changed_flags)
        if groups is not None:
            current = {group.name: group for group in user.groups.all()}
            wanted = {group.name: group for group in groups}
            for name in sorted(wanted.keys() - current.keys()):
                user.groups.add(wanted[name])
                changes.append((f"role:{name}", "-", "granted"))
            for name in sorted(current.keys() - wanted.keys()):
                user.groups.remove(current[name])
                changes.append((f"role:{name}", "granted", "-"))
        if permissions is not None:
            current_permissions = set(user.user_permissions.select_related("content_type"))
            wanted_permissions = set(permissions)
            for permission in sorted(wanted_permissions - current_permissions, key=_permission_label):
                changes.append((_permission_label(permission), "-", "granted"))
            for permission in sorted(current_permissions - wanted_permissions, key=_permission_label):
                changes.append((_permission_label(permission), "granted", "-"))
            user.user_permissions.set(wanted_permissions)
        _record(actor=actor, changes=changes, source=source, address=address, user=user)
    return user


def group_permissions_set(
    *,
    actor: Any,
    group: Group,
    permissions: Iterable[Permission],
    source: str = "admin",
    address: str | None = None,
) -> Group:
    """Change what a role may do in the admin: a superuser's act, recorded."""
    if not actor.is_superuser:
        raise _refuse(_("Only a superuser may change what a role may do."))
    permissions = set(permissions)
    with transaction.atomic():
        group = Group.objects.select_for_update().get(pk=group.pk)
        current = set(group.permissions.select_related("content_type"))
        changes = [
            (_permission_label(p), "-", "granted")
            for p in sorted(permissions - current, key=_permission_label)
        ]
        changes += [
            (_permission_label(p), "granted", "-")
            for p in sorted(current - permissions, key=_permission_label)
        ]
        group.permissions.set(permissions)
        _record(actor=actor, changes=changes, source=source, address=address, group=group)
    return group


def user_region_check(*, actor: Any, user: Any, region: Region | None) -> None:
    """Raise ApplicationError(code="forbidden") unless `actor` may set `user`'s home region (None:
    the whole province).  The same rule as roles: an administrator, for an ordinary account other
    than their own; a superuser, for anyone."""
    if actor.is_superuser:
        return
    if not may_manage_account(actor, user):
        raise _refuse(_("Only a superuser may change a staff or superuser account."))
    current = HomeRegion.objects.filter(user_id=user.pk).values_list("region_id", flat=True).first()
    if user.pk == actor.pk and current != (region.pk if region is not None else None):
        raise _refuse(_("You cannot change your own home region; ask another administrator."))
    if region is not None and not region.is_active:
        raise ApplicationError(_("This region is no longer active."), code="invalid")


def user_region_set(
    *,
    actor: Any,
    user: Any,
    region: Region | None,
    source: str = "admin",
    address: str | None = None,
) -> Any:
    """Set `user`'s home region (a city scopes what they see to it; the province or None: every
    city), checked like a role change and recorded in `AccessChange` ("region", before → after)."""
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        user_region_check(actor=actor, user=user, region=region)
        before, after = home_region_move(user, region)
        if before != after:
            _record(
                actor=actor,
                changes=[("region", before, after)],
                source=source,
                address=address,
                user=user,
            )
    if hasattr(user, "_cxops_region"):
        del user._cxops_region
    return user


def home_region_move(user: Any, region: Region | None) -> tuple[str, str]:
    """Make `region` (None: none) the user's home region; (code before, code after), "-" for none.
    Unchecked and unrecorded: the callers check who may move whom and record the change."""
    home = HomeRegion.objects.select_related("region").filter(user_id=user.pk).first()
    before = home.region.code if home is not None else "-"
    after = region.code if region is not None else "-"
    if before != after:
        if region is None:
            if home is not None:  # before != after: it is
                home.delete()
        elif home is None:
            HomeRegion.objects.create(user=user, region=region)
        else:
            home.region = region
            home.save(update_fields=["region"])
    return before, after


def _record(
    *,
    actor: Any,
    changes: list[tuple[str, str, str]],
    source: str,
    address: str | None,
    user: Any = None,
    group: Group | None = None,
) -> None:
    if changes:
        # One audit line per change of an account's or a role's access, beside the detailed rows.
        audit_record(
            actor=actor,
            actor_name=None if actor is not None else source,  # the directory or identity provider
            action=AuditAction.ACCESS_CHANGED,
            target=user if user is not None else group,
            summary="; ".join(f"{what}: {before} → {after}" for what, before, after in changes),
            address=address,
        )
    AccessChange.objects.bulk_create(
        AccessChange(
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=getattr(actor, "username", "") or "",
            user=user,
            user_name=getattr(user, "username", "") or "",
            group_name=group.name if group is not None else "",
            what=what[:200],
            before=before,
            after=after,
            source=source,
            address=address,
        )
        for what, before, after in changes
    )


__all__ = [
    "group_permissions_set",
    "may_manage_account",
    "user_access_check",
    "user_access_set",
    "user_region_check",
    "user_region_set",
]
