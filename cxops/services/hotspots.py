"""Detect hot spots (热点异动) and record them as alerts; acknowledge alerts; opt in to all alerts.

Detection (`hot_spots_detect`, run by the beat task `cxops.tasks.detect_hot_spots` every 30 min):

- signals: reports per issue (`IssueDailyRollup`), reports per product (the rollups by
  dimension) and complaints per product from touchpoint data (the product-total metric scope);
- days checked: today so far and yesterday for reports (a partial day that already passes a
  whole day's threshold is a spike); yesterday for touchpoint data, which arrives a day late;
- each candidate is compared with its own weekday-aware robust baseline
  (`cxops.analytics.hotspots.hot_spot_check`) on the 56 days before the checked day;
- only candidates whose count reaches the minimum are examined, so the cost follows the number of
  busy items, not all items ever seen;
- every signal is checked twice over (issue 17): on the province's totals (an alert whose region is
  the province) and on each city's own series (the region rollups, the cities' metric scopes; an
  alert whose region is the city), so a surge in one city is raised even when the province's
  total hardly moves.  Each city has its own baseline; the minimum count applies to each.

Subscribers (who is notified of a new alert, in the app): followers of the issue, followers of
the product (of the issue's product for an issue alert), and every user who opted in to all
alerts (`alert_opt_in_set`).  Only analysts and managers may opt in; anyone following an item
gets its alerts; a city's alert skips members homed in another city.  An alert is raised once per
(signal, subject, region, day); later runs update its figures without notifying again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import numpy as np
from django.db import IntegrityError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.utils.translation import override

from cxops.analytics.hotspots import MIN_COUNT
from cxops.analytics.hotspots import WEEKS
from cxops.analytics.hotspots import hot_spot_check
from cxops.errors import ApplicationError
from cxops.models import AlertOptIn
from cxops.models import AlertSignal
from cxops.models import AlertStatus
from cxops.models import ExperienceIssue
from cxops.models import HomeRegion
from cxops.models import HotSpotAlert
from cxops.models import IssueDailyRegionRollup
from cxops.models import IssueDailyRollup
from cxops.models import MetricDaily
from cxops.models import NotificationKind
from cxops.models import Product
from cxops.models import ReportDailyDimensionRollup
from cxops.models import ReportDailyRegionRollup
from cxops.models import RollupDimension
from cxops.models.notifications import render_message
from cxops.models.reference import province_region_id
from cxops.people import display_name
from cxops.personal_numbers import mask_personal_numbers
from cxops.roles import Role
from cxops.roles import require_role
from cxops.services.notifications import follower_ids
from cxops.services.notifications import label_param
from cxops.services.notifications import notify
from cxops.services.webhook_events import hot_spot_raised_emit

HISTORY_DAYS = WEEKS * 7


# Counters: {(subject id, region id): {day: count}} for the given days, the province's own totals
# under the province's id and each city's under its own.  `subject_ids` narrows to busy subjects.
Counts = dict[tuple[int, int], dict[dt.date, float]]


def _issue_counts(days: list[dt.date], subject_ids: list[int] | None, *, province_id: int) -> Counts:
    result: Counts = defaultdict(dict)
    province = IssueDailyRollup.objects.filter(day__in=days)
    cities = IssueDailyRegionRollup.objects.filter(day__in=days, region__parent__isnull=False)
    if subject_ids is not None:
        province = province.filter(issue_id__in=subject_ids)
        cities = cities.filter(issue_id__in=subject_ids)
    for issue_id, day, count in province.values_list("issue_id", "day", "count"):
        result[(issue_id, province_id)][day] = count
    for issue_id, region_id, day, count in cities.values_list("issue_id", "region_id", "day", "count"):
        result[(issue_id, region_id)][day] = count
    return result


def _product_report_counts(days: list[dt.date], subject_ids: list[int] | None, *, province_id: int) -> Counts:
    # Every report counts once per dimension: summing one dimension gives the product's total.
    result: Counts = defaultdict(dict)
    province = ReportDailyDimensionRollup.objects.filter(dimension=RollupDimension.SOURCE_TYPE, day__in=days)
    cities = ReportDailyRegionRollup.objects.filter(
        dimension=RollupDimension.SOURCE_TYPE, day__in=days, region__parent__isnull=False
    )
    if subject_ids is not None:
        province = province.filter(product_id__in=subject_ids)
        cities = cities.filter(product_id__in=subject_ids)
    for product_id, day, total in (
        province.values("product_id", "day")
        .annotate(total=Sum("count"))
        .values_list("product_id", "day", "total")
    ):
        result[(product_id, province_id)][day] = total
    for product_id, region_id, day, total in (
        cities.values("product_id", "region_id", "day")
        .annotate(total=Sum("count"))
        .values_list("product_id", "region_id", "day", "total")
    ):
        result[(product_id, region_id)][day] = total
    return result


def _product_complaint_counts(
    days: list[dt.date], subject_ids: list[int] | None, *, province_id: int
) -> Counts:
    # A product's figures are stored for the province or by city, never both: the province's
    # complaints are the sum over its scopes, a city's are its own scope's.
    queryset = MetricDaily.objects.filter(
        day__in=days, scope__channel__isnull=True, scope__segment__isnull=True, complaints__isnull=False
    )
    if subject_ids is not None:
        queryset = queryset.filter(scope__product_id__in=subject_ids)
    result: Counts = defaultdict(dict)
    for product_id, day, total in (
        queryset.values("scope__product_id", "day")
        .annotate(total=Sum("complaints"))
        .values_list("scope__product_id", "day", "total")
    ):
        result[(product_id, province_id)][day] = total
    for product_id, region_id, day, complaints in queryset.filter(
        scope__region__parent__isnull=False
    ).values_list("scope__product_id", "scope__region_id", "day", "complaints"):
        result[(product_id, region_id)][day] = complaints
    return result


COUNTERS = {
    AlertSignal.ISSUE_REPORTS: _issue_counts,
    AlertSignal.PRODUCT_REPORTS: _product_report_counts,
    AlertSignal.PRODUCT_COMPLAINTS: _product_complaint_counts,
}


def hot_spots_detect(*, today: dt.date | None = None) -> list[HotSpotAlert]:
    """Check every busy item, province-wide and in each city; returns the alerts raised or
    updated.  Safe to run any number of times."""
    today = today or timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    province_id = province_region_id()
    checks = [
        (AlertSignal.ISSUE_REPORTS, [today, yesterday]),
        (AlertSignal.PRODUCT_REPORTS, [today, yesterday]),
        (AlertSignal.PRODUCT_COMPLAINTS, [yesterday]),
    ]
    alerts = []
    for signal, days in checks:
        counter = COUNTERS[signal]
        for day in days:
            current = counter([day], None, province_id=province_id)
            busy = [key for key, by_day in current.items() if by_day.get(day, 0) >= MIN_COUNT]
            if not busy:
                continue
            history_days = [day - dt.timedelta(days=n) for n in range(HISTORY_DAYS, 0, -1)]
            history = counter(
                history_days, sorted({subject_id for subject_id, _region in busy}), province_id=province_id
            )
            for key in busy:
                by_day = history.get(key, {})
                # Days before the item's first count are missing (NaN), not zero.
                first = min(by_day) if by_day else day
                series = np.array(
                    [by_day.get(d, 0.0) if d >= first else np.nan for d in history_days], dtype=float
                )
                check = hot_spot_check(series, float(current[key][day]))
                if check.fired:
                    subject_id, region_id = key
                    alerts.append(
                        _raise(
                            signal=signal, subject_id=subject_id, region_id=region_id, day=day, check=check
                        )
                    )
    return alerts


def _raise(*, signal: str, subject_id: int, region_id: int, day: dt.date, check: Any) -> HotSpotAlert:
    subject = {"issue_id": subject_id} if signal == AlertSignal.ISSUE_REPORTS else {"product_id": subject_id}
    subject["region_id"] = region_id
    figures = {
        "observed": check.observed,
        "expected": check.expected,
        "threshold": check.threshold,
        "score": check.score,
    }
    with transaction.atomic():
        alert = HotSpotAlert.objects.select_for_update().filter(signal=signal, day=day, **subject).first()
        if alert is not None:
            if check.observed > alert.observed:  # the day is still filling up: keep the latest figures
                for name, value in figures.items():
                    setattr(alert, name, value)
                alert.save(update_fields=[*figures, "updated_at"])
            return alert
        try:
            with transaction.atomic():
                alert = HotSpotAlert.objects.create(signal=signal, day=day, **subject, **figures)
        except IntegrityError:  # a concurrent run raised it first; it notifies
            return HotSpotAlert.objects.get(signal=signal, day=day, **subject)
        _notify_subscribers(alert)
        hot_spot_raised_emit(alert)
    return alert


def alert_subscriber_ids(alert: HotSpotAlert) -> set[int]:
    """Followers and opted-in users; a city's alert skips members of the other cities (they
    cannot read it)."""
    recipients = set(AlertOptIn.objects.values_list("user_id", flat=True))
    if alert.issue_id:
        issue = ExperienceIssue.objects.get(pk=alert.issue_id)
        recipients.update(follower_ids(target=issue))
        if issue.product_id:
            recipients.update(follower_ids(target=Product.objects.get(pk=issue.product_id)))
    elif alert.product_id is not None:
        recipients.update(follower_ids(target=Product.objects.get(pk=alert.product_id)))
    if alert.region.parent_id is not None:
        recipients -= set(
            HomeRegion.objects.filter(user_id__in=recipients, region__parent__isnull=False)
            .exclude(region_id=alert.region.pk)
            .values_list("user_id", flat=True)
        )
    return recipients


HOT_SPOT = gettext_noop("Hot spot: %(subject)s — %(observed)s on %(day)s, usually about %(expected)s")
HOT_SPOT_IN_REGION = gettext_noop(
    "Hot spot in %(region)s: %(subject)s — %(observed)s on %(day)s, usually about %(expected)s"
)


def _notify_subscribers(alert: HotSpotAlert) -> None:
    # The event, not the sentence: each reader reads it in their language (a product by its name
    # in that language).  `title` is the Chinese sentence, the operators' language.
    subject: Any = ""
    if alert.issue is not None:
        subject = alert.issue.title
    elif alert.product is not None:
        subject = {"zh-hans": alert.product.name_zh, "en": alert.product.name_en or alert.product.name_zh}
    params = {
        "subject": subject,
        "region": {"zh-hans": alert.region.name_zh, "en": alert.region.name_en or alert.region.name_zh},
        "observed": int(alert.observed),
        "day": alert.day.isoformat(),
        "expected": int(round(alert.expected)),
    }
    # A city's alert names its city; the province's does not.
    message = HOT_SPOT if alert.region.parent_id is None else HOT_SPOT_IN_REGION
    signal = label_param(AlertSignal(alert.signal).label)["msgid"]
    with override("zh-hans"):
        title = render_message(message, params)
        body = _(signal)
    notify(
        recipient_ids=alert_subscriber_ids(alert),
        kind=NotificationKind.ALERT,
        title=title,
        message=message,
        params=params,
        body=body,
        body_message=signal,
        url=reverse("dashboard:alerts") + f"#alert-{alert.pk}",
        target=alert,
        event_key=f"hot-spot:{alert.pk}",
    )


def hot_spot_alert_acknowledge(*, actor: Any, alert: HotSpotAlert, note: str = "") -> HotSpotAlert:
    """Analysts and managers acknowledge an open alert; acknowledging twice is refused with who did it."""
    require_role(actor, Role.ANALYST)
    with transaction.atomic():
        locked = HotSpotAlert.objects.select_for_update().get(pk=alert.pk)
        if not locked.can_acknowledge():
            raise ApplicationError(
                _("This alert was already acknowledged by %(user)s.")
                % {"user": display_name(locked.acknowledged_by)}
                if locked.acknowledged_by
                else _("This alert was already acknowledged."),
                code="conflict",
            )
        locked.status = AlertStatus.ACKNOWLEDGED
        locked.acknowledged_by = actor
        locked.acknowledged_at = timezone.now()
        # the page reads it raw; PostgreSQL refuses NUL; a customer's number is kept masked
        locked.note = mask_personal_numbers(note.replace("\x00", "").strip())[:500]
        locked.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "note", "updated_at"])
    return locked


def alert_opt_in_set(*, actor: Any, enabled: bool) -> bool:
    """Opt in to (or out of) every hot-spot alert.  Idempotent; returns the new state."""
    require_role(actor, Role.ANALYST)
    if enabled:
        AlertOptIn.objects.get_or_create(user=actor)
    else:
        AlertOptIn.objects.filter(user=actor).delete()
    return enabled
