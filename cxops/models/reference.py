"""Reference data: products, channels, customer segments (admins maintain them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import ProductPhase, choices_check


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
    history = HistoricalRecords()

    class Meta(ReferenceItem.Meta):
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [choices_check("lifecycle_phase", ProductPhase, "product_lifecycle_phase_valid")]


class Channel(ReferenceItem):
    history = HistoricalRecords()

    class Meta(ReferenceItem.Meta):
        verbose_name = _("channel")
        verbose_name_plural = _("channels")


class Segment(ReferenceItem):
    history = HistoricalRecords()

    class Meta(ReferenceItem.Meta):
        verbose_name = _("customer segment")
        verbose_name_plural = _("customer segments")
