"""A customer's data (PIPL access and erasure requests), found by their phone number.

The number itself is never stored: reports keep its keyed hash (`cxops.phones.phone_hash`), so the
number a customer gives is normalised and hashed the same way and matched on the hash.  Finding,
exporting and erasing are administrators' acts, each one line of the audit log (with the masked
number and the count, never the number).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cxops.errors import ApplicationError
from cxops.models import ExperienceReport
from cxops.phones import InvalidPhone
from cxops.phones import phone_hash
from cxops.phones import phone_mask
from cxops.phones import phone_normalise
from cxops.roles import Role
from cxops.roles import has_role
from cxops.services.audit import AuditAction
from cxops.services.audit import audit_record
from cxops.services.retention import report_personal_parts_erase


def _number(phone: str) -> str:
    try:
        return phone_normalise(phone or "")
    except InvalidPhone:
        raise ValidationError({"phone": _("Enter a mainland mobile or landline number.")}) from None


def _require_admin(actor: Any) -> None:
    if not has_role(actor, Role.ADMIN):
        raise ApplicationError(_("Only administrators handle customers' data requests."), code="forbidden")


def _reports(number: str) -> QuerySet[ExperienceReport]:
    return (
        ExperienceReport.objects.filter(customer_hash=phone_hash(number))
        .select_related("product", "channel")
        .order_by("occurred_at", "pk")
    )


def _reports_recorded(*, actor: Any, phone: str, action: str) -> tuple[str, list[ExperienceReport]]:
    """(masked number, the reports linked to it), the reading recorded in the audit log as `action`."""
    _require_admin(actor)
    number = _number(phone)
    with transaction.atomic():
        reports = list(_reports(number))
        audit_record(actor=actor, action=action, summary=f"{phone_mask(number)}: {len(reports)}")
    return phone_mask(number), reports


def customer_reports_find(*, actor: Any, phone: str) -> tuple[str, list[ExperienceReport]]:
    """(masked number, the reports linked to it); recorded."""
    return _reports_recorded(actor=actor, phone=phone, action=AuditAction.CUSTOMER_DATA_FOUND)


def customer_reports_export(*, actor: Any, phone: str) -> tuple[str, list[ExperienceReport]]:
    """The same reports, for the customer's copy; recorded as an export."""
    return _reports_recorded(actor=actor, phone=phone, action=AuditAction.CUSTOMER_DATA_EXPORTED)


def customer_data_erase(*, actor: Any, phone: str) -> int:
    """Erase the personal parts (detail, masked number, keyed hash; history rows too) of every
    report linked to the number.  The reports stay, anonymous.  Returns how many."""
    _require_admin(actor)
    number = _number(phone)
    with transaction.atomic():
        ids = list(_reports(number).select_for_update().values_list("pk", flat=True))
        changed, history = report_personal_parts_erase(ids)
        audit_record(
            actor=actor,
            action=AuditAction.CUSTOMER_DATA_ERASED,
            summary=f"{phone_mask(number)}: reports={changed}, history rows={history}",
        )
    return changed


__all__ = ["customer_data_erase", "customer_reports_export", "customer_reports_find"]
