"""Who acts: service accounts of touchpoint systems with scoped tokens, and the one audit log.

Written only by `cxops.services.service_accounts` and `cxops.services.audit`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import AuditAction
from .fields import optional_user_reference


class ServiceAccount(models.Model):
    """A touchpoint system (10086 hotline, web forum, 139 mail, …) that calls the API.

    It acts as its own user (`user`: no password, never signs in to pages), so every service
    sees an actor and simple-history a user; what its tokens may do is narrowed by their scopes.
    """

    name = models.SlugField(_("name"), max_length=60, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.PROTECT,
        related_name="service_account",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("service account")
        verbose_name_plural = _("service accounts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceToken(models.Model):
    """A token of a service account: shown once, stored as a SHA-256 digest.

    The token is `cxsa_<prefix>_<secret>`; `prefix` finds the row, the digest of the whole token
    proves it.  (The secret is 256 random bits, so a fast hash is enough: nobody can guess it.)
    """

    account = models.ForeignKey(
        ServiceAccount, verbose_name=_("service account"), on_delete=models.CASCADE, related_name="tokens"
    )
    prefix = models.CharField(_("token prefix"), max_length=16, unique=True)
    digest = models.CharField(_("digest"), max_length=64)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = optional_user_reference(_("created by"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_address = models.GenericIPAddressField(_("last used from"), null=True, blank=True)

    class Meta:
        verbose_name = _("service token")
        verbose_name_plural = _("service tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.account.name} cxsa_{self.prefix}_…"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class AuditEvent(models.Model):
    """One line of the audit log: who (a person or a service account), from where, when, did what
    to which object.  Append-only: the application inserts rows and never changes them; only the
    retention purge deletes them (`AuditEvent.objects.filter(...)._raw_delete`, see
    cxops/services/retention.py)."""

    occurred_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = optional_user_reference(_("actor"), db_constraint=False)
    # Names as they were, so a line still reads after an account is renamed or deleted.
    actor_name = models.CharField(_("actor (name)"), max_length=150, blank=True)
    service_account = models.ForeignKey(
        ServiceAccount,
        verbose_name=_("service account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=60, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="cxops_audit_object")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise RuntimeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("The audit log is append-only.")
