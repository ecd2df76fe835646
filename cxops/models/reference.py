"""Reference data: products, channels, customer segments (admins maintain them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cxops.history import TrackedHistory
from cxops.reference_seed import CITIES
from cxops.reference_seed import PROVINCE

from .choices import ProductPhase
from .choices import RegionLevel
from .choices import choices_check


class ReferenceItem(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=100)

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (Chinese unless English is chosen)."""
        language = get_language() or "zh-hans"
        return self.name_en if language.startswith("en") else self.name_zh


class Product(ReferenceItem):
    lifecycle_phase = models.CharField(
        _("lifecycle phase"), max_length=20, choices=ProductPhase.choices, default=ProductPhase.GROWTH
    )
    launched_on = models.DateField(_("launched on"), null=True, blank=True)
    history = TrackedHistory()

    class Meta(ReferenceItem.Meta):
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [choices_check("lifecycle_phase", ProductPhase, "product_lifecycle_phase_valid")]


class Channel(ReferenceItem):
    history = TrackedHistory()

    class Meta(ReferenceItem.Meta):
        verbose_name = _("channel")
        verbose_name_plural = _("channels")


class Segment(ReferenceItem):
    history = TrackedHistory()

    class Meta(ReferenceItem.Meta):
        verbose_name = _("customer segment")
        verbose_name_plural = _("customer segments")


class Region(ReferenceItem):
    """Where a record belongs: the province or one of its cities (地市).  A city's parent is the
    province; the province has none.  Province figures are the sum of its cities'."""

    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices, default=RegionLevel.CITY)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cities",
    )
    history = TrackedHistory()

    class Meta(ReferenceItem.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            choices_check("level", RegionLevel, "region_level_valid"),
            models.CheckConstraint(
                condition=(Q(level=RegionLevel.PROVINCE) & Q(parent__isnull=True))
                | (Q(level=RegionLevel.CITY) & Q(parent__isnull=False)),
                name="region_city_has_province",
            ),
        ]

    @property
    def is_province(self) -> bool:
        return self.level == RegionLevel.PROVINCE


def default_region_id() -> int:
    """The region of a record written without one: `CXOPS_DEFAULT_REGION` (the province unless
    configured), created from the seed if the table is empty (a flushed test database)."""
    code = getattr(settings, "CXOPS_DEFAULT_REGION", "guangdong")
    pk = Region.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        seed_regions()
        pk = Region.objects.filter(code=code).values_list("pk", flat=True).first()
        if pk is None:
            pk = Region.objects.get(level=RegionLevel.PROVINCE).pk
    return pk


def seed_regions() -> dict[str, int]:
    """Create the province and its 21 cities (idempotent; rows an admin edited are kept).  Here beside
    the table rather than in services: a record written without a region needs them
    (`default_region_id`), and models import no service."""

    code, name_zh, name_en = PROVINCE
    province, created = Region.objects.get_or_create(
        code=code,
        defaults={"name_zh": name_zh, "name_en": name_en, "level": RegionLevel.PROVINCE, "sort_order": 0},
    )
    count = int(created)
    for order, (code, name_zh, name_en) in enumerate(CITIES, start=1):
        _obj, created = Region.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "level": RegionLevel.CITY,
                "parent": province,
                "sort_order": order,
            },
        )
        count += created
    return {"regions": count}


def province_region_id() -> int:
    """The province's id (the region of province-wide records such as a province hot spot),
    created from the seed if the table is empty (a flushed test database)."""
    pk = (
        Region.objects.filter(level=RegionLevel.PROVINCE)
        .order_by("sort_order", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if pk is None:
        seed_regions()
        pk = (
            Region.objects.filter(level=RegionLevel.PROVINCE)
            .order_by("sort_order", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:  # the seed always has the province
            raise Region.DoesNotExist("no province region")
    return pk
