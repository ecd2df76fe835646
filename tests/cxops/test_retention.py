"""Retention purges what is due, history rows included, and records counts; a customer's data is
found by the keyed hash of their number, exported and erased, each step audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cxops.models import AuditEvent
from cxops.models import ExperienceReport
from cxops.models import ImportJob
from cxops.models import ImportRejectedRow
from cxops.models import Notification
from cxops.services.audit import AuditAction
from cxops.services.audit import audit_record
from cxops.services.reports import report_create
from cxops.services.retention import retention_purge

pytestmark = pytest.mark.django_db

CUSTOMER = "+86 138-0013-8000"


def _report(actor, refs, *, customer: str, detail: str, summary: str = "话费重复扣除"):
    report, _created = report_create(
        actor=actor,
        source_type="complaint",
        product=refs["products"]["fetion"],
        channel=refs["channels"]["hotline-10086"],
        layer="functional",
        stage="use",
        summary=summary,
        detail=detail,
        occurred_at=timezone.now() - dt.timedelta(days=1),
        customer=customer,
    )
    return report


def _age(model, pk, field: str, days: int) -> None:
    model.objects.filter(pk=pk).update(**{field: timezone.now() - dt.timedelta(days=days)})


def test_the_daily_purge_removes_due_rows_with_their_history_and_records_counts(
    frontline, analyst, reference_data
):
    old = _report(frontline, reference_data, customer=CUSTOMER, detail="客户说了很多细节")
    new = _report(frontline, reference_data, customer=CUSTOMER, detail="新的细节")
    _age(ExperienceReport, old.pk, "created_at", settings.CXOPS_RETENTION_REPORT_DAYS + 1)
    history = ExperienceReport.history.model.objects
    assert history.filter(id=old.pk).exclude(detail="").exists()

    job = ImportJob.objects.create(
        kind="reports",
        source_system="hotline",
        original_name="old.csv",
        data=b"a,b\n1,2\n",
        created_by=analyst,
    )
    ImportRejectedRow.objects.create(job=job, line=2, reason="bad", raw="1,2")
    _age(ImportJob, job.pk, "created_at", settings.CXOPS_RETENTION_IMPORT_DAYS + 1)
    stale = Notification.objects.create(recipient=analyst, kind="other", title="旧通知")
    fresh = Notification.objects.create(recipient=analyst, kind="other", title="新通知")
    _age(Notification, stale.pk, "created_at", settings.CXOPS_RETENTION_NOTIFICATION_DAYS + 1)
    ancient = audit_record(actor=analyst, action=AuditAction.EXPORTED, summary="long ago")
    AuditEvent.objects.filter(pk=ancient.pk).update(
        occurred_at=timezone.now() - dt.timedelta(days=settings.CXOPS_RETENTION_AUDIT_DAYS + 1)
    )

    from cxops.tasks import purge_expired_data

    counts = purge_expired_data()  # what beat runs daily
    assert counts == {
        "report_personal": 1,
        "report_history": history.filter(id=old.pk).count(),
        "import_files": 1,
        "import_rejected_rows": 1,
        "notifications": 1,
        "audit": 1,
    }
    old.refresh_from_db()
    assert (old.detail, old.customer_masked, old.customer_hash) == ("", "", "")
    assert old.summary == "话费重复扣除"  # the report itself stays
    assert not history.filter(id=old.pk).exclude(detail="", customer_masked="").exists()
    new.refresh_from_db()
    assert (new.detail, new.customer_masked) == ("新的细节", "138****8000") and new.customer_hash
    assert history.filter(id=new.pk).exclude(detail="").exists()
    job.refresh_from_db()
    assert job.data is None and not ImportRejectedRow.objects.exists()
    assert list(Notification.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not AuditEvent.objects.filter(pk=ancient.pk).exists()
    line = AuditEvent.objects.get(action=AuditAction.RETENTION_PURGED)
    assert "report_personal=1" in line.summary and "客户" not in line.summary

    # nothing left to purge: nothing done, nothing recorded
    assert set(retention_purge().values()) == {0}
    assert AuditEvent.objects.filter(action=AuditAction.RETENTION_PURGED).count() == 1
    assert settings.CELERY_BEAT_SCHEDULE["purge-expired-data"]["task"] == "cxops.tasks.purge_expired_data"


def test_a_period_of_zero_keeps_that_kind_forever(frontline, reference_data, settings):
    settings.CXOPS_RETENTION_REPORT_DAYS = 0
    old = _report(frontline, reference_data, customer=CUSTOMER, detail="细节")
    _age(ExperienceReport, old.pk, "created_at", 10_000)
    assert retention_purge()["report_personal"] == 0
    old.refresh_from_db()
    assert old.detail == "细节"


def test_a_customers_reports_are_found_exported_and_erased_by_an_administrator(
    frontline, reference_data, client_for, admin_user_role, analyst
):
    mine = [
        _report(frontline, reference_data, customer=CUSTOMER, detail="第一次来电"),
        _report(frontline, reference_data, customer="13800138000", detail="第二次来电"),
    ]
    other = _report(frontline, reference_data, customer="13900139000", detail="别人的来电")
    url = reverse("identity:customer-data")
    assert client_for(analyst).post(url, {"phone": CUSTOMER, "action": "find"}).status_code == 403
    client = client_for(admin_user_role)
    assert client.get(url).status_code == 200

    found = client.post(url, {"phone": "８６ １３８ ００１３ ８０００", "action": "find"}).content.decode()
    assert f"#{mine[0].pk}<" in found and f"#{mine[1].pk}<" in found and f"#{other.pk}<" not in found
    assert "13800138000" not in found

    export = client.post(url, {"phone": CUSTOMER, "action": "export"})
    body = export.content.decode("utf-8-sig")
    assert export["Content-Type"].startswith("text/csv") and "第一次来电" in body and "别人的来电" not in body
    assert "13800138000" not in body and "138****8000" in body

    unconfirmed = client.post(url, {"phone": CUSTOMER, "action": "erase"}, HTTP_ACCEPT_LANGUAGE="en")
    assert (
        unconfirmed.status_code == 200 and "Tick this to confirm the erasure." in unconfirmed.content.decode()
    )
    assert ExperienceReport.objects.get(pk=mine[0].pk).detail == "第一次来电"
    erased = client.post(url, {"phone": CUSTOMER, "action": "erase", "confirm": "on"})
    assert erased.status_code == 302
    for report in mine:
        report.refresh_from_db()
        assert (report.detail, report.customer_masked, report.customer_hash) == ("", "", "")
        assert not ExperienceReport.history.model.objects.filter(id=report.pk).exclude(detail="").exists()
    other.refresh_from_db()
    assert other.detail == "别人的来电"
    events = list(
        AuditEvent.objects.filter(action__startswith="customer_data.")
        .order_by("id")
        .values_list("action", "summary")
    )
    assert [action for action, _ in events] == [
        "customer_data.found",
        "customer_data.exported",
        "customer_data.erased",
    ]
    assert all("138****8000" in summary and "13800138000" not in summary for _, summary in events)
    bad = client.post(url, {"phone": "not a number", "action": "find"})
    assert bad.status_code == 200 and AuditEvent.objects.filter(action="customer_data.found").count() == 1
