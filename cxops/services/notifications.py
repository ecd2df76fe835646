"""Follow and notify: the one notification path for every app.

Notifications are created after the surrounding transaction commits (a rolled-back edit notifies
nobody) and e-mailed by a Celery task when e-mail is configured.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from cxops.models import Follow, Notification

User = get_user_model()


def follow_create(*, user: Any, target: models.Model) -> Follow:
    """Idempotent: following twice keeps one follow."""
    target_type = ContentType.objects.get_for_model(target)
    try:
        with transaction.atomic():
            follow, _created = Follow.objects.get_or_create(
                user=user, target_type=target_type, target_id=target.pk
            )
    except IntegrityError:  # a concurrent follow won the race
        follow = Follow.objects.get(user=user, target_type=target_type, target_id=target.pk)
    return follow


def follow_delete(*, user: Any, target: models.Model) -> None:
    Follow.objects.filter(
        user=user, target_type=ContentType.objects.get_for_model(target), target_id=target.pk
    ).delete()


def is_following(*, user: Any, target: models.Model) -> bool:
    return Follow.objects.filter(
        user=user, target_type=ContentType.objects.get_for_model(target), target_id=target.pk
    ).exists()


def follower_ids(*, target: models.Model) -> list[int]:
    return list(
        Follow.objects.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=target.pk
        ).values_list("user_id", flat=True)
    )


def notify(
    *,
    recipient_ids: Iterable[int],
    kind: str,
    title: str,
    url: str = "",
    body: str = "",
    actor: Any = None,
    target: models.Model | None = None,
    message: str = "",
    params: dict[str, Any] | None = None,
) -> None:
    """Queue notifications for after commit.  The actor is never notified of their own action.

    `message` + `params` (see `Notification.message`) let each reader read it in their language;
    `title` is kept as written."""
    actor_id = getattr(actor, "pk", None)
    recipients = sorted({int(r) for r in recipient_ids if r is not None and r != actor_id})
    if not recipients:
        return
    target_type_id = ContentType.objects.get_for_model(target).pk if target is not None else None
    target_id = target.pk if target is not None else None

    def create() -> None:
        now = timezone.now()
        created = Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=recipient_id,
                    actor_id=actor_id,
                    kind=kind,
                    title=title[:300],
                    message=message,
                    params=params or {},
                    body=body,
                    url=url,
                    target_type_id=target_type_id,
                    target_id=target_id,
                    created_at=now,
                )
                for recipient_id in recipients
            ]
        )
        if settings.CXOPS_EMAIL_NOTIFICATIONS:
            from cxops.services.outbox import enqueue_task

            ids = [n.pk for n in created if n.pk is not None]
            if not ids:  # backends that do not return ids from bulk_create
                ids = list(
                    Notification.objects.filter(
                        created_at=now, recipient_id__in=recipients, kind=kind
                    ).values_list("pk", flat=True)
                )
            enqueue_task("cxops.tasks.send_notification_emails", ids)

    transaction.on_commit(create)


def notify_followers(
    *,
    target: models.Model,
    kind: str,
    title: str,
    url: str = "",
    body: str = "",
    actor: Any = None,
    extra_recipient_ids: Iterable[int] = (),
    message: str = "",
    params: dict[str, Any] | None = None,
) -> None:
    notify(
        recipient_ids=[*follower_ids(target=target), *extra_recipient_ids],
        kind=kind,
        title=title,
        url=url,
        body=body,
        actor=actor,
        target=target,
        message=message,
        params=params,
    )


def label_param(label: Any) -> dict[str, str]:
    """A choice label (a lazy translation) as a notification parameter translated when read."""
    from django.utils.translation import override

    with override(None):  # no catalogue: the msgid itself
        return {"msgid": str(label)}


def notification_mark_read(*, user: Any, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when no ids are given)."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    return queryset.update(read_at=timezone.now())


def notification_send_emails(*, notification_ids: Iterable[int]) -> int:
    """Send each not-yet-emailed notification once; safe to run twice.  Each mail has a text and an
    HTML part and an absolute link (settings.SITE_URL) to the object, so it opens from a mail client."""
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string

    from cxops.links import absolute_url

    sent = 0
    for notification in Notification.objects.filter(
        pk__in=list(notification_ids), emailed_at__isnull=True
    ).select_related("recipient"):
        if not notification.recipient.email:
            continue
        # Claim the row first so a concurrent retry does not send it again.
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        context = {
            "notification": notification,
            "link": absolute_url(notification.url),
            "site_url": settings.SITE_URL,
        }
        message = EmailMultiAlternatives(
            subject=f"[cxops] {notification.title}",
            body=render_to_string("cxops/email/notification.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient.email],
        )
        message.attach_alternative(render_to_string("cxops/email/notification.html", context), "text/html")
        message.send()
        sent += 1
    return sent
