"""Who may do what, changed: an append-only record of every role, staff, superuser, active and
model-permission change, written by `cxops.services.access` (the only path for such changes)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import optional_user_reference


class AccessChange(models.Model):
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)
    actor = optional_user_reference(_("changed by"))
    # Names are kept as they were, so the record still reads after an account is renamed or deleted.
    actor_name = models.CharField(_("changed by (name)"), max_length=150, blank=True)
    user = optional_user_reference(_("account"))
    user_name = models.CharField(_("account (name)"), max_length=150, blank=True)
    # The group whose permissions changed (a change to a role itself, not to an account).
    group_name = models.CharField(_("role (group)"), max_length=150, blank=True)
    # "role:manager", "is_staff", "is_superuser", "is_active", "permission:cxops.change_product"
    what = models.CharField(_("what"), max_length=200)
    before = models.CharField(_("before"), max_length=20)
    after = models.CharField(_("after"), max_length=20)
    source = models.CharField(_("through"), max_length=20, default="admin")
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    class Meta:
        verbose_name = _("access change")
        verbose_name_plural = _("access changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_name or self.group_name}: {self.what} {self.before} → {self.after}"


class HomeRegion(models.Model):
    """A member's home region: a city scopes what they see and do to that city; the province (or
    no row at all) is the whole province.  Changed only by `cxops.services.access.user_region_set`,
    recorded in `AccessChange` like a role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="home_region",
    )
    region = models.ForeignKey(
        "cxops.Region", verbose_name=_("home region"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("home region")
        verbose_name_plural = _("home regions")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.region_id}"
