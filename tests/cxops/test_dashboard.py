import csv
import datetime as dt
import io
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cxops import demo_metrics
from cxops.models import AlertStatus
from cxops.models import HotSpotAlert
from cxops.models import MetricDaily
from cxops.models import Product
from cxops.services.metrics import metric_records_apply
from cxops.services.rollups import ReportFacts
from cxops.services.rollups import rollups_apply_delta
from tests.factories import IssueFactory
from tests.factories import ReportFactory

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def file(n=1, **fields):
    """Reports written with their rollup deltas (as the filing services do)."""
    reports = [ReportFactory(**fields) for _ in range(n)]
    rollups_apply_delta(added=[ReportFacts.of(r) for r in reports])
    return reports


def local(day, hour=10):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def seed_products(reference_data):
    """Two years of demo metrics for the seed's three funnel examples (and their curves)."""
    ids = {
        "products": {c: p.pk for c, p in reference_data["products"].items()},
        "channels": {c: p.pk for c, p in reference_data["channels"].items()},
        "segments": {c: p.pk for c, p in reference_data["segments"].items()},
    }
    end = timezone.localdate() - dt.timedelta(days=1)
    for code in ("video-call", "mms", "ringback-tone"):
        metric_records_apply(actor=None, records=demo_metrics.product_records(code, ids, end))
        launched_on = demo_metrics.launch_date(code, end)
        if launched_on:
            Product.objects.filter(code=code).update(launched_on=launched_on)
    return reference_data["products"]


@pytest.mark.parametrize("url_name", ["dashboard:overview", "dashboard:alerts"])
def test_frontline_may_not_see_the_dashboard(client_for, frontline, url_name):
    assert client_for(frontline).get(reverse(url_name)).status_code == 403


def test_product_owner_reads_but_cannot_acknowledge(client_for, product_owner, reference_data):
    issue = IssueFactory()
    alert = HotSpotAlert.objects.create(
        signal="issue_reports",
        issue=issue,
        day=dt.date(2026, 11, 1),
        observed=90,
        expected=20,
        threshold=45,
        score=9,
    )
    client = client_for(product_owner)
    assert client.get(reverse("dashboard:overview")).status_code == 200
    assert client.get(reverse("dashboard:product", args=["fetion"])).status_code == 200
    assert client.post(reverse("dashboard:alert-acknowledge", args=[alert.pk])).status_code == 403
    assert client.post(reverse("dashboard:alert-opt-in"), {"enabled": "1"}).status_code == 403
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_analyst_acknowledges_from_the_alert_list(client_for, analyst):
    issue = IssueFactory(title="飞信申请失败")
    alert = HotSpotAlert.objects.create(
        signal="issue_reports",
        issue=issue,
        day=dt.date(2026, 11, 1),
        observed=90,
        expected=20,
        threshold=45,
        score=9,
    )
    client = client_for(analyst)
    page = client.get(reverse("dashboard:alerts")).content.decode()
    assert "飞信申请失败" in page
    response = client.post(reverse("dashboard:alert-acknowledge", args=[alert.pk]), {"note": "已处理"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.note) == (AlertStatus.ACKNOWLEDGED, analyst, "已处理")


def test_overview_volumes_come_from_the_rollups_in_layer_priority_order(
    api_client_for, analyst, reference_data
):
    # given reports on two days, one of them outside the period
    product, channel = reference_data["products"]["fetion"], reference_data["channels"]["hotline-10086"]
    day = dt.date(2026, 10, 20)
    file(
        3,
        product=product,
        channel=channel,
        layer="emotional",
        source_type="suggestion",
        occurred_at=local(day),
    )
    file(2, product=product, channel=channel, layer="functional", occurred_at=local(day, 23))
    file(
        4,
        product=product,
        channel=channel,
        layer="functional",
        occurred_at=local(day - dt.timedelta(days=30)),
    )
    # when the overview is asked for the week around the day
    response = api_client_for(analyst).get(
        reverse("dashboard-overview"), {"start": "2026-10-17", "end": "2026-10-23"}
    )
    assert response.status_code == 200
    volumes = response.json()["volumes"]
    # then the counts are the period's, layers in priority order with zeros kept
    assert [(v["code"], v["count"]) for v in volumes["layer"]] == [
        ("functional", 2),
        ("convenience", 0),
        ("emotional", 3),
    ]
    assert {v["code"]: v["count"] for v in volumes["source_type"]} == {
        "complaint": 2,
        "consultation": 0,
        "suggestion": 3,
        "observation": 0,
        "survey": 0,
    }
    assert volumes["channel"] == [{"code": str(channel.pk), "label": channel.name, "count": 5}]
    daily = response.json()["daily_by_source_type"]
    assert daily["days"][3] == "2026-10-20"
    assert {s["code"]: s["data"][3] for s in daily["series"]} == {"complaint": 2, "suggestion": 3}


def test_top_and_rising_issues(api_client_for, analyst):
    end = dt.date(2026, 10, 31)
    steady, rising = IssueFactory(title="资费争议"), IssueFactory(title="飞信登录失败")
    for back in range(35):
        file(1, issue=steady, status="linked", occurred_at=local(end - dt.timedelta(days=back)))
    for back in range(3):
        file(5, issue=rising, status="linked", occurred_at=local(end - dt.timedelta(days=back)))
    data = (
        api_client_for(analyst)
        .get(reverse("dashboard-overview"), {"start": "2026-10-04", "end": "2026-10-31"})
        .json()
    )
    assert [(i["title"], i["count"]) for i in data["top_issues"]] == [("资费争议", 28), ("飞信登录失败", 15)]
    assert [(i["title"], i["count"], i["expected"]) for i in data["rising_issues"]] == [
        ("飞信登录失败", 15, 1.0)
    ]


def test_csv_export_neutralises_formulas_and_keeps_chinese(client_for, analyst):
    issue = IssueFactory(title='=HYPERLINK("http://evil")飞信')
    file(2, issue=issue, status="linked", occurred_at=local(dt.date(2026, 10, 20)))
    response = client_for(analyst).get(
        reverse("dashboard:export-overview", args=["top_issues"]),
        {"start": "2026-10-01", "end": "2026-10-31"},
    )
    assert response.status_code == 200
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[1][0] == '\'=HYPERLINK("http://evil")飞信'
    assert rows[1][3] == "2"


def test_unknown_export_is_404(client_for, analyst):
    assert client_for(analyst).get(reverse("dashboard:export-overview", args=["nope"])).status_code == 404


def test_products_ranked_by_consultations_per_user(api_client_for, analyst, reference_data):
    p = reference_data["products"]
    records = []
    from cxops.services.metrics import MetricRecord
    from cxops.services.metrics import ScopeKey

    for code, users, consultations in (("mms", 1_000_000, 50), ("video-call", 100_000, 80)):
        for day in (dt.date(2026, 10, 1), dt.date(2026, 10, 2)):
            records.append(
                MetricRecord(
                    ScopeKey(p[code].pk, None, None), day, {"users": users, "consultations": consultations}
                )
            )
    metric_records_apply(actor=analyst, records=records)
    data = (
        api_client_for(analyst)
        .get(reverse("dashboard-overview"), {"start": "2026-10-01", "end": "2026-10-02"})
        .json()
    )
    ranking = data["products_by_consultations_per_user"]
    assert [(r["code"], r["per_10k_users"], r["average_users"]) for r in ranking] == [
        ("video-call", 8.0, 100_000),
        ("mms", 0.5, 1_000_000),
    ]


@pytest.mark.slow
def test_seed_examples_come_out_as_the_seed_says(client_for, api_client_for, analyst, seed_products):
    expected = {
        "video-call": (["awareness"], "提升知晓率", "Raise the awareness rate"),
        "mms": (
            ["cognition", "identification"],
            "提升认知率和认同率",
            "Raise the cognition rate and the identification rate",
        ),
        "ringback-tone": (
            ["identification", "approval"],
            "提升认同率和认可率",
            "Raise the identification rate and the approval rate",
        ),
    }
    api = api_client_for(analyst)
    client = client_for(analyst)
    for code, (focus, chinese, english) in expected.items():
        data = api.get(reverse("dashboard-product", args=[code])).json()
        assert data["funnel"]["gap_focus"] == focus, code
        page = client.get(
            reverse("dashboard:product", args=[code]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
        assert f'<p class="focus-main" data-gap-focus>{chinese}</p>' in page
        client.cookies.load({"django_language": "en"})
        page = client.get(reverse("dashboard:product", args=[code])).content.decode()
        client.cookies.load({"django_language": "zh-hans"})
        assert f'<p class="focus-main" data-gap-focus>{english}</p>' in page
    # and the curves of the same data are classified as the demo was built
    video_call = api.get(reverse("dashboard-product", args=["video-call"])).json()
    assert video_call["consultation_cycle"]["curve"]["kind"] == "B"
    assert video_call["lifecycle"]["curve"]["kind"] == "B"
    assert [z["zone"] for z in video_call["consultation_cycle"]["zones"]][:2] == ["A", "B"]
    mms = api.get(reverse("dashboard-product", args=["mms"])).json()
    assert mms["lifecycle"]["curve"]["kind"] == "A"
    assert mms["consultation_cycle"]["curve"] is None  # no launch in the window, no event chosen
    layers = [s["code"] for s in mms["reports_by_layer_weekly"]["series"]]
    assert layers == ["functional", "convenience", "emotional"]


def test_metric_batch_api_reports_bad_records_and_applies_the_rest(api_client_for, analyst, reference_data):
    api = api_client_for(analyst)
    records = [
        {"date": "2026-10-01", "product": "fetion", "users": 1000, "active_users": 400},
        {"date": "2026-10-01", "product": "fetion", "channel": "nope", "complaints": 3},
        {"date": "2026-10-02", "product": "fetion", "satisfaction_scale": 5, "satisfaction_1": 1},
    ]
    response = api.post(reverse("metrics-batch"), {"records": records}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (1, 0, 0)
    assert [r["index"] for r in body["rejected"]] == [1, 2]
    assert "未知渠道“nope”。" in body["rejected"][0]["errors"]  # the API speaks the default language
    assert MetricDaily.objects.count() == 1
    again = api.post(reverse("metrics-batch"), {"records": records[:1]}, format="json").json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    series = api.get(
        reverse("metrics-series"), {"product": "fetion", "start": "2026-09-30", "end": "2026-10-01"}
    ).json()
    assert series["users"] == [None, 1000]
    assert series["active_users"] == [None, 400]


def test_metric_api_permissions(api_client_for, frontline, product_owner, reference_data):
    record = {"records": [{"date": "2026-10-01", "product": "fetion", "users": 1}]}
    assert api_client_for(frontline).post(reverse("metrics-batch"), record, format="json").status_code == 403
    assert (
        api_client_for(product_owner).post(reverse("metrics-batch"), record, format="json").status_code == 403
    )
    assert MetricDaily.objects.count() == 0
    query = {"product": "fetion", "start": "2026-10-01", "end": "2026-10-01"}
    assert api_client_for(product_owner).get(reverse("metrics-series"), query).status_code == 200
    assert api_client_for(frontline).get(reverse("metrics-series"), query).status_code == 403
    assert api_client_for(frontline).get(reverse("dashboard-overview")).status_code == 403
    assert api_client_for(None).get(reverse("dashboard-overview")).status_code == 401
