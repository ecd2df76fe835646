"""Corporate sign-on: what the directory (LDAP / Active Directory) or the identity provider (OIDC)
says about a person decides their roles — and home region — at every sign-in.

`sign_on_access_apply` is the one path, called by `cxops.auth_backends` for both.  The directory is
the authority here, not an administrator, so the administrator checks of `cxops.services.access`
do not apply; what changes is recorded the same way (`AccessChange` rows and one audit line,
through `access._record`).  Only the roles the mapping names are managed: a role the mapping does
not mention (say `admin`, kept local) is left as it is; a managed role is held exactly while the
directory says so, so a person removed from the group loses the role at their next sign-in.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from cxops.models import Region
from cxops.roles import ALL_ROLES
from cxops.services.access import _record
from cxops.services.access import home_region_move


def roles_from_groups(groups: Iterable[str], mapping: Mapping[str, str]) -> set[str]:
    """The roles whose mapped group (compared case-insensitively) is among `groups`."""
    held = {group.strip().lower() for group in groups}
    return {role for role, group in mapping.items() if role in ALL_ROLES and group.lower() in held}


def region_from_groups(groups: Iterable[str], mapping: Mapping[str, str]) -> str | None:
    """The region code whose mapped group is among `groups` (the first in the mapping's order)."""
    held = {group.strip().lower() for group in groups}
    return next((code for code, group in mapping.items() if group.lower() in held), None)


def sign_on_access_apply(
    *,
    user: Any,
    managed_roles: Iterable[str],
    roles: Iterable[str],
    source: str,
    region_code: str | None = None,
    manage_region: bool = False,
) -> Any:
    """Make `user` hold exactly `roles` among `managed_roles` (and, with `manage_region`, the home
    region `region_code`, None for the whole province), recording each change."""
    managed = {role for role in managed_roles if role in ALL_ROLES}
    wanted = {role for role in roles if role in managed}
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        current = set(user.groups.filter(name__in=managed).values_list("name", flat=True))
        changes: list[tuple[str, str, str]] = []
        for name in sorted(wanted - current):
            user.groups.add(Group.objects.get_or_create(name=name)[0])
            changes.append((f"role:{name}", "-", "granted"))
        for name in sorted(current - wanted):
            user.groups.remove(Group.objects.get(name=name))
            changes.append((f"role:{name}", "granted", "-"))
        if manage_region:
            changes += _region_apply(user, region_code)
        if changes:
            _record(actor=None, changes=changes, source=source, address=None, user=user)
    return user


def sign_on_groups_apply(
    *,
    user: Any,
    groups: Iterable[str],
    role_groups: Mapping[str, str],
    region_groups: Mapping[str, str],
    source: str,
) -> Any:
    """Make `user`'s roles and home region what their groups at the identity source say, through the
    mappings the settings give (role -> group, region code -> group); the region is managed only
    when a region mapping is set."""
    groups = list(groups)
    return sign_on_access_apply(
        user=user,
        managed_roles=role_groups.keys(),
        roles=roles_from_groups(groups, role_groups),
        source=source,
        region_code=region_from_groups(groups, region_groups),
        manage_region=bool(region_groups),
    )


def _region_apply(user: Any, region_code: str | None) -> list[tuple[str, str, str]]:
    region = Region.objects.filter(code=region_code, is_active=True).first() if region_code else None
    before, after = home_region_move(user, region)
    return [] if before == after else [("region", before, after)]


__all__ = ["region_from_groups", "roles_from_groups", "sign_on_access_apply", "sign_on_groups_apply"]
