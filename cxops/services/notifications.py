"""Follow and notify: the one notification path for every app.

Notifications are created after the surrounding transaction commits (a rolled-back edit notifies
nobody) and e-mailed by a Celery task when e-mail is configured.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import NoReturn
from typing import NotRequired
from typing import TypedDict
from typing import Unpack

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError
from django.db import models
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.utils.translation import override

from cxops.links import absolute_url
from cxops.models import Follow
from cxops.models import Notification
from cxops.models import NotificationDigest
from cxops.models import NotificationKind
from cxops.models import NotificationPreference
from cxops.models import NotificationSettings
from cxops.models.notifications import render_message
from cxops.services.outbox import enqueue_task

User = get_user_model()
logger = logging.getLogger(__name__)

# Mail failures a later attempt may get past (the server down, refusing for now, timing out —
# settings.EMAIL_TIMEOUT): the mail tasks retry on these (cxops/tasks.py).
TRANSIENT_MAIL_ERRORS: tuple[type[Exception], ...] = (OSError, smtplib.SMTPException)


# The server timed out or would not take a connection: the same for every mail of the run.
MAIL_SERVER_UNREACHABLE: tuple[type[Exception], ...] = (TimeoutError, smtplib.SMTPConnectError)

# A mail or digest claimed this long ago and not sent is a worker that died mid-send (a send takes at
# most a few EMAIL_TIMEOUTs): another run may claim it.  The mail sweep mails what is wanted and not
# sent for this long after the event, no later (a week-old notice is not news).
MAIL_CLAIM_STALE = timedelta(minutes=10)
MAIL_SWEEP_WINDOW = timedelta(days=1)


def mail_error_is_transient(error: BaseException) -> bool:
    """Whether a later try may get the mail through: the server down, busy or timing out (a
    connection error, a 4xx reply) may pass; a refused address or a 5xx reply will not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return False
    if isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500:
        return False
    return isinstance(error, TRANSIENT_MAIL_ERRORS)


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


@dataclass(frozen=True)
class Channels:
    """Where one kind of notification reaches a user: the bell, an e-mail each, the daily digest."""

    in_app: bool
    email: bool
    digest: bool

    @property
    def any(self) -> bool:
        return self.in_app or self.email or self.digest


# Sensible defaults (no preference row): everything in the bell; an e-mail for what concerns the
# reader directly; page edits and "other" news (merges) are frequent, so they wait for the digest.
DEFAULT_CHANNELS: dict[str, Channels] = {
    kind: Channels(in_app=True, email=kind not in ("edit", "other"), digest=kind in ("edit", "other"))
    for kind in NotificationKind.values
}

UNSUBSCRIBE_SALT = "cxops.notifications.unsubscribe"
DIGEST = "digest"  # the unsubscribe token's "kind" for the digest e-mail itself


def notification_channels(*, user_ids: Iterable[int], kind: str) -> dict[int, Channels]:
    """Each user's channels for `kind` (their preference, else the default), in one query."""
    default = DEFAULT_CHANNELS[kind]
    channels = dict.fromkeys(user_ids, default)
    for preference in NotificationPreference.objects.filter(user_id__in=list(channels), kind=kind):
        channels[preference.user_id] = Channels(
            in_app=preference.in_app, email=preference.email, digest=preference.digest
        )
    return channels


def notification_preferences(*, user: Any) -> dict[str, Channels]:
    """The user's channels for every kind, in the kinds' order."""
    stored = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    return {
        kind: (
            Channels(in_app=stored[kind].in_app, email=stored[kind].email, digest=stored[kind].digest)
            if kind in stored
            else DEFAULT_CHANNELS[kind]
        )
        for kind in NotificationKind.values
    }


def email_language(*, user: Any) -> str:
    settings_row = NotificationSettings.objects.filter(user=user).only("language").first()
    return settings_row.language if settings_row else settings.LANGUAGE_CODE


@transaction.atomic
def notification_preferences_set(
    *, user: Any, preferences: dict[str, Channels], language: str | None = None
) -> dict[str, Channels]:
    """Store the user's channels for the kinds given (others keep theirs) and, if given, the
    language of their e-mails.  Only for oneself: callers pass the signed-in user."""
    unknown = set(preferences) - set(NotificationKind.values)
    if unknown:
        raise ValidationError(
            _("Unknown kind of notification: %(kinds)s") % {"kinds": ", ".join(sorted(unknown))}
        )
    if language is not None and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the site's languages.")})
    now = timezone.now()
    for kind, channels in preferences.items():
        NotificationPreference.objects.update_or_create(
            user=user,
            kind=kind,
            defaults={
                "in_app": channels.in_app,
                "email": channels.email,
                "digest": channels.digest,
                "updated_at": now,
            },
        )
    if language is not None:
        NotificationSettings.objects.update_or_create(user=user, defaults={"language": language})
    return notification_preferences(user=user)


def notification_unsubscribe(*, user: Any, kind: str) -> None:
    """One-click unsubscribe: no more e-mail of this kind (the bell is kept); `DIGEST`: no more
    daily digest, for every kind.  Idempotent."""
    current = notification_preferences(user=user)
    if kind == DIGEST:
        changed = {k: replace(c, digest=False) for k, c in current.items() if c.digest}
    elif kind in current:
        changed = {kind: replace(current[kind], email=False)} if current[kind].email else {}
    else:
        raise ValidationError(_("Unknown kind of notification: %(kinds)s") % {"kinds": kind})
    if changed:
        notification_preferences_set(user=user, preferences=changed)


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """A signed token naming the user and the kind: the link works without signing in."""
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_token_read(token: str) -> tuple[Any, str]:
    """The user and kind a token names; ValidationError if it was tampered with, has expired or
    names nobody."""
    max_age = settings.CXOPS_UNSUBSCRIBE_MAX_AGE_DAYS * 24 * 3600
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise ValidationError(
            _("This unsubscribe link has expired. Sign in and change your notification settings."),
            code="expired",
        ) from error
    except signing.BadSignature as error:
        raise ValidationError(_("This unsubscribe link is not valid."), code="invalid") from error
    kind = data.get("k") if isinstance(data, dict) else None
    user_id = data.get("u") if isinstance(data, dict) else None
    user = User.objects.filter(pk=user_id, is_active=True).first() if isinstance(user_id, int) else None
    if user is None or kind not in (*NotificationKind.values, DIGEST):
        raise ValidationError(_("This unsubscribe link is not valid."), code="invalid")
    return user, kind


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    return absolute_url(
        reverse("notification-unsubscribe", args=[unsubscribe_token(user_id=user_id, kind=kind)])
    )


class Notice(TypedDict):
    """What a notification says, to whomever it goes (`notify`, `notify_followers`): every key but
    `kind` may be left out (an empty text, no actor, no parameters)."""

    kind: str
    title: NotRequired[str]
    url: NotRequired[str]
    body: NotRequired[str]
    actor: NotRequired[Any]
    message: NotRequired[str]
    params: NotRequired[dict[str, Any] | None]
    body_message: NotRequired[str]
    event_key: NotRequired[str]


def notify(
    *, recipient_ids: Iterable[int], target: models.Model | None = None, **notice: Unpack[Notice]
) -> None:
    """The one place every notification goes through.  After commit, each recipient gets it on the
    channels they chose for `kind` (bell, e-mail, daily digest); nobody who chose none gets a row.
    The actor is never notified of their own action.

    `message` + `params` (see `Notification.message`) let each reader read it in their language;
    `title` is kept as written.  `event_key` names the event: a reader who already has a
    notification of it (told by another path) gets no second one.  Without a `title`, it is
    `message` rendered in the active language (the actor's)."""
    kind, actor, params = notice["kind"], notice.get("actor"), notice.get("params")
    url, body, message = notice.get("url", ""), notice.get("body", ""), notice.get("message", "")
    body_message, event_key = notice.get("body_message", ""), notice.get("event_key", "")
    title = notice.get("title", "") or render_message(message, params)
    actor_id = getattr(actor, "pk", None)
    recipients = sorted({int(r) for r in recipient_ids if r is not None and r != actor_id})
    if not recipients:
        return
    target_type_id = ContentType.objects.get_for_model(target).pk if target is not None else None
    target_id = target.pk if target is not None else None

    def create() -> None:
        now = timezone.now()
        channels = notification_channels(user_ids=recipients, kind=kind)
        wanted = [r for r in recipients if channels[r].any]
        if event_key:
            told = set(
                Notification.objects.filter(recipient_id__in=wanted, event_key=event_key).values_list(
                    "recipient_id", flat=True
                )
            )
            wanted = [r for r in wanted if r not in told]
        if not wanted:
            return
        rows = [
            Notification(
                recipient_id=recipient_id,
                actor_id=actor_id,
                kind=kind,
                title=title[:300],
                message=message,
                params=params or {},
                body=body,
                body_message=body_message,
                url=url,
                target_type_id=target_type_id,
                target_id=target_id,
                created_at=now,
                in_app=channels[recipient_id].in_app,
                in_digest=channels[recipient_id].digest,
                email_wanted=settings.CXOPS_EMAIL_NOTIFICATIONS and channels[recipient_id].email,
                event_key=event_key[:120],
            )
            for recipient_id in wanted
        ]
        # A concurrent path telling of the same event may win the unique constraint; its row stays.
        Notification.objects.bulk_create(rows, ignore_conflicts=bool(event_key))
        emailed = [r for r in wanted if channels[r].email]
        if settings.CXOPS_EMAIL_NOTIFICATIONS and emailed:
            ids = list(
                Notification.objects.filter(
                    created_at=now, recipient_id__in=emailed, kind=kind, event_key=event_key[:120]
                ).values_list("pk", flat=True)
            )
            if ids:
                enqueue_task("cxops.tasks.send_notification_emails", ids)

    transaction.on_commit(create)


def notify_followers(
    *, target: models.Model, extra_recipient_ids: Iterable[int] = (), **notice: Unpack[Notice]
) -> None:
    """`notify` the followers of `target` (and `extra_recipient_ids`) of it."""
    notify(recipient_ids=[*follower_ids(target=target), *extra_recipient_ids], target=target, **notice)


def label_param(label: Any) -> dict[str, str]:
    """A choice label (a lazy translation) as a notification parameter translated when read."""
    with override(None):  # no catalogue: the msgid itself
        return {"msgid": str(label)}


def notification_mark_read(*, user: Any, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's bell notifications read (all unread ones when no ids are given)."""
    queryset = Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    return queryset.update(read_at=timezone.now())


def _mail(
    *, to: str, subject: str, template: str, context: dict[str, Any], unsubscribe: str
) -> EmailMultiAlternatives:
    """A text + HTML mail with the RFC 8058 one-click unsubscribe headers (the link is also in the
    footer of both parts)."""
    context = {**context, "site_url": settings.SITE_URL, "unsubscribe_url": unsubscribe}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


def notification_send_emails(*, notification_ids: Iterable[int]) -> int:
    """Send each not-yet-emailed notification once; safe to run twice.  Each mail is in the
    recipient's language, has a text and an HTML part, an absolute link (settings.SITE_URL) to the
    object, and a one-click unsubscribe for its kind.  A recipient who turned e-mail off for the kind
    since it was queued, or has no address, gets none, and the notification stops waiting for one.

    Each notification is claimed (`email_claimed_at`) before its mail is sent, so a concurrent run
    does not send it too; `emailed_at` is set once the server took it.  A claim older than
    MAIL_CLAIM_STALE is a worker that died mid-send, and may be taken again.  A mail that cannot be
    built or sent is logged and its claim given back (an address the server refused: no longer
    wanted), and the others are still sent; then the error is raised (a transient one if any, so the
    task retries): the next run sends only what did not go out.  Returns the number of mails sent."""
    sent = 0
    errors: list[Exception] = []
    for notification in (
        Notification.objects.filter(pk__in=list(notification_ids), emailed_at__isnull=True)
        .select_related("recipient")
        .order_by("pk")
    ):
        recipient = notification.recipient
        if (
            not recipient.email
            or not recipient.is_active
            or not notification_channels(user_ids=[recipient.pk], kind=notification.kind)[recipient.pk].email
        ):
            Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
                email_wanted=False
            )
            continue
        # Claim the row first so a concurrent retry does not send it again.
        claimed_at = timezone.now()
        claimed = (
            Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True)
            .filter(_unclaimed(at=claimed_at))
            .update(email_claimed_at=claimed_at)
        )
        if not claimed:
            continue
        try:
            _notification_mail(notification=notification, recipient=recipient).send()
        except Exception as error:  # one mail's failure must not cost the others theirs
            transient = mail_error_is_transient(error)
            Notification.objects.filter(pk=notification.pk, email_claimed_at=claimed_at).update(
                email_claimed_at=None, email_wanted=transient
            )
            logger.exception(
                "notification %s: e-mail to user %s not sent; %s",
                notification.pk,
                recipient.pk,
                "left for a retry" if transient else "given up",
            )
            errors.append(error)
            if isinstance(error, MAIL_SERVER_UNREACHABLE):
                break  # each next mail would wait EMAIL_TIMEOUT too: the retry sends the rest
            continue
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
        sent += 1
    if errors:
        logger.error("notification e-mails: %d sent, %d not sent", sent, len(errors))
        _raise_mail_error(errors)
    return sent


def _unclaimed(*, at: datetime) -> Q:
    """No worker holds the mail at `at`: never claimed, or its claim is stale (the worker died)."""
    return Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=at - MAIL_CLAIM_STALE)


def notification_emails_recover(*, now: datetime | None = None, limit: int = 500) -> int:
    """The mail sweep (beat): send the notifications whose e-mail is wanted and not sent, although
    their own task ran out of retries, or died mid-send and left its claim (stale after
    MAIL_CLAIM_STALE).  Only those created in the last MAIL_SWEEP_WINDOW (older news is not mailed
    late) and at least MAIL_CLAIM_STALE ago (their task may still be on its way).  Digests claimed by
    a worker that died before sending them are given back and sent again.  Errors are logged, not
    raised: the next sweep tries again.  Returns the number of mails sent."""
    if not settings.CXOPS_EMAIL_NOTIFICATIONS:
        return 0
    now = now or timezone.now()
    stale = now - MAIL_CLAIM_STALE
    due = list(
        Notification.objects.filter(
            email_wanted=True,
            emailed_at__isnull=True,
            created_at__gte=now - MAIL_SWEEP_WINDOW,
            created_at__lt=stale,
        )
        .filter(_unclaimed(at=now))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    if due:
        logger.warning("mail sweep: %d notification e-mail(s) not sent by their task; sending", len(due))
        try:
            sent += notification_send_emails(notification_ids=due)
        except Exception:
            logger.exception("mail sweep: notification e-mails not all sent; the next sweep tries again")
    for digest in NotificationDigest.objects.filter(
        sent_at__isnull=True, claimed_at__lt=stale
    ).select_related("user")[:limit]:
        with transaction.atomic():
            released = NotificationDigest.objects.filter(pk=digest.pk, sent_at__isnull=True).delete()[0]
            if released:
                Notification.objects.filter(recipient=digest.user, digested_at=digest.claimed_at).update(
                    digested_at=None
                )
        if not released:
            continue
        logger.warning(
            "mail sweep: digest %s for user %s claimed but not sent; sending", digest.day, digest.user_id
        )
        try:
            if _digest_send(user=digest.user, day=digest.day):
                sent += 1
        except Exception:
            logger.exception("mail sweep: digest %s for user %s not sent", digest.day, digest.user_id)
    return sent


def _notification_mail(*, notification: Notification, recipient: Any) -> EmailMultiAlternatives:
    with translation.override(email_language(user=recipient)):
        title = notification.rendered_title
        return _mail(
            to=recipient.email,
            subject=f"[cxops] {title}",
            template="cxops/email/notification",
            context={
                "notification": notification,
                "title": title,
                "body": notification.rendered_body,
                "kind_label": notification.get_kind_display(),
                "link": absolute_url(notification.url),
                "preferences_url": absolute_url(reverse("notification-settings")),
            },
            unsubscribe=unsubscribe_url(user_id=recipient.pk, kind=notification.kind),
        )


def _raise_mail_error(errors: list[Exception]) -> NoReturn:
    """After a run that sent what it could: raise a transient error if there was one (a retry may
    get it through), else the first."""
    raise next((error for error in errors if mail_error_is_transient(error)), errors[0])


def notification_digests_send(*, today: date | None = None) -> int:
    """Send every user who has digest items waiting one e-mail for `today` (local date) with them,
    grouped by kind, in their language.  A user already sent today's digest gets no second one (a
    unique row per user and day), so running twice a day sends once; an item goes in one digest.
    A digest that cannot be sent is logged and left unclaimed, and the others are still sent; then
    the error is raised (a transient one if any, so the task retries): the next run, today or
    tomorrow, sends that user theirs.  Returns the number of e-mails sent."""
    if not settings.CXOPS_EMAIL_NOTIFICATIONS:
        return 0
    today = today or timezone.localdate()
    waiting = Notification.objects.filter(in_digest=True, digested_at__isnull=True)
    user_ids = list(waiting.values_list("recipient_id", flat=True).distinct().order_by("recipient_id"))
    sent = 0
    errors: list[Exception] = []
    for user in User.objects.filter(pk__in=user_ids, is_active=True).exclude(email="").order_by("pk"):
        try:
            if _digest_send(user=user, day=today):
                sent += 1
        except Exception as error:  # one reader's failure must not cost the others their digest
            logger.exception("daily digest %s for user %s not sent; left for a retry", today, user.pk)
            errors.append(error)
    if errors:
        logger.error("daily digests %s: %d sent, %d not sent", today, sent, len(errors))
        _raise_mail_error(errors)
    return sent


def _digest_send(*, user: Any, day: date) -> bool:
    """Claim the user's digest for `day` and mark its items, commit, then send: no row lock is held
    while the mail server is talked to, and a concurrent run finds the day's digest row and skips
    the user.  If the mail cannot be built or sent, the claim and the marks are undone (the next run
    sends it) and the error is raised."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                digest = NotificationDigest.objects.create(user=user, day=day)
        except IntegrityError:
            return False  # today's digest went out already (or is going out)
        items = list(
            Notification.objects.select_for_update()
            .filter(recipient=user, in_digest=True, digested_at__isnull=True)
            .order_by("kind", "created_at", "pk")
        )
        if not items:
            transaction.set_rollback(True)
            return False
        item_ids = [n.pk for n in items]
        marked_at = digest.claimed_at
        Notification.objects.filter(pk__in=item_ids).update(digested_at=marked_at)
        NotificationDigest.objects.filter(pk=digest.pk).update(item_count=len(items))
    try:
        _digest_mail(user=user, day=day, items=items).send()
    except Exception:
        with transaction.atomic():
            Notification.objects.filter(pk__in=item_ids, digested_at=marked_at).update(digested_at=None)
            NotificationDigest.objects.filter(pk=digest.pk).delete()
        raise
    NotificationDigest.objects.filter(pk=digest.pk).update(sent_at=timezone.now())
    return True


def _digest_mail(*, user: Any, day: date, items: list[Notification]) -> EmailMultiAlternatives:
    with translation.override(email_language(user=user)):
        labels = dict(NotificationKind.choices)
        groups = [
            {
                "label": labels[kind],
                "items": [
                    {
                        "title": n.rendered_title,
                        "body": n.rendered_body,
                        "link": absolute_url(n.url),
                        "created_at": n.created_at,
                    }
                    for n in items
                    if n.kind == kind
                ],
            }
            for kind in NotificationKind.values
            if any(n.kind == kind for n in items)
        ]
        subject = ngettext(
            "[cxops] Your daily digest for %(day)s: %(count)d notification",
            "[cxops] Your daily digest for %(day)s: %(count)d notifications",
            len(items),
        ) % {
            "day": day.isoformat(),
            "count": len(items),
        }
        return _mail(
            to=user.email,
            subject=subject,
            template="cxops/email/digest",
            context={
                "groups": groups,
                "day": day,
                "count": len(items),
                "inbox_url": absolute_url(reverse("notifications")),
                "preferences_url": absolute_url(reverse("notification-settings")),
            },
            unsubscribe=unsubscribe_url(user_id=user.pk, kind=DIGEST),
        )
