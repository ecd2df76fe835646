import pytest
from django.core import mail

from cxops.models import Follow
from cxops.models import Notification
from cxops.models import NotificationKind
from cxops.services.notifications import follow_create
from cxops.services.notifications import notification_mark_read
from cxops.services.notifications import notify_followers


@pytest.mark.django_db
def test_followers_are_notified_after_commit_only(
    make_user, reference_data, django_capture_on_commit_callbacks
):
    # given two followers of a product-level object and an actor who also follows
    actor, first, second = make_user("analyst"), make_user("frontline"), make_user("frontline")
    target = reference_data["products"]["fetion"]
    for user in (actor, first, second):
        follow_create(user=user, target=target)
    follow_create(user=first, target=target)  # idempotent
    assert Follow.objects.count() == 3
    # when something happens, inside a transaction that has not committed
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_followers(target=target, kind=NotificationKind.EDIT, title="edited", actor=actor)
    # then nothing exists before commit, and after it each follower but the actor has one
    assert Notification.objects.count() == 0
    for callback in callbacks:
        callback()
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(
        [first.pk, second.pk]
    )


@pytest.mark.django_db
def test_mark_read_only_touches_own_notifications(
    make_user, client_for, reference_data, django_capture_on_commit_callbacks
):
    me, other = make_user("frontline"), make_user("frontline")
    with django_capture_on_commit_callbacks(execute=True):
        notify_followers(
            target=reference_data["products"]["mms"],
            kind="alert",
            title="spike",
            extra_recipient_ids=[me.pk, other.pk],
        )
    mine = Notification.objects.get(recipient=me)
    theirs = Notification.objects.get(recipient=other)
    # when I try to mark someone else's notification read
    assert notification_mark_read(user=me, notification_ids=[theirs.pk]) == 0
    # then theirs stays unread; mine can be read through the page
    response = client_for(me).post("/notifications/read/", {"id": mine.pk})
    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None


@pytest.mark.django_db
def test_emails_sent_once_when_configured(
    settings, make_user, reference_data, django_capture_on_commit_callbacks
):
    settings.CXOPS_EMAIL_NOTIFICATIONS = True
    user = make_user("frontline")
    with django_capture_on_commit_callbacks(execute=True):
        notify_followers(
            target=reference_data["products"]["mms"],
            kind="alert",
            title="热点异动",
            extra_recipient_ids=[user.pk],
        )
    assert len(mail.outbox) == 1 and "热点异动" in mail.outbox[0].subject
    from cxops.services.notifications import notification_send_emails

    # a retried task sends nothing again
    assert notification_send_emails(notification_ids=Notification.objects.values_list("pk", flat=True)) == 0


@pytest.mark.django_db
def test_notification_api_lists_only_mine(
    api_client_for, make_user, reference_data, django_capture_on_commit_callbacks
):
    me, other = make_user("frontline"), make_user("frontline")
    with django_capture_on_commit_callbacks(execute=True):
        notify_followers(
            target=reference_data["products"]["mms"],
            kind="alert",
            title="a",
            extra_recipient_ids=[me.pk, other.pk],
        )
    response = api_client_for(me).get("/api/notifications/")
    assert [n["title"] for n in response.json()["results"]] == ["a"]
    assert len(response.json()["results"]) == 1
