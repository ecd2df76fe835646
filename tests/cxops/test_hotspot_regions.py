"""Hot spots per region (issue 17): each city on its own baseline as well as the province's total."""

import datetime as dt

import numpy as np
import pytest

from cxops.models import HomeRegion
from cxops.models import HotSpotAlert
from cxops.models import IssueDailyRegionRollup
from cxops.models import IssueDailyRollup
from cxops.models import Notification
from cxops.models import NotificationKind
from cxops.models import Region
from cxops.models import WebhookDelivery
from cxops.services.hotspots import hot_spots_detect
from cxops.services.metrics import MetricRecord
from cxops.services.metrics import ScopeKey
from cxops.services.metrics import metric_records_apply
from cxops.services.notifications import follow_create
from cxops.services.reference import regions_seed
from cxops.services.webhooks import webhook_subscription_save
from tests.factories import IssueFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 16)  # a Monday
WEEKLY = [2.0, 1.4, 1.2, 1.1, 1.0, 0.8, 0.7]  # Monday first


@pytest.fixture
def regions(db):
    regions_seed()
    return {region.code: region for region in Region.objects.all()}


def city_history(issue, regions, *, levels: dict[str, float], today: dict[str, int], seed=0):
    """Eight weeks of weekday-patterned counts per city, then today's; the province's rollup is
    their sum, as the rollups keep it."""
    rng = np.random.default_rng(seed)
    province, cities = [], []
    for back in range(56, -1, -1):
        day = TODAY - dt.timedelta(days=back)
        total = 0
        for code, level in levels.items():
            count = today[code] if back == 0 else int(rng.poisson(level * WEEKLY[day.weekday()]))
            cities.append(IssueDailyRegionRollup(issue=issue, region=regions[code], day=day, count=count))
            total += count
        province.append(IssueDailyRollup(issue=issue, day=day, count=total))
    IssueDailyRollup.objects.bulk_create(province)
    IssueDailyRegionRollup.objects.bulk_create(cities)


def test_a_surge_in_one_city_raises_that_citys_alert_while_the_province_total_stays_quiet(regions):
    # given an issue reported mostly in Guangzhou (about 80 a Monday) and a little in Foshan (about 6)
    issue = IssueFactory()
    city_history(issue, regions, levels={"guangzhou": 40, "foshan": 3}, today={"guangzhou": 80, "foshan": 30})
    # when today Foshan has 30 (five times its usual Monday) and Guangzhou its usual 80
    alerts = hot_spots_detect(today=TODAY)
    # then Foshan's alert alone is raised: the province's 110 is within its usual range
    assert [(a.signal, a.issue_id, a.region.code, a.observed) for a in alerts] == [
        ("issue_reports", issue.pk, "foshan", 30)
    ]
    assert 4 <= alerts[0].expected <= 8
    assert not HotSpotAlert.objects.filter(region=regions["guangdong"]).exists()


def test_a_province_wide_surge_raises_the_provinces_alert_and_each_surging_citys(regions):
    issue = IssueFactory()
    city_history(issue, regions, levels={"guangzhou": 40, "foshan": 3}, today={"guangzhou": 400, "foshan": 6})
    alerts = hot_spots_detect(today=TODAY)
    # detection twice raises nothing new
    again = hot_spots_detect(today=TODAY)
    assert sorted(a.region.code for a in alerts) == ["guangdong", "guangzhou"]
    assert sorted(a.pk for a in again) == sorted(a.pk for a in alerts)
    assert HotSpotAlert.objects.count() == 2


def test_a_citys_complaints_from_touchpoint_data_raise_that_citys_alert(regions, reference_data):
    # given Fetion's complaints stored by city: Shenzhen about 60 a day, Foshan about 12
    fetion = reference_data["products"]["fetion"]
    yesterday = TODAY - dt.timedelta(days=1)
    records = []
    for code, level, spike in (("shenzhen", 60, 60), ("foshan", 12, 48)):
        scope = ScopeKey(fetion.pk, None, None, regions[code].pk)
        records += [
            MetricRecord(
                scope=scope, day=yesterday - dt.timedelta(days=back), values={"complaints": level + back % 3}
            )
            for back in range(1, 57)
        ]
        records.append(MetricRecord(scope=scope, day=yesterday, values={"complaints": spike}))
    metric_records_apply(actor=None, records=records)
    # when detection runs
    alerts = hot_spots_detect(today=TODAY)
    # then Foshan's complaints (4×) are a hot spot; the province's 108 against about 73 is not
    assert [(a.signal, a.product_id, a.region.code, a.observed) for a in alerts] == [
        ("product_complaints", fetion.pk, "foshan", 48)
    ]


def test_a_citys_alert_notifies_its_citys_and_the_provinces_followers_not_another_citys(
    regions, make_user, django_capture_on_commit_callbacks
):
    issue = IssueFactory()
    foshan_member, guangzhou_member, province_member = (
        make_user("frontline"),
        make_user("frontline"),
        make_user("analyst"),
    )
    HomeRegion.objects.create(user=foshan_member, region=regions["foshan"])
    HomeRegion.objects.create(user=guangzhou_member, region=regions["guangzhou"])
    for user in (foshan_member, guangzhou_member, province_member):
        follow_create(user=user, target=issue)
    city_history(issue, regions, levels={"guangzhou": 40, "foshan": 3}, today={"guangzhou": 80, "foshan": 30})
    with django_capture_on_commit_callbacks(execute=True):
        [alert] = hot_spots_detect(today=TODAY)
    notified = Notification.objects.filter(kind=NotificationKind.ALERT)
    assert sorted(notified.values_list("recipient_id", flat=True)) == sorted(
        [foshan_member.pk, province_member.pk]
    )
    # the text names the city (stored in Chinese)
    assert notified.first().title.startswith("佛山市热点异动：")
    assert alert.region.code == "foshan"


def test_the_hot_spot_webhook_carries_the_region(regions, admin_user_role, settings):
    settings.CXOPS_WEBHOOK_ALLOWED_HOSTS = ["hooks.example.test"]
    import socket
    from unittest import mock

    with mock.patch.object(socket, "getaddrinfo", return_value=[(2, 1, 6, "", ("93.184.216.34", 443))]):
        webhook_subscription_save(
            actor=admin_user_role,
            name="全部热点",
            target_url="https://hooks.example.test/cxops",
            events=["hot_spot.raised"],
            secret="s" * 24,
            active=True,
        )
    issue = IssueFactory()
    city_history(issue, regions, levels={"guangzhou": 40, "foshan": 3}, today={"guangzhou": 80, "foshan": 30})
    hot_spots_detect(today=TODAY)
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload["data"]["region"] == {
        "code": "foshan",
        "name": "佛山市",
        "name_en": "Foshan",
        "level": "city",
    }
    assert ["地区", "佛山市"] in delivery.payload["summary"]["facts"]
