"""Retention (PIPL): personal data is kept for a configured time, then purged — history included.

Periods in days, per kind (`CXOPS_RETENTION_*_DAYS`; 0 keeps that kind forever):

- `report`: a report's detail and customer key (masked number and keyed hash) are erased once the
  report was filed longer ago; the report itself stays (counts, rollups and issues are not
  personal), and so do its masked summary and classification.  Its simple-history rows lose the
  same fields.
- `imports`: an import job's file and its rejected rows (which hold the rows as read) are dropped;
  the job's counts stay.
- `notifications`: notifications are deleted.
- `audit`: audit lines are deleted (the audit log is otherwise append-only).

`retention_purge` runs daily (beat, `purge-expired-data`) and writes one audit line with the counts
(never the content).  Running it twice purges nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cxops.models import AuditEvent
from cxops.models import ExperienceReport
from cxops.models import ImportJob
from cxops.models import ImportRejectedRow
from cxops.models import Notification
from cxops.services.audit import AuditAction
from cxops.services.audit import audit_record

KINDS = ("report", "imports", "notifications", "audit")


def retention_days() -> dict[str, int]:
    return {
        "report": settings.CXOPS_RETENTION_REPORT_DAYS,
        "imports": settings.CXOPS_RETENTION_IMPORT_DAYS,
        "notifications": settings.CXOPS_RETENTION_NOTIFICATION_DAYS,
        "audit": settings.CXOPS_RETENTION_AUDIT_DAYS,
    }


def report_personal_parts_erase(report_ids: Any) -> tuple[int, int]:
    """Erase the detail and customer key of these reports and of their history rows.
    Returns (reports, history rows) changed.  Caller holds a transaction."""
    personal = Q(customer_hash__gt="") | Q(customer_masked__gt="") | Q(detail__gt="")
    reports = ExperienceReport.objects.filter(pk__in=report_ids).filter(personal)
    changed = reports.update(detail="", customer_masked="", customer_hash="")
    history = ExperienceReport.history.model.objects.filter(id__in=report_ids).filter(
        Q(customer_masked__gt="") | Q(detail__gt="")
    )
    history_changed = history.update(detail="", customer_masked="")
    return changed, history_changed


def retention_purge(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Purge what is due; returns the counts (also written to the audit log when anything was due)."""
    now = now or timezone.now()
    days = retention_days()
    counts = dict.fromkeys(
        [
            "report_personal",
            "report_history",
            "import_files",
            "import_rejected_rows",
            "notifications",
            "audit",
        ],
        0,
    )
    with transaction.atomic():
        if days["report"] > 0:
            cutoff = now - dt.timedelta(days=days["report"])
            due = ExperienceReport.objects.filter(created_at__lt=cutoff).values("pk")
            counts["report_personal"], counts["report_history"] = report_personal_parts_erase(due)
        if days["imports"] > 0:
            cutoff = now - dt.timedelta(days=days["imports"])
            jobs = ImportJob.objects.filter(created_at__lt=cutoff)
            counts["import_files"] = jobs.filter(data__isnull=False).update(data=None)
            counts["import_rejected_rows"], _ = ImportRejectedRow.objects.filter(
                job__in=jobs.values("pk")
            ).delete()
        if days["notifications"] > 0:
            cutoff = now - dt.timedelta(days=days["notifications"])
            counts["notifications"], _ = Notification.objects.filter(created_at__lt=cutoff).delete()
        if days["audit"] > 0:
            cutoff = now - dt.timedelta(days=days["audit"])
            # The model refuses delete(); only this purge removes lines, in bulk and by age.
            counts["audit"] = AuditEvent.objects.filter(occurred_at__lt=cutoff)._raw_delete(
                AuditEvent.objects.db
            )
        if any(counts.values()):
            audit_record(
                actor=None,
                actor_name="retention",
                action=AuditAction.RETENTION_PURGED,
                summary=", ".join(f"{name}={value}" for name, value in counts.items())
                + " ("
                + ", ".join(f"{kind} {value} d" for kind, value in days.items())
                + ")",
            )
    return counts


__all__ = ["KINDS", "report_personal_parts_erase", "retention_days", "retention_purge"]
