from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cxops.errors import ApplicationError
from cxops.models import Channel
from cxops.models import ExperienceReport
from cxops.models import Product
from cxops.models import Region
from cxops.models import RegionLevel
from cxops.models import Segment
from cxops.models.reference import seed_regions
from cxops.reference_seed import CHANNELS
from cxops.reference_seed import PRODUCTS
from cxops.reference_seed import SEGMENTS
from cxops.roles import Role
from cxops.roles import has_role


def reference_data_seed() -> dict[str, int]:
    """Create the PRODUCT.md reference data; existing rows (maybe edited by an admin) are kept."""
    created = {"products": 0, "channels": 0, "segments": 0}
    for order, (code, name_zh, name_en, phase) in enumerate(PRODUCTS):
        _obj, was_created = Product.objects.get_or_create(
            code=code,
            defaults={"name_zh": name_zh, "name_en": name_en, "lifecycle_phase": phase, "sort_order": order},
        )
        created["products"] += was_created
    for model, rows, key in ((Channel, CHANNELS, "channels"), (Segment, SEGMENTS, "segments")):
        for order, (code, name_zh, name_en) in enumerate(rows):
            was_created = model.objects.get_or_create(
                code=code, defaults={"name_zh": name_zh, "name_en": name_en, "sort_order": order}
            )[1]
            created[key] += was_created
    return created


def regions_seed() -> dict[str, int]:
    """Create the province and its 21 cities (idempotent; rows an admin edited are kept)."""
    return seed_regions()


def region_save(*, actor: Any, region: Any) -> Any:
    """Add or change a region (the admin's form writes through here): administrators only; a
    city needs an active province, the province is not retired while it has active cities, and the
    code of a region records already carry never changes.  Recorded by simple-history."""
    if not (getattr(actor, "is_superuser", False) or has_role(actor, Role.ADMIN)):
        raise ApplicationError(_("Only an administrator may change regions."), code="forbidden")
    errors: dict[str, list[str]] = {}
    if region.level == RegionLevel.CITY:
        if region.parent_id is None:
            errors["parent"] = [_("A city belongs to a province.")]
        elif region.parent.level != RegionLevel.PROVINCE:
            errors["parent"] = [_("A city's parent must be a province.")]
    elif region.parent_id is not None:
        errors["parent"] = [_("A province has no parent.")]
    with transaction.atomic():
        if region.pk:
            stored = Region.objects.select_for_update().get(pk=region.pk)
            if stored.code != region.code and ExperienceReport.objects.filter(region_id=region.pk).exists():
                errors["code"] = [_("Reports carry this code; add a new region instead of renaming it.")]
            if (
                stored.is_active
                and not region.is_active
                and region.level == RegionLevel.PROVINCE
                and Region.objects.filter(parent=region, is_active=True).exists()
            ):
                errors["is_active"] = [_("Retire the province's cities first.")]
        if errors:
            raise ValidationError(errors)
        region._history_user = actor
        region.full_clean()
        region.save()
    return region
