"""Outbound webhooks: subscriptions, events, deliveries (see `cxops.models.webhooks`).

    webhook_emit(event=WebhookEvent.HOT_SPOT_RAISED, data={...}, summary=Summary(...),
                 product_ids=[...], region_ids=[...])     # inside the service's transaction

Routing (issue 17): a subscription names products, cities and severities, each empty for "all".
An event names the products, regions and severity it concerns; a subscription limited to some
cities gets the events of those cities and the province-wide ones (no region named, or the
province itself), so the Foshan group hears of Foshan and of the whole province, never of Guangzhou.

The services that do the work emit (the rule transition, the strategy's official answer, the hot
spot, a filed report); this ground floor only matches subscriptions and sends.  A matching
subscription gets a `WebhookDelivery` row in the caller's transaction, and the delivery task goes
through the outbox, so nothing is sent for a change that rolled back and nothing is lost when the
broker is down.  `webhook_delivery_send` claims the row before it sends (a second worker, or the
retry sweep, finds it claimed or delivered and does nothing), so a delivery answered 2xx is never
sent again; network errors, 5xx and 429 are retried with exponential backoff (30 s, 1 min, 2 min …
at most an hour, `CXOPS_WEBHOOK_MAX_ATTEMPTS` in all).  The claim counts the attempt, so an attempt
that raises (recorded like a network error) or whose worker dies uses one up like any other.
Robots' rate limits are kept with a per-minute counter in the cache: a delivery over the limit
waits for the next minute.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cxops import webhooks as outbound
from cxops.errors import ApplicationError
from cxops.links import absolute_url
from cxops.models import Product
from cxops.models import Region
from cxops.models.choices import DeliveryStatus
from cxops.models.choices import Severity
from cxops.models.choices import WebhookEvent
from cxops.models.choices import WebhookFormat
from cxops.models.webhooks import WebhookDelivery
from cxops.models.webhooks import WebhookSubscription
from cxops.personal_numbers import mask_personal_numbers
from cxops.roles import Role
from cxops.roles import require_role
from cxops.services.outbox import enqueue_task

logger = logging.getLogger(__name__)

# Named, not imported: cxops.tasks imports this module.
DELIVER_WEBHOOK = "cxops.tasks.deliver_webhook"

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
SWEEP_BATCH = 200
# A sweep claims no new delivery after this long and leaves the rest to the next one: beat starts
# one every 30 s, and the send in flight may still take up to CXOPS_WEBHOOK_TIMEOUT_SECONDS.
SWEEP_SECONDS = 20


# --- subscriptions ---------------------------------------------------------------------------------


def _validate(
    *,
    name: str,
    target_url: str,
    format: str,
    events: list[str],
    secret: str,
    severities: list[int],
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())[:100]
    if not name:
        errors["name"] = _("Give the subscription a name.")
    if format not in WebhookFormat.values:
        errors["format"] = _("Choose a format.")
    unknown = [event for event in events if event not in WebhookEvent.values]
    if unknown or not events:
        errors["events"] = (
            _("Choose at least one event.")
            if not unknown
            else _("Unknown event: %(event)s") % {"event": ", ".join(unknown)[:100]}
        )
    if any(value not in Severity.values for value in severities):
        errors["severities"] = _("Unknown severity.")
    secret = (secret or "").strip()
    if format == WebhookFormat.GENERIC and len(secret) < 16:
        errors["secret"] = _("A signing secret of at least 16 characters is needed for signed JSON.")
    if len(secret) > 200:
        errors["secret"] = _("At most 200 characters.")
    target_url = (target_url or "").strip()
    if len(target_url) > 1000:
        errors["target_url"] = _("At most 1,000 characters.")
    elif "target_url" not in errors:
        try:
            outbound.resolve_target(target_url, allowed_hosts=settings.CXOPS_WEBHOOK_ALLOWED_HOSTS)
        except outbound.UnsafeTarget as error:
            errors["target_url"] = str(error)
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "target_url": target_url,
        "format": format,
        "events": sorted(set(events)),
        "secret": secret,
        "severities": sorted(set(severities)),
    }


def webhook_subscription_save(
    *,
    actor: Any,
    subscription: WebhookSubscription | None = None,
    name: str,
    target_url: str,
    format: str = WebhookFormat.GENERIC,
    events: list[str],
    secret: str | None = None,
    active: bool = True,
    products: Iterable[Product] = (),
    severities: list[int] | None = None,
    regions: Iterable[Region] = (),
) -> WebhookSubscription:
    """Create or change a subscription (administrators).  The target is resolved now and refused
    when it is private, loopback or link-local and not allow-listed; it is checked again at every
    send.  A blank `secret` keeps the subscription's current one (a new subscription: none)."""
    require_role(actor, Role.ADMIN)
    if not secret:
        secret = subscription.secret if subscription is not None else ""
    regions = list(regions)
    if any(region.parent_id is None for region in regions):
        raise ValidationError(
            {"regions": _("Choose cities; leave them all unticked for every region, the province included.")}
        )
    clean = _validate(
        name=name,
        target_url=target_url,
        format=format,
        events=list(events),
        secret=secret,
        severities=list(severities or []),
    )
    with transaction.atomic():
        if subscription is None:
            subscription = WebhookSubscription(created_by=actor)
        else:
            subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        for key, value in clean.items():
            setattr(subscription, key, value)
        subscription.active = bool(active)
        subscription.save()
        subscription.products.set(list(products))
        subscription.regions.set(regions)
    return subscription


def webhook_subscription_delete(*, actor: Any, subscription: WebhookSubscription) -> None:
    require_role(actor, Role.ADMIN)
    WebhookSubscription.objects.filter(pk=subscription.pk).delete()


# --- events ------------------------------------------------------------------------------------------


def _matches(
    subscription: WebhookSubscription,
    *,
    event: str,
    product_ids: set[int],
    severity: int | None,
    city_ids: set[int],
) -> bool:
    """`city_ids`: the cities the event concerns; empty for a province-wide event."""
    if event not in subscription.events:
        return False
    if subscription.severities and severity is not None and severity not in subscription.severities:
        return False
    cities = {region.pk for region in subscription.regions.all()}
    if cities and city_ids and not cities & city_ids:
        return False
    wanted = {product.pk for product in subscription.products.all()}
    return not wanted or bool(wanted & product_ids)


def webhook_emit(
    *,
    event: str,
    data: dict[str, Any],
    summary: outbound.Summary,
    product_ids: Iterable[int] = (),
    severity: int | None = None,
    region_ids: Iterable[int] = (),
    event_id: uuid.UUID | None = None,
) -> list[WebhookDelivery]:
    """Queue `event` for every active subscription that wants it (call inside the transaction of
    the change).  `summary` (Chinese, a relative link) is what robots show; `data` what systems read.
    `region_ids`: the regions the event concerns (none, or the province among them: province-wide)."""
    region_ids = set(region_ids)
    province_wide = not region_ids or Region.objects.filter(pk__in=region_ids, parent__isnull=True).exists()
    city_ids = set() if province_wide else region_ids
    subscriptions = [
        subscription
        for subscription in WebhookSubscription.objects.filter(active=True).prefetch_related(
            "products", "regions"
        )
        if _matches(
            subscription, event=event, product_ids=set(product_ids), severity=severity, city_ids=city_ids
        )
    ]
    if not subscriptions:
        return []
    event_id = event_id or uuid.uuid4()
    payload = {
        "data": data,
        "summary": {**dataclasses.asdict(summary), "url": absolute_url(summary.url)},
    }
    deliveries = [
        WebhookDelivery.objects.create(
            subscription=subscription, event_id=event_id, event=event, payload=payload
        )
        for subscription in subscriptions
    ]
    for delivery in deliveries:
        enqueue_task(DELIVER_WEBHOOK, delivery.pk)
    return deliveries


# --- delivering ----------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))


def _stale_claim(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.CXOPS_WEBHOOK_TIMEOUT_SECONDS * 3 + 30)


def _rate_slot(subscription: WebhookSubscription, now: datetime) -> bool:
    """Take one of this robot's messages for the current minute; False when it has none left."""
    limit = outbound.RATE_LIMIT_PER_MINUTE.get(subscription.format)
    if not limit:
        return True
    key = f"cxops:webhook-rate:{subscription.pk}:{now:%Y%m%d%H%M}"
    try:
        cache.add(key, 0, timeout=120)
        used = cache.incr(key)
    except ValueError:  # the cache kept nothing (Redis unreachable): the robot's own limit decides
        return True
    return used <= limit


def _schedule_retry(delivery_id: int, delay: timedelta) -> None:
    """Ask the broker for the retry at its time; the sweep (`webhook_deliveries_retry_due`) sends it if
    the broker loses it, and is the only retry path when tasks run inline (no broker)."""
    if current_app.conf.task_always_eager:
        return
    try:
        current_app.send_task(
            DELIVER_WEBHOOK, args=[delivery_id], countdown=delay.total_seconds(), retry=False
        )
    except Exception as error:  # broker down: the sweep sends it
        logger.warning("webhook delivery %s: retry left to the sweep: %s", delivery_id, error)


def _error_text(error: BaseException, *, secret: str) -> str:
    """An unexpected error as the delivery log shows it: its type and message, like a network
    error, with the signing secret and personal numbers masked."""
    text = f"{type(error).__name__}: {error}"
    if secret:
        text = text.replace(secret, "***")
    return mask_personal_numbers(text)[:500]


def webhook_delivery_send(*, delivery_id: int, now: datetime | None = None) -> str:
    """Attempt one delivery; returns its status afterwards.  Safe to call any number of times: only
    a pending or retrying delivery (or one whose sender died) is sent, by one caller at a time.

    `now` is what the retry and the robot's rate limit are reckoned from (the sweep passes its
    start).  The claim is stamped with the clock when it is made, never earlier than `now`, so a
    delivery claimed late in a long sweep does not look abandoned to the other senders.  The claim
    counts the attempt: an attempt that raises is recorded as a failed one (retried, or failed
    after the last), and one whose worker died is given up once it was the last."""
    claimed_at = timezone.now()
    now = now or claimed_at
    claimed_at = max(claimed_at, now)
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .filter(
            Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])
            | Q(status=DeliveryStatus.SENDING, sending_since__lt=_stale_claim(claimed_at))
        )
        .update(status=DeliveryStatus.SENDING, sending_since=claimed_at, attempts=F("attempts") + 1)
    )
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or not claimed:
        return delivery.status if delivery else "missing"
    subscription = delivery.subscription
    attempts = delivery.attempts  # this one included
    not_an_attempt = {"attempts": attempts - 1}
    update: dict[str, Any] = {"sending_since": None}

    def finish(**fields: Any) -> str:
        # Only while the claim is still this sender's: one taken over as stale is the newer sender's.
        mine = WebhookDelivery.objects.filter(
            pk=delivery_id, status=DeliveryStatus.SENDING, sending_since=claimed_at
        )
        if not mine.update(**update, **fields):
            logger.warning(
                "webhook delivery %s: taken over by another sender; its outcome stands", delivery_id
            )
            current = WebhookDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
            return current or "missing"
        if fields.get("status") == DeliveryStatus.RETRYING:
            _schedule_retry(delivery_id, fields["next_attempt_at"] - now)
        return fields["status"]

    if not subscription.active:
        return finish(
            status=DeliveryStatus.FAILED, last_error=_("The subscription is switched off."), **not_an_attempt
        )
    if attempts > settings.CXOPS_WEBHOOK_MAX_ATTEMPTS:
        # The last attempt's sender died (its claim went stale): give up without sending again.
        return finish(
            status=DeliveryStatus.FAILED,
            last_error=_("The sender stopped during the last attempt."),
            **not_an_attempt,
        )
    retry_later = {
        "status": DeliveryStatus.RETRYING,
        "next_attempt_at": now + retry_delay(attempts),
    }
    give_up = attempts >= settings.CXOPS_WEBHOOK_MAX_ATTEMPTS
    try:
        if not _rate_slot(subscription, now):
            next_minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
            return finish(
                status=DeliveryStatus.RETRYING,
                next_attempt_at=next_minute,
                last_error=_("Held back by the robot's rate limit."),
                **not_an_attempt,
            )
        summary = outbound.Summary(
            title=delivery.payload["summary"]["title"],
            facts=[tuple(fact) for fact in delivery.payload["summary"]["facts"]],
            url=delivery.payload["summary"]["url"],
            link_text=delivery.payload["summary"].get("link_text", ""),
        )
        request = outbound.build_request(
            format=subscription.format,
            url=subscription.target_url,
            secret=subscription.secret,
            event=delivery.event,
            event_id=str(delivery.event_id),
            delivery_id=str(delivery.uuid),
            created_at=delivery.created_at.isoformat(),
            data=delivery.payload["data"],
            summary=summary,
        )
        try:
            address = outbound.resolve_target(request.url, allowed_hosts=settings.CXOPS_WEBHOOK_ALLOWED_HOSTS)
        except outbound.UnsafeTarget as error:
            # Resolved again at every send: a name that now points inside the network is refused.
            return finish(status=DeliveryStatus.FAILED, last_error=str(error)[:500], response_code=None)
        outcome = outbound.send(request, address=address, timeout=settings.CXOPS_WEBHOOK_TIMEOUT_SECONDS)
        update.update(response_code=outcome.status_code, duration_ms=outcome.duration_ms)
        if outcome.status_code is None or outcome.status_code >= 500 or outcome.status_code == 429:
            failure = outcome.error or f"HTTP {outcome.status_code}"
            if give_up:
                return finish(status=DeliveryStatus.FAILED, last_error=failure[:500])
            return finish(**retry_later, last_error=failure[:500])
        if not 200 <= outcome.status_code < 300:
            return finish(status=DeliveryStatus.FAILED, last_error=f"HTTP {outcome.status_code}")
        robot_error = outbound.robot_error(subscription.format, outcome.body)
        if robot_error is not None:
            code, message = robot_error
            failure = f"{code} {message}".strip()[:500]
            if code in outbound.RATE_LIMITED_CODES.get(subscription.format, set()) and not give_up:
                return finish(**retry_later, last_error=failure)
            return finish(status=DeliveryStatus.FAILED, last_error=failure)
        return finish(
            status=DeliveryStatus.SUCCEEDED, delivered_at=timezone.now(), last_error="", next_attempt_at=None
        )
    except Exception as error:  # noqa: BLE001 — anything unforeseen is a failed attempt, not a stuck one
        logger.exception("webhook delivery %s: attempt %s failed unexpectedly", delivery_id, attempts)
        failure = _error_text(error, secret=subscription.secret)
        if give_up:
            return finish(status=DeliveryStatus.FAILED, last_error=failure)
        return finish(**retry_later, last_error=failure)


def webhook_deliveries_retry_due(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Send deliveries whose retry is due (and those whose sender died); beat runs it every 30 s.
    With a broker the countdown task normally sends them first; the sweep waits a minute more.
    `now` decides what is due; each delivery is claimed when its turn comes.  After SWEEP_SECONDS
    the sweep claims nothing more (the next sweep goes on from there), and a delivery that cannot be
    sent at all is logged and passed over.  Returns how many deliveries it tried."""
    started = timezone.now()
    now = now or started
    grace = timedelta(0) if current_app.conf.task_always_eager else timedelta(seconds=60)
    due = (
        WebhookDelivery.objects.filter(
            Q(status=DeliveryStatus.RETRYING, next_attempt_at__lte=now - grace)
            | Q(status=DeliveryStatus.SENDING, sending_since__lt=_stale_claim(now))
            | Q(
                status=DeliveryStatus.PENDING,
                created_at__lte=now - timedelta(seconds=settings.CXOPS_WORK_STALE_SECONDS),
            )
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    tried = 0
    for delivery_id in list(due):
        if timezone.now() - started >= timedelta(seconds=SWEEP_SECONDS):
            logger.info(
                "webhook sweep: out of time after %s deliveries; the next sweep sends the rest", tried
            )
            break
        tried += 1
        try:
            webhook_delivery_send(delivery_id=delivery_id, now=now)
        except Exception:
            logger.exception("webhook delivery %s: the sweep could not send it; going on", delivery_id)
    return tried


def webhook_redeliver(*, actor: Any, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event again as a new delivery (same event id, so receivers can tell)."""
    require_role(actor, Role.ADMIN)
    if delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.RETRYING):
        raise ApplicationError(_("This delivery is still being sent."), code="conflict")
    if not delivery.subscription.active:
        raise ApplicationError(_("Switch the subscription on before redelivering."), code="invalid")
    with transaction.atomic():
        again = WebhookDelivery.objects.create(
            subscription=delivery.subscription,
            event_id=delivery.event_id,
            event=delivery.event,
            payload=delivery.payload,
            redelivery_of=delivery.redelivery_of or delivery,
        )
        enqueue_task(DELIVER_WEBHOOK, again.pk)
    return again


__all__ = [
    "absolute_url",
    "webhook_deliveries_retry_due",
    "webhook_delivery_send",
    "webhook_emit",
    "webhook_redeliver",
    "webhook_subscription_delete",
    "webhook_subscription_save",
]
