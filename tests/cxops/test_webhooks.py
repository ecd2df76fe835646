"""Outbound webhooks: a loopback receiver gets exactly one signed POST per event, 5xx is retried,
2xx is never sent twice, private targets are refused, robots get their platform's body."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs
from urllib.parse import unquote_plus
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cxops import webhooks as outbound
from cxops.errors import ApplicationError
from cxops.models import DeliveryStatus
from cxops.models import WebhookDelivery
from cxops.models import WebhookEvent
from cxops.models import WebhookSubscription
from cxops.services.hotspots import hot_spots_detect
from cxops.services.webhooks import webhook_deliveries_retry_due
from cxops.services.webhooks import webhook_delivery_send
from cxops.services.webhooks import webhook_redeliver
from cxops.services.webhooks import webhook_subscription_save
from rules_lifecycle.transitions import rule_transition
from tests.cxops.test_hotspot_alerts import TODAY
from tests.cxops.test_hotspot_alerts import issue_history
from tests.factories import IssueFactory
from tests.factories import ProductFactory
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-the-receiver-0123456789"


class Receiver:
    """An HTTP server on 127.0.0.1 in a thread; answers each POST with the next scripted status."""

    def __init__(self, statuses: list[int] | None = None, body: bytes = b'{"ok":true}'):
        self.requests: list[dict] = []
        self.statuses = list(statuses or [])
        self.body = body
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)}
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


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


def subscribe(admin, url, events, **kwargs):
    kwargs.setdefault("secret", SECRET)
    return webhook_subscription_save(actor=admin, name="BOSS", target_url=url, events=events, **kwargs)


def verified(request) -> dict:
    """The body, after checking its signature the way a receiver would."""
    expected = "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request["headers"]["X-Cxops-Signature"], expected)
    return json.loads(request["body"])


def test_each_rule_transition_is_one_signed_post(receiver, admin, django_capture_on_commit_callbacks):
    # given a subscription to rule moves and a rule on its way to live
    subscribe(admin, receiver.url, [WebhookEvent.RULE_TRANSITIONED])
    rule = make_rule()
    manager = user_with_role("manager")
    # when it is approved, implemented and goes live (each move commits, then the outbox sends)
    for to_status, actor in (("approved", manager), ("implementing", rule.owner), ("live", rule.owner)):
        with django_capture_on_commit_callbacks(execute=True):
            rule_transition(rule=rule, to_status=to_status, actor=actor)
    # then the receiver got exactly three signed POSTs, one per move, with what the system needs
    assert len(receiver.requests) == 3
    bodies = [verified(request) for request in receiver.requests]
    assert [(b["data"]["transition"]["from"], b["data"]["transition"]["to"]) for b in bodies] == [
        ("proposed", "approved"),
        ("approved", "implementing"),
        ("implementing", "live"),
    ]
    assert len({b["id"] for b in bodies}) == 3
    live = bodies[-1]
    assert live["event"] == "rule.transitioned"
    assert receiver.requests[-1]["headers"]["X-Cxops-Event"] == "rule.transitioned"
    assert live["data"]["rule"]["trigger"]["event"] == "客户致电10086咨询飞信"
    assert live["data"]["rule"]["implementing_system"] == "cmp"
    assert live["data"]["rule"]["timing"] == "non_instant"
    assert live["data"]["rule"]["scope"]["products"] == [rule.products.get().code]
    assert live["data"]["rule"]["go_live_on"] == timezone.localdate().isoformat()
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED, attempts=1).count() == 3
    # and sending a delivered one again does nothing (a redelivered task, the sweep)
    delivery = WebhookDelivery.objects.first()
    assert webhook_delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SUCCEEDED
    assert webhook_deliveries_retry_due(now=timezone.now() + dt.timedelta(days=1)) == 0
    assert len(receiver.requests) == 3


def test_a_rolled_back_move_sends_nothing(receiver, admin, django_capture_on_commit_callbacks):
    subscribe(admin, receiver.url, [WebhookEvent.RULE_TRANSITIONED])
    rule = make_rule()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError):
        rule_transition(rule=rule, to_status="live", actor=rule.owner)  # illegal from proposed
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_a_raised_hot_spot_is_one_post_even_when_detection_runs_again(
    receiver, admin, django_capture_on_commit_callbacks
):
    subscribe(admin, receiver.url, [WebhookEvent.HOT_SPOT_RAISED])
    issue = IssueFactory()
    issue_history(issue, today_count=200)
    with django_capture_on_commit_callbacks(execute=True):
        hot_spots_detect(today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        hot_spots_detect(today=TODAY)
    assert len(receiver.requests) == 1
    body = verified(receiver.requests[0])
    assert body["event"] == "hot_spot.raised"
    assert body["data"]["issue"]["id"] == issue.pk
    assert body["data"]["alert"]["observed"] == 200


def test_a_500_is_retried_with_backoff_until_a_2xx_and_never_after(
    receiver, admin, django_capture_on_commit_callbacks
):
    # given a receiver that fails twice
    receiver.statuses = [500, 503]
    subscribe(admin, receiver.url, [WebhookEvent.RULE_TRANSITIONED])
    rule = make_rule()
    with django_capture_on_commit_callbacks(execute=True):
        rule_transition(rule=rule, to_status="approved", actor=user_with_role("manager"))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.RETRYING, 1, 500)
    first_wait = delivery.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=25) < first_wait <= dt.timedelta(seconds=30)
    # when the sweep runs before the retry is due, nothing is sent
    assert webhook_deliveries_retry_due(now=timezone.now()) == 0
    assert len(receiver.requests) == 1
    # when it runs after: the second attempt fails again and waits twice as long
    later = timezone.now() + dt.timedelta(minutes=1)
    webhook_deliveries_retry_due(now=later)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.RETRYING, 2, 503)
    assert delivery.next_attempt_at - later == dt.timedelta(seconds=60)
    # and the third succeeds
    webhook_deliveries_retry_due(now=later + dt.timedelta(minutes=2))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.SUCCEEDED, 3, 200)
    assert delivery.duration_ms is not None
    # the same event each time (the receiver de-duplicates by id), and never again after the 2xx
    assert len({verified(request)["id"] for request in receiver.requests}) == 1
    webhook_deliveries_retry_due(now=later + dt.timedelta(hours=5))
    assert len(receiver.requests) == 3


def test_a_4xx_is_not_retried_and_redeliver_sends_the_same_event_again(
    receiver, admin, django_capture_on_commit_callbacks
):
    receiver.statuses = [410]
    subscribe(admin, receiver.url, [WebhookEvent.RULE_TRANSITIONED])
    with django_capture_on_commit_callbacks(execute=True):
        rule_transition(rule=make_rule(), to_status="approved", actor=user_with_role("manager"))
    failed = WebhookDelivery.objects.get()
    assert (failed.status, failed.response_code, failed.last_error) == (
        DeliveryStatus.FAILED,
        410,
        "HTTP 410",
    )
    webhook_deliveries_retry_due(now=timezone.now() + dt.timedelta(days=1))
    assert len(receiver.requests) == 1
    with pytest.raises(ApplicationError):
        webhook_redeliver(actor=user_with_role("manager"), delivery=failed)
    with django_capture_on_commit_callbacks(execute=True):
        again = webhook_redeliver(actor=admin, delivery=failed)
    again.refresh_from_db()
    assert again.status == DeliveryStatus.SUCCEEDED
    assert (
        verified(receiver.requests[1])["id"] == verified(receiver.requests[0])["id"] == str(failed.event_id)
    )


def test_network_errors_are_retried_and_give_up_after_the_last_attempt(
    receiver, admin, settings, django_capture_on_commit_callbacks
):
    settings.CXOPS_WEBHOOK_MAX_ATTEMPTS = 2
    url = receiver.url
    receiver.close()  # nobody listens any more: connection refused
    subscribe(admin, url, [WebhookEvent.RULE_TRANSITIONED])
    with django_capture_on_commit_callbacks(execute=True):
        rule_transition(rule=make_rule(), to_status="approved", actor=user_with_role("manager"))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code) == (DeliveryStatus.RETRYING, None)
    assert "ConnectionError" in delivery.last_error
    webhook_deliveries_retry_due(now=timezone.now() + dt.timedelta(hours=1))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    receiver.server = type("Closed", (), {"shutdown": lambda self: None, "server_close": lambda self: None})()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "http://bad host/",
    ],
)
def test_private_loopback_and_odd_targets_are_refused_at_save(admin, settings, url):
    settings.CXOPS_WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(ValidationError) as refused:
        subscribe(admin, url, [WebhookEvent.RULE_TRANSITIONED])
    assert "target_url" in refused.value.message_dict
    assert not WebhookSubscription.objects.exists()


def test_allow_list_opens_a_private_host(admin, settings):
    settings.CXOPS_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    assert subscribe(admin, "http://127.0.0.1:9/hook", [WebhookEvent.RULE_TRANSITIONED]).pk


def test_a_name_that_resolves_inside_at_send_time_is_refused(
    receiver, admin, monkeypatch, django_capture_on_commit_callbacks
):
    # given a subscription saved while its name resolved to a public address
    monkeypatch.setattr(
        outbound.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("93.184.216.34", 80))]
    )
    subscribe(admin, "http://hooks.example.com/x", [WebhookEvent.RULE_TRANSITIONED])
    # when the name now points at the loopback (DNS rebinding)
    monkeypatch.setattr(outbound.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("127.0.0.1", 80))])
    with django_capture_on_commit_callbacks(execute=True):
        rule_transition(rule=make_rule(), to_status="approved", actor=user_with_role("manager"))
    # then nothing is sent and the delivery says why
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "CXOPS_WEBHOOK_ALLOWED_HOSTS" in delivery.last_error
    assert receiver.requests == []


def test_only_administrators_manage_subscriptions(make_user, receiver):
    for role in ("frontline", "analyst", "product_owner", "manager"):
        with pytest.raises(ApplicationError):
            subscribe(make_user(role), receiver.url, [WebhookEvent.RULE_TRANSITIONED])
    assert not WebhookSubscription.objects.exists()


def test_routing_by_product_and_severity(
    receiver, admin, frontline, reference_data, django_capture_on_commit_callbacks
):
    from cxops.models import Channel
    from cxops.models import Product
    from cxops.services.reports import report_create

    product, other = Product.objects.order_by("pk")[:2]
    subscribe(admin, receiver.url, [WebhookEvent.REPORT_CREATED], products=[product], severities=[4])

    def file(product, severity):
        with django_capture_on_commit_callbacks(execute=True):
            report_create(
                actor=frontline,
                source_type="complaint",
                product=product,
                channel=Channel.objects.first(),
                layer="functional",
                stage="use",
                summary="话费扣错 13812345678",
                occurred_at=timezone.now() - dt.timedelta(hours=1),
                severity=severity,
            )

    file(product, 2)  # severity not routed
    file(other, 4)  # product not routed
    file(product, 4)
    assert len(receiver.requests) == 1
    data = verified(receiver.requests[0])["data"]["report"]
    assert (data["product"], data["severity"]) == (product.code, 4)
    assert "13812345678" not in data["summary"]


# --- robots -----------------------------------------------------------------------------------

SUMMARY = outbound.Summary(
    title="规则“飞信[下载](http://evil)短信”：实施中 → 已上线",
    facts=[("触发事件", "客户致电10086咨询飞信"), ("实施系统", "CMP")],
    url="https://cxops.example.com/rules/7/",
    link_text="查看规则",
)


def build(format, secret="", url="https://robot.example.com/send?access_token=abc", now=1_700_000_000.123):
    return outbound.build_request(
        format=format,
        url=url,
        secret=secret,
        event="rule.transitioned",
        event_id="e1",
        delivery_id="d1",
        created_at="2026-12-06T06:00:00+08:00",
        data={},
        summary=SUMMARY,
        now=now,
    )


def test_wecom_body_is_a_markdown_message_in_chinese_with_the_link():
    body = json.loads(build("wecom").body)
    assert set(body) == {"msgtype", "markdown"}
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert content.startswith(
        "**规则“飞信［下载］(http://evil)短信”：实施中 → 已上线**"
    )  # user text makes no link
    assert "> 触发事件：客户致电10086咨询飞信" in content
    assert content.endswith("[查看规则](https://cxops.example.com/rules/7/)")
    assert len(content.encode()) <= 4096


def test_wecom_content_is_cut_to_4096_bytes():
    long = outbound.Summary(title="标题", facts=[(f"字段{n}", "很长的中文内容" * 40) for n in range(40)])
    content = json.loads(
        outbound.build_request(
            format="wecom",
            url="https://x",
            secret="",
            event="e",
            event_id="e",
            delivery_id="d",
            created_at="",
            data={},
            summary=long,
        ).body
    )["markdown"]["content"]
    assert len(content.encode()) <= 4096


def test_dingtalk_body_and_signature_follow_the_documentation():
    secret = "SEC0123456789abcdef"
    request = build("dingtalk", secret=secret)
    body = json.loads(request.body)
    assert body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"title", "text"}
    assert "https://cxops.example.com/rules/7/" in body["markdown"]["text"]
    query = parse_qs(urlsplit(request.url).query)
    assert query["access_token"] == ["abc"]
    timestamp = query["timestamp"][0]
    assert timestamp == "1700000000123"  # milliseconds
    # DingTalk's documented Python example: hmac(secret, "timestamp\nsecret"), base64, url-encoded
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    raw_sign = urlsplit(request.url).query.split("sign=")[1]
    assert unquote_plus(raw_sign) == expected
    assert query["sign"] == [expected]


def test_feishu_body_and_signature_follow_the_documentation():
    secret = "feishu-secret"
    body = json.loads(build("feishu", secret=secret).body)
    assert body["msg_type"] == "interactive"
    assert body["timestamp"] == "1700000000"  # seconds
    # Feishu's documented example: hmac keyed with "timestamp\nsecret" over an empty message, base64
    expected = base64.b64encode(
        hmac.new(f"1700000000\n{secret}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert body["sign"] == expected
    card = body["card"]
    assert card["header"]["title"] == {
        "tag": "plain_text",
        "content": "规则“飞信［下载］(http://evil)短信”：实施中 → 已上线",
    }
    assert card["elements"][0]["text"]["tag"] == "lark_md"
    assert "**触发事件**：客户致电10086咨询飞信" in card["elements"][0]["text"]["content"]
    button = card["elements"][1]["actions"][0]
    assert (button["tag"], button["url"]) == ("button", "https://cxops.example.com/rules/7/")


def test_unsigned_robots_carry_no_signature():
    assert "timestamp" not in urlsplit(build("dingtalk").url).query
    assert "sign" not in json.loads(build("feishu").body)


@pytest.mark.parametrize(
    ("format", "answer", "status"),
    [
        ("wecom", b'{"errcode":0,"errmsg":"ok"}', DeliveryStatus.SUCCEEDED),
        ("wecom", b'{"errcode":45009,"errmsg":"api freq out of limit"}', DeliveryStatus.RETRYING),
        ("wecom", b'{"errcode":93000,"errmsg":"invalid webhook url"}', DeliveryStatus.FAILED),
        ("dingtalk", b'{"errcode":310000,"errmsg":"sign not match"}', DeliveryStatus.FAILED),
        ("dingtalk", b'{"errcode":130101,"errmsg":"send too fast"}', DeliveryStatus.RETRYING),
        ("feishu", b'{"code":0,"msg":"success"}', DeliveryStatus.SUCCEEDED),
        ("feishu", b'{"code":19021,"msg":"sign match fail"}', DeliveryStatus.FAILED),
    ],
)
def test_robot_answers_with_an_error_code_are_failures(
    receiver, admin, django_capture_on_commit_callbacks, format, answer, status
):
    receiver.body = answer
    subscribe(admin, receiver.url, [WebhookEvent.RULE_TRANSITIONED], format=format, secret="robot-secret")
    with django_capture_on_commit_callbacks(execute=True):
        rule_transition(rule=make_rule(), to_status="approved", actor=user_with_role("manager"))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == status
    assert json.loads(receiver.requests[0]["body"])["msgtype" if format != "feishu" else "msg_type"]


def test_a_robot_gets_at_most_its_rate_limit_per_minute(receiver, admin, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    cache.clear()
    subscription = subscribe(admin, receiver.url, [WebhookEvent.REPORT_CREATED], format="wecom", secret="")
    product = ProductFactory()
    deliveries = [
        WebhookDelivery.objects.create(
            subscription=subscription,
            event_id=f"00000000-0000-0000-0000-{n:012d}",
            event=WebhookEvent.REPORT_CREATED,
            payload={"data": {}, "summary": {"title": f"报告 {n}", "facts": [], "url": "", "link_text": ""}},
        )
        for n in range(25)
    ]
    now = timezone.now().replace(second=5)
    statuses = [webhook_delivery_send(delivery_id=d.pk, now=now) for d in deliveries]
    assert statuses.count(DeliveryStatus.SUCCEEDED) == 20
    assert statuses.count(DeliveryStatus.RETRYING) == 5
    assert len(receiver.requests) == 20
    held = WebhookDelivery.objects.filter(status=DeliveryStatus.RETRYING)
    assert {d.next_attempt_at for d in held} == {
        now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    }
    assert {d.attempts for d in held} == {0}  # held back, not an attempt
    # the next minute they go out
    webhook_deliveries_retry_due(now=now + dt.timedelta(minutes=1))
    assert len(receiver.requests) == 25
    assert product.pk


def test_a_network_error_keeps_a_robots_key_out_of_the_delivery_log():
    from cxops.webhooks import OutboundRequest
    from cxops.webhooks import send

    secret = "ROBOTKEY0123456789abcdef"
    request = OutboundRequest(
        url=f"http://127.0.0.1:9/cgi-bin/webhook/send?key={secret}", body=b"{}", headers={}
    )
    outcome = send(request, address="127.0.0.1", timeout=2)  # nothing listens on port 9
    assert outcome.status_code is None and outcome.error
    assert secret not in outcome.error and "/cgi-bin/webhook/send" in outcome.error
