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
from typing import TypedDict
from typing import Unpack

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils.translation import gettext as _

from cxops.errors import ApplicationError
from cxops.models import AccessChange
from cxops.models import HomeRegion
from cxops.models import Region
from cxops.roles import Role
from cxops.roles import has_role
from cxops.services.audit import AuditAction
from cxops.services.audit import audit_record

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


def _permission_changes(current: set[Permission], wanted: set[Permission]) -> list[tuple[str, str, str]]:
    """The (what, before, after) rows that take an account's or a role's permissions from `current`
    to `wanted`: the granted ones first, then the withdrawn ones, each in label order."""
    changes = [
        (_permission_label(permission), "-", "granted")
        for permission in sorted(wanted - current, key=_permission_label)
    ]
    changes += [
        (_permission_label(permission), "granted", "-")
        for permission in sorted(current - wanted, key=_permission_label)
    ]
    return changes


class AccessChanges(TypedDict, total=False):
    """What may change in an account's access, checked by `user_access_check` and applied by
    `user_access_set`; a key left out (or None) leaves that part as it is."""

    groups: Iterable[Group] | None
    is_staff: bool | None
    is_superuser: bool | None
    is_active: bool | None
    permissions: Iterable[Permission] | None


def user_access_check(*, actor: Any, user: Any, **changes: Unpack[AccessChanges]) -> None:
    """Raise ApplicationError(code="forbidden") unless `actor` may make these changes to `user`
    (None: leave as it is).  `user` is as stored before the change."""
    groups = changes.get("groups")
    is_staff = changes.get("is_staff")
    is_superuser = changes.get("is_superuser")
    is_active = changes.get("is_active")
    permissions = changes.get("permissions")
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
    source: str = "admin",
    address: str | None = None,
    **access: Unpack[AccessChanges],
) -> Any:
    """Check, apply and record changes to `user`'s access (None: leave as it is)."""
    # The iterables are read once here: the check and the change both walk them.
    given_groups, given_permissions = access.get("groups"), access.get("permissions")
    groups = list(given_groups) if given_groups is not None else None
    permissions = list(given_permissions) if given_permissions is not None else None
    access["groups"], access["permissions"] = groups, permissions
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        user_access_check(actor=actor, user=user, **access)
        changes: list[tuple[str, str, str]] = []
        flags = {name: access.get(name) for name in ("is_staff", "is_superuser", "is_active")}
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
            changes += _permission_changes(current_permissions, wanted_permissions)
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
        changes = _permission_changes(current, permissions)
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
