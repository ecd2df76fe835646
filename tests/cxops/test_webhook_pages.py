"""The integrations page and `/api/webhooks/`: administrators only, both languages, secret never shown."""

from __future__ import annotations

import pytest
from django.utils import translation

from cxops.models import DeliveryStatus
from cxops.models import WebhookDelivery
from cxops.models import WebhookSubscription
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

SECRET = "a-long-enough-secret-0123456789"


@pytest.fixture
def allow_loopback(settings):
    settings.CXOPS_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


def _form(**overrides):
    return {
        "name": "BOSS 规则网关",
        "target_url": "http://127.0.0.1:9/hook",
        "format": "generic",
        "events": ["rule.transitioned", "hot_spot.raised"],
        "secret": SECRET,
        "active": "on",
        **overrides,
    }


@pytest.mark.parametrize(
    ("language", "heading"), [("zh-hans", "Webhook 与群机器人"), ("en", "Webhooks and robots")]
)
def test_an_administrator_adds_a_subscription_in_either_language(
    make_user, client_for, allow_loopback, language, heading
):
    admin = make_user("admin")
    client = client_for(admin)
    client.cookies["django_language"] = language
    page = client.get("/integrations/webhooks/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert heading in page.content.decode()
    product = ProductFactory()
    answer = client.post(
        "/integrations/webhooks/",
        {**_form(), "products": [product.pk], "severities": ["4"]},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    subscription = WebhookSubscription.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/integrations/webhooks/{subscription.pk}/"
    assert (subscription.events, subscription.severities, subscription.secret) == (
        ["hot_spot.raised", "rule.transitioned"],
        [4],
        SECRET,
    )
    assert list(subscription.products.all()) == [product]
    detail = client.get(answer["Location"], HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert SECRET not in detail  # the edit form never shows the secret


def test_a_private_target_is_refused_on_the_page_and_nothing_is_saved(make_user, client_for, settings):
    settings.CXOPS_WEBHOOK_ALLOWED_HOSTS = []
    client = client_for(make_user("admin"))
    answer = client.post("/integrations/webhooks/", _form(target_url="http://10.0.0.8/hook"))
    assert answer.status_code == 200
    assert "CXOPS_WEBHOOK_ALLOWED_HOSTS" in answer.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_editing_with_an_empty_secret_keeps_it(make_user, client_for, allow_loopback):
    client = client_for(make_user("admin"))
    client.post("/integrations/webhooks/", _form())
    subscription = WebhookSubscription.objects.get()
    client.post(f"/integrations/webhooks/{subscription.pk}/", _form(secret="", name="改名"))
    subscription.refresh_from_db()
    assert (subscription.name, subscription.secret) == ("改名", SECRET)


@pytest.mark.parametrize("role", ["frontline", "analyst", "product_owner", "manager"])
def test_other_roles_are_refused(make_user, client_for, allow_loopback, role):
    client = client_for(make_user(role))
    assert client.get("/integrations/webhooks/").status_code == 403
    assert client.post("/integrations/webhooks/", _form()).status_code == 403
    assert not WebhookSubscription.objects.exists()


def test_the_delivery_log_shows_status_code_duration_attempts_and_redelivers(
    make_user, client_for, allow_loopback, django_capture_on_commit_callbacks
):
    admin = make_user("admin")
    client = client_for(admin)
    client.post("/integrations/webhooks/", _form())
    subscription = WebhookSubscription.objects.get()
    failed = WebhookDelivery.objects.create(
        subscription=subscription,
        event_id="11111111-1111-1111-1111-111111111111",
        event="rule.transitioned",
        payload={"data": {}, "summary": {"title": "t", "facts": [], "url": "", "link_text": ""}},
        status=DeliveryStatus.FAILED,
        attempts=8,
        response_code=502,
        duration_ms=1234,
        last_error="HTTP 502",
    )
    with translation.override("en"):
        page = client.get(f"/integrations/webhooks/{subscription.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert all(piece in text for piece in ("502", "1234", "HTTP 502", "11111111-1111-1111-1111-111111111111"))
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/integrations/deliveries/{failed.pk}/redeliver/")
    assert answer.status_code == 302
    again = WebhookDelivery.objects.exclude(pk=failed.pk).get()
    assert (str(again.event_id), again.redelivery_of_id) == (
        "11111111-1111-1111-1111-111111111111",
        failed.pk,
    )
    assert again.attempts == 1  # sent (port 9 refuses: waiting to retry)
    assert again.status == DeliveryStatus.RETRYING


def test_the_api_creates_lists_and_never_answers_the_secret(make_user, api_client_for, allow_loopback):
    admin = make_user("admin")
    client = api_client_for(admin)
    product = ProductFactory()
    created = client.post(
        "/api/webhooks/",
        {
            "name": "钉钉群",
            "target_url": "http://127.0.0.1:9/robot/send?access_token=x",
            "format": "dingtalk",
            "events": ["hot_spot.raised"],
            "secret": "SEC123",
            "products": [product.code],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert "secret" not in created.json() and created.json()["has_secret"] is True
    assert created.json()["products"] == [product.code]
    listed = client.get("/api/webhooks/").json()
    assert [row["name"] for row in listed["results"]] == ["钉钉群"]
    refused = client.post(
        "/api/webhooks/",
        {
            "name": "x",
            "target_url": "http://169.254.169.254/",
            "events": ["hot_spot.raised"],
            "secret": SECRET,
        },
        format="json",
    )
    assert refused.status_code == 400
    assert "target_url" in refused.json()["error"]["fields"]
    unknown = client.post(
        "/api/webhooks/", {"name": "x", "target_url": "http://127.0.0.1/", "events": ["nope"]}, format="json"
    )
    assert unknown.status_code == 400
    assert WebhookSubscription.objects.count() == 1
    deliveries = client.get(f"/api/webhooks/{created.json()['id']}/deliveries/")
    assert deliveries.status_code == 200


def test_the_api_refuses_other_roles(make_user, api_client_for):
    for role in ("frontline", "analyst", "product_owner", "manager"):
        client = api_client_for(make_user(role))
        assert client.get("/api/webhooks/").status_code == 403
        assert client.post("/api/webhooks/", {}, format="json").status_code == 403
