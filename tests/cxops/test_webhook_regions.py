"""Webhook and IM routing by region (issue 17): a city's group gets that city's events and the
province-wide ones, never another city's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from cxops.models import Channel
from cxops.models import Product
from cxops.models import Region
from cxops.models import WebhookDelivery
from cxops.models import WebhookEvent
from cxops.models import WebhookSubscription
from cxops.services.reports import report_create
from rules_lifecycle.transitions import rule_transition
from tests.cxops.test_webhooks import SECRET
from tests.cxops.test_webhooks import Receiver
from tests.cxops.test_webhooks import subscribe
from tests.cxops.test_webhooks import verified
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    settings.CXOPS_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.CXOPS_WEBHOOK_TIMEOUT_SECONDS = 5
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def admin(make_user):
    return make_user("admin")


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def test_a_citys_group_gets_its_citys_and_the_province_wide_reports_only(
    receiver, admin, frontline, reference_data, django_capture_on_commit_callbacks
):
    # given the Foshan group's robot, routed to Foshan
    subscribe(admin, receiver.url, [WebhookEvent.REPORT_CREATED], regions=[region("foshan")])

    def file(code: str) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            report_create(
                actor=frontline,
                source_type="complaint",
                product=Product.objects.order_by("pk").first(),
                channel=Channel.objects.first(),
                layer="functional",
                stage="use",
                summary=f"{code}：话费扣错",
                occurred_at=timezone.now() - dt.timedelta(hours=1),
                region=region(code),
            )

    # when reports are filed in Guangzhou, Foshan and for the province as a whole
    for code in ("guangzhou", "foshan", "guangdong"):
        file(code)
    # then the group heard of Foshan's and the province's, not Guangzhou's
    regions = [verified(request)["data"]["report"]["region"] for request in receiver.requests]
    assert regions == ["foshan", "guangdong"]
    assert WebhookDelivery.objects.count() == 2
    # and the robot's message names the city
    facts = WebhookDelivery.objects.order_by("pk").first().payload["summary"]["facts"]
    assert ["地区", "佛山市"] in facts


def test_a_rule_piloted_in_other_cities_is_not_sent_to_the_foshan_group(
    receiver, admin, reference_data, django_capture_on_commit_callbacks
):
    subscribe(admin, receiver.url, [WebhookEvent.RULE_TRANSITIONED], regions=[region("foshan")])
    manager = user_with_role("manager")
    elsewhere, foshan_pilot, province_wide = make_rule(), make_rule(), make_rule()
    elsewhere.regions.set([region("guangzhou"), region("shenzhen")])
    foshan_pilot.regions.set([region("foshan"), region("guangzhou")])
    for rule in (elsewhere, foshan_pilot, province_wide):
        with django_capture_on_commit_callbacks(execute=True):
            rule_transition(rule=rule, to_status="approved", actor=manager)
    sent = [verified(request)["data"]["rule"] for request in receiver.requests]
    assert [(rule["id"], rule["scope"]["regions"]) for rule in sent] == [
        (foshan_pilot.pk, ["guangzhou", "foshan"]),
        (province_wide.pk, []),
    ]


def test_a_subscription_without_cities_gets_every_region(
    receiver, admin, frontline, reference_data, django_capture_on_commit_callbacks
):
    subscribe(admin, receiver.url, [WebhookEvent.RULE_TRANSITIONED])
    rule = make_rule()
    rule.regions.set([region("guangzhou")])
    with django_capture_on_commit_callbacks(execute=True):
        rule_transition(rule=rule, to_status="approved", actor=user_with_role("manager"))
    assert len(receiver.requests) == 1


def test_a_subscription_names_cities_not_the_province(admin, receiver, reference_data):
    with pytest.raises(ValidationError) as refused:
        subscribe(admin, receiver.url, [WebhookEvent.REPORT_CREATED], regions=[region("guangdong")])
    assert "regions" in refused.value.message_dict
    assert not WebhookSubscription.objects.exists()


def test_the_api_takes_and_answers_city_codes(admin, receiver, reference_data):
    client = APIClient()
    client.force_authenticate(admin)
    body = {
        "name": "佛山群",
        "target_url": receiver.url,
        "events": ["hot_spot.raised"],
        "secret": SECRET,
        "regions": ["foshan", "foshan"],
    }
    created = client.post("/api/webhooks/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["regions"] == ["foshan"]
    assert list(WebhookSubscription.objects.get().regions.values_list("code", flat=True)) == ["foshan"]
    for wrong in (["atlantis"], ["guangdong"]):
        refused = client.post("/api/webhooks/", {**body, "regions": wrong}, format="json")
        assert refused.status_code == 400
        assert "regions" in refused.json()["error"]["fields"]
    assert WebhookSubscription.objects.count() == 1


def test_the_page_saves_and_shows_the_cities(admin, receiver, reference_data, client):
    client.force_login(admin)
    answer = client.post(
        "/integrations/webhooks/",
        {
            "name": "佛山群",
            "target_url": receiver.url,
            "format": "generic",
            "events": ["hot_spot.raised"],
            "secret": SECRET,
            "regions": [region("foshan").pk],
            "active": "on",
        },
    )
    assert answer.status_code == 302
    subscription = WebhookSubscription.objects.get()
    assert list(subscription.regions.values_list("code", flat=True)) == ["foshan"]
    listing = client.get("/integrations/webhooks/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "佛山市" in listing


def test_an_issue_past_due_goes_to_the_groups_of_its_reports_cities(
    receiver, admin, frontline, reference_data, django_capture_on_commit_callbacks
):
    from cxops.services.issue_clock import issue_owner_set
    from cxops.services.issue_clock import issues_escalate_breached
    from cxops.services.triage import reports_merge
    from tests.cxops.factories import file_report

    foshan_group = subscribe(
        admin, receiver.url, [WebhookEvent.ISSUE_SLA_BREACHED], regions=[region("foshan")]
    )
    shenzhen_group = subscribe(
        admin, receiver.url, [WebhookEvent.ISSUE_SLA_BREACHED], regions=[region("shenzhen")]
    )
    analyst = user_with_role("analyst")
    reports = [file_report(frontline, region=region(code)) for code in ("guangzhou", "foshan")]
    issue = reports_merge(actor=analyst, report_ids=[r.pk for r in reports], new_issue_title="跨市问题")
    issue = issue_owner_set(actor=analyst, issue=issue, owner=analyst, severity=4)
    with django_capture_on_commit_callbacks(execute=True):
        assert issues_escalate_breached(now=issue.due_at) == [issue.pk]
    delivery = WebhookDelivery.objects.get()
    assert delivery.subscription_id == foshan_group.pk != shenzhen_group.pk
    assert delivery.payload["data"]["issue"]["regions"] == ["guangzhou", "foshan"]
    assert ["地区", "广州市、佛山市"] in delivery.payload["summary"]["facts"]
