"""Regions as a dimension of who sees what: a member's home region, worked out once per request.

A member whose home region is a city (`HomeRegion`) sees, triages and imports only that city's
reports and the issues those reports belong to; a member of the province (the province as home
region, or none recorded) sees every city.  Superusers are never scoped.  The scoping itself is
applied in one place, `cxops.selectors.reports` (`reports_visible_to`, `issues_visible_to`), so every
page, API, search, export and suggestion that reads through it inherits it.
"""

from __future__ import annotations

from typing import Any
from typing import cast

from cxops.models import HomeRegion
from cxops.models import Region
from cxops.models import RegionLevel

_UNSET = object()


def user_region(user: Any) -> Region | None:
    """The city a member is scoped to, or None for the whole province (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_superuser", False):
        return None
    cached = getattr(user, "_cxops_region", _UNSET)
    if cached is not _UNSET:
        return cast("Region | None", cached)
    home = HomeRegion.objects.select_related("region").filter(user_id=user.pk).first()
    region = home.region if home is not None and home.region.level == RegionLevel.CITY else None
    user._cxops_region = region
    return region


def user_home_region(user: Any) -> Region | None:
    """The home region as recorded (a city or the province), None when nothing is recorded."""
    home = HomeRegion.objects.select_related("region").filter(user_id=user.pk).first()
    return home.region if home is not None else None


def region_scope_id(user: Any) -> int | None:
    """The id of the city a member is scoped to, or None (every region)."""
    region = user_region(user)
    return region.pk if region is not None else None


def active_regions() -> list[Region]:
    """The province first, then its cities in their order."""
    return list(Region.objects.filter(is_active=True).order_by("sort_order", "code"))


def active_cities() -> list[Region]:
    return list(Region.objects.filter(is_active=True, level=RegionLevel.CITY).order_by("sort_order", "code"))


def regions_readable_by(user: Any) -> list[Region]:
    """The regions a member may filter by: a city member their city, others every active region."""
    scoped = user_region(user)
    return [scoped] if scoped is not None else active_regions()
