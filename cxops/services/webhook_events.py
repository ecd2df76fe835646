"""Webhook events of the ground floor: `hot_spot.raised` and `report.created`.

Each builder is called by the service that does the work, inside its transaction; the data is what
other systems read, the summary (in Chinese, the operators' language) what a robot posts.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from cxops.models import ExperienceReport
from cxops.models import HotSpotAlert
from cxops.models import WebhookEvent
from cxops.services.webhooks import webhook_emit
from cxops.webhooks import Summary


def hot_spot_raised_emit(alert: HotSpotAlert) -> None:
    """The `hot_spot.raised` webhook event (robots in the operators' groups), once per alert."""
    issue = alert.issue if alert.issue_id else None
    product = alert.product if alert.product_id else (issue.product if issue and issue.product_id else None)
    url = reverse("dashboard:alerts") + f"#alert-{alert.pk}"
    region = alert.region
    data = {
        "alert": {
            "id": alert.pk,
            "signal": alert.signal,
            "day": alert.day.isoformat(),
            "observed": alert.observed,
            "expected": alert.expected,
            "threshold": alert.threshold,
            "score": alert.score,
            "url": url,
        },
        "issue": {"id": issue.pk, "title": issue.title, "url": reverse("reports:issue", args=[issue.pk])}
        if issue
        else None,
        "product": {"code": product.code, "name": product.name_zh} if product else None,
        # where the surge is: a city, or the province as a whole
        "region": {
            "code": region.code,
            "name": region.name_zh,
            "name_en": region.name_en,
            "level": "city" if region.parent_id is not None else "province",
        },
    }
    with override("zh-hans"):
        subject = issue.title if issue else (product.name_zh if product else "")
        summary = Summary(
            title=_("Hot spot: %(subject)s") % {"subject": subject}
            if region.parent_id is None
            else _("Hot spot in %(region)s: %(subject)s") % {"subject": subject, "region": region.name_zh},
            facts=[
                (_("region"), region.name_zh if region.parent_id is not None else _("Province-wide")),
                (_("signal"), str(alert.get_signal_display())),
                (_("day"), alert.day.isoformat()),
                (_("observed"), str(int(alert.observed))),
                (_("expected"), str(int(round(alert.expected)))),
                *([(_("product"), product.name_zh)] if product else []),
            ],
            url=url,
            link_text=_("Open the alerts"),
        )
    webhook_emit(
        event=WebhookEvent.HOT_SPOT_RAISED,
        data=data,
        summary=summary,
        product_ids=[product.pk] if product else [],
        region_ids=[alert.region_id] if alert.region_id is not None else [],
    )


def report_created_emit(report: ExperienceReport) -> None:
    """The opt-in `report.created` event (one per report filed through `report_create`; bulk
    imports do not send it).  Text is the stored one: personal numbers already masked."""
    url = reverse("reports:detail", args=[report.pk])
    data = {
        "report": {
            "id": report.pk,
            "url": url,
            "source_type": report.source_type,
            "product": report.product.code if report.product_id else None,
            "channel": report.channel.code if report.channel_id else None,
            "layer": report.layer,
            "stage": report.stage,
            "severity": report.severity,
            "summary": report.summary,
            "occurred_at": report.occurred_at.isoformat() if report.occurred_at else None,
            "reporter": report.reporter.get_username() if report.reporter is not None else None,
            "region": report.region.code,
            "issue_id": report.issue_id,
        }
    }
    with override("zh-hans"):
        summary = Summary(
            title=_("New report: %(summary)s") % {"summary": report.summary[:60]},
            facts=[
                (_("product"), report.product.name_zh if report.product_id else ""),
                (_("region"), report.region.name_zh),
                (_("source type"), str(report.get_source_type_display())),
                (_("severity"), str(report.get_severity_display())),
            ],
            url=url,
            link_text=_("Open the report"),
        )
    webhook_emit(
        event=WebhookEvent.REPORT_CREATED,
        data=data,
        summary=summary,
        product_ids=[report.product_id] if report.product_id else [],
        severity=report.severity,
        region_ids=[report.region_id] if report.region_id is not None else [],
    )
