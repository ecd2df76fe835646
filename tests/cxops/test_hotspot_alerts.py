import datetime as dt

import numpy as np
import pytest

from cxops.errors import ApplicationError
from cxops.models import AlertStatus
from cxops.models import HotSpotAlert
from cxops.models import IssueDailyRollup
from cxops.models import Notification
from cxops.models import NotificationKind
from cxops.services.hotspots import alert_opt_in_set
from cxops.services.hotspots import hot_spot_alert_acknowledge
from cxops.services.hotspots import hot_spots_detect
from cxops.services.metrics import MetricRecord
from cxops.services.metrics import ScopeKey
from cxops.services.metrics import metric_records_apply
from cxops.services.notifications import follow_create
from cxops.tasks import detect_hot_spots
from tests.factories import IssueFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 16)  # a Monday
WEEKLY = [2.0, 1.4, 1.2, 1.1, 1.0, 0.8, 0.7]  # Monday first


def issue_history(issue, *, today_count, level=20, seed=0):
    """Eight weeks of weekday-patterned daily counts for the issue, then today's count."""
    rng = np.random.default_rng(seed)
    rows = []
    for back in range(56, 0, -1):
        day = TODAY - dt.timedelta(days=back)
        rows.append(
            IssueDailyRollup(issue=issue, day=day, count=int(rng.poisson(level * WEEKLY[day.weekday()])))
        )
    rows.append(IssueDailyRollup(issue=issue, day=TODAY, count=today_count))
    IssueDailyRollup.objects.bulk_create(rows)


def test_an_injected_spike_raises_one_alert_and_notifies_subscribers_once(
    make_user, analyst, django_capture_on_commit_callbacks
):
    # given an issue followed by a frontline member, its product followed by an owner, an opted-in analyst
    issue = IssueFactory()
    follower, owner, bystander = make_user("frontline"), make_user("product_owner"), make_user("analyst")
    follow_create(user=follower, target=issue)
    follow_create(user=owner, target=issue.product)
    alert_opt_in_set(actor=analyst, enabled=True)
    issue_history(issue, today_count=200)  # a Monday usually has about 40
    # when detection runs twice
    with django_capture_on_commit_callbacks(execute=True):
        first = hot_spots_detect(today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        second = hot_spots_detect(today=TODAY)
    # then one alert exists, with its figures, and each subscriber got exactly one notification
    alert = HotSpotAlert.objects.get()
    assert [a.pk for a in first] == [a.pk for a in second] == [alert.pk]
    assert (alert.issue_id, alert.day, alert.observed, alert.status) == (
        issue.pk,
        TODAY,
        200,
        AlertStatus.OPEN,
    )
    assert 30 <= alert.expected <= 50
    recipients = sorted(
        Notification.objects.filter(kind=NotificationKind.ALERT).values_list("recipient", flat=True)
    )
    assert recipients == sorted([follower.pk, owner.pk, analyst.pk])
    assert not Notification.objects.filter(recipient=bystander).exists()
    assert Notification.objects.get(recipient=follower).url == f"/dashboard/alerts/#alert-{alert.pk}"


@pytest.mark.parametrize("seed", range(10))
def test_a_normal_monday_raises_no_alert(seed):
    issue = IssueFactory()
    rng = np.random.default_rng(100 + seed)
    issue_history(issue, today_count=int(rng.poisson(20 * WEEKLY[0])), seed=seed)
    assert hot_spots_detect(today=TODAY) == []
    assert HotSpotAlert.objects.count() == 0


def test_product_complaints_spike_from_touchpoint_data(reference_data):
    # given 8 weeks of daily complaints for Fetion and a spike yesterday
    fetion = reference_data["products"]["fetion"]
    scope = ScopeKey(fetion.pk, None, None)
    yesterday = TODAY - dt.timedelta(days=1)
    records = [
        MetricRecord(
            scope=scope, day=yesterday - dt.timedelta(days=back), values={"complaints": 60 + back % 3}
        )
        for back in range(1, 57)
    ]
    records.append(MetricRecord(scope=scope, day=yesterday, values={"complaints": 240}))
    metric_records_apply(actor=None, records=records)
    # when the periodic task runs (forced past its once-per-slot guard)
    assert set(detect_hot_spots(force=True)) == {"alerts"}
    alerts = hot_spots_detect(today=TODAY)
    # then the product's complaint alert is raised for yesterday
    assert [(a.signal, a.product_id, a.day, a.observed) for a in alerts] == [
        ("product_complaints", fetion.pk, yesterday, 240)
    ]


def test_acknowledge_needs_an_analyst_and_happens_once(analyst, product_owner, make_user):
    issue = IssueFactory()
    issue_history(issue, today_count=200)
    alert = hot_spots_detect(today=TODAY)[0]
    # a product owner is refused and nothing changes
    with pytest.raises(ApplicationError) as refused:
        hot_spot_alert_acknowledge(actor=product_owner, alert=alert, note="看过了")
    assert refused.value.code == "forbidden"
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.note) == (AlertStatus.OPEN, None, "")
    # an analyst acknowledges with a note
    hot_spot_alert_acknowledge(actor=analyst, alert=alert, note=" 系统割接导致，已恢复 ")
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.note) == (
        AlertStatus.ACKNOWLEDGED,
        analyst,
        "系统割接导致，已恢复",
    )
    # a second acknowledgement is a conflict naming the first
    with pytest.raises(ApplicationError) as again:
        hot_spot_alert_acknowledge(actor=make_user("analyst"), alert=alert)
    assert again.value.code == "conflict"
    alert.refresh_from_db()
    assert alert.acknowledged_by == analyst


def test_only_analysts_may_opt_in_to_every_alert(frontline):
    with pytest.raises(ApplicationError):
        alert_opt_in_set(actor=frontline, enabled=True)
    assert not frontline.__class__.objects.filter(alert_opt_in__isnull=False).exists()
