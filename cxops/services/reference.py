from __future__ import annotations

from cxops.models import Channel, Product, Segment
from cxops.reference_seed import CHANNELS, PRODUCTS, SEGMENTS


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
            _obj, was_created = model.objects.get_or_create(
                code=code, defaults={"name_zh": name_zh, "name_en": name_en, "sort_order": order}
            )
            created[key] += was_created
    return created
