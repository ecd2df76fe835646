"""Threaded comments: anyone signed in posts and replies; authors edit (every edit kept);
moderators (analysts, managers) hide with a reason; @mentions notify the people named."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cxops.errors import ApplicationError
from cxops.people import display_name
from cxops.personal_numbers import mask_personal_numbers
from cxops.services.notifications import follow_create
from cxops.services.notifications import follow_delete
from cxops.services.notifications import follower_ids
from cxops.services.notifications import notify

from ..markdown import markdown_plain_text
from ..markdown import mentioned_usernames
from ..models import Comment
from ..models import CommentEdit
from ..models import Strategy
from ..policies import can_moderate
from ..policies import is_member
from ..policies import require
from .strategies import strategy_reindex

MAX_COMMENT_LENGTH = 10_000
# Notifications store the message and its values: each reader reads it in their language.
MENTIONED = gettext_noop("%(user)s mentioned you on “%(title)s”")


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError({"body": _("Write something first.")})
    if len(body) > MAX_COMMENT_LENGTH:
        raise ValidationError(
            {"body": _("Keep a comment under %(limit)s characters.") % {"limit": MAX_COMMENT_LENGTH}}
        )
    return mask_personal_numbers(body)


def mentioned_user_ids(body: str, *, exclude: Iterable[str] = ()) -> list[int]:
    names = mentioned_usernames(body) - set(exclude)
    if not names:
        return []
    User = get_user_model()
    return list(User.objects.filter(username__in=names, is_active=True).values_list("pk", flat=True))


def _comment_url(comment: Comment) -> str:
    return f"{comment.strategy.get_absolute_url()}#comment-{comment.pk}"


@transaction.atomic
def comment_create(*, strategy: Strategy, actor: Any, body: str, parent: Comment | None = None) -> Comment:
    require(is_member(actor))
    body = _clean_body(body)
    # The row lock serialises comments on one strategy, so the search document sees them all.
    locked = Strategy.objects.select_for_update().get(pk=strategy.pk)
    if not locked.can_comment():
        raise ApplicationError(
            _("This strategy was merged into another one; continue the discussion there."), code="closed"
        )
    if parent is not None and (parent.strategy_id != locked.pk or parent.is_hidden):
        raise ValidationError({"parent": _("You can only reply to a visible comment on the same strategy.")})
    now = timezone.now()
    comment = Comment.objects.create(strategy=locked, parent=parent, author=actor, body=body, created_at=now)
    Strategy.objects.filter(pk=locked.pk).update(comment_count=F("comment_count") + 1, last_activity_at=now)
    strategy_reindex(strategy=locked)

    mentioned = mentioned_user_ids(body)
    author_name = display_name(actor)
    if mentioned:
        notify(
            recipient_ids=mentioned,
            kind="mention",
            message=MENTIONED,
            params={"user": author_name, "title": locked.title},
            url=_comment_url(comment),
            body=markdown_plain_text(body),  # a preview: the words, not the Markdown marks
            actor=actor,
            target=locked,
        )
    extra = [parent.author_id] if parent is not None else []
    recipients_already = set(mentioned)

    others = [uid for uid in [*follower_ids(target=locked), *extra] if uid not in recipients_already]
    notify(
        recipient_ids=others,
        kind="comment",
        message=(
            gettext_noop("%(user)s replied on “%(title)s”")
            if parent is not None
            else gettext_noop("%(user)s commented on “%(title)s”")
        ),
        params={"user": author_name, "title": locked.title},
        url=_comment_url(comment),
        body=markdown_plain_text(body),
        actor=actor,
        target=locked,
    )
    follow_create(user=actor, target=locked)
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, actor: Any, body: str) -> Comment:
    """The author changes their comment; the previous text is kept as a CommentEdit."""
    body = _clean_body(body)
    locked = Comment.objects.select_for_update().select_related("strategy").get(pk=comment.pk)
    require(locked.author_id == actor.pk, _("Only the author can edit a comment."))
    if locked.is_hidden:
        raise ApplicationError(_("A hidden comment cannot be edited."), code="closed")
    if locked.body == body:
        return locked
    now = timezone.now()
    CommentEdit.objects.create(comment=locked, previous_body=locked.body, edited_by=actor, edited_at=now)
    before = mentioned_usernames(locked.body)
    locked.body, locked.edited_at = body, now
    locked.save(update_fields=["body", "edited_at"])
    strategy = Strategy.objects.select_for_update().get(pk=locked.strategy_id)
    strategy_reindex(strategy=strategy)
    newly_mentioned = mentioned_user_ids(body, exclude=before)
    if newly_mentioned:
        notify(
            recipient_ids=newly_mentioned,
            kind="mention",
            message=MENTIONED,
            params={"user": display_name(actor), "title": strategy.title},
            url=_comment_url(locked),
            body=markdown_plain_text(body),  # a preview: the words, not the Markdown marks
            actor=actor,
            target=strategy,
        )
    return locked


@transaction.atomic
def comment_hide(*, comment: Comment, actor: Any, reason: str) -> Comment:
    require(can_moderate(actor), _("Only analysts and managers moderate the discussion."))
    reason = mask_personal_numbers((reason or "").strip())
    if not reason:
        raise ValidationError({"reason": _("Say why the comment is hidden.")})
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if locked.is_hidden:
        raise ApplicationError(_("The comment is already hidden."), code="unchanged")
    locked.is_hidden, locked.hidden_reason, locked.hidden_by, locked.hidden_at = (
        True,
        reason[:300],
        actor,
        timezone.now(),
    )
    locked.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at"])
    strategy = Strategy.objects.select_for_update().get(pk=locked.strategy_id)
    strategy_reindex(strategy=strategy)
    notify(
        recipient_ids=[locked.author_id],
        kind="comment",
        message=gettext_noop("A moderator hid your comment on “%(title)s”"),
        params={"title": strategy.title},
        url=_comment_url(locked),
        body=reason,
        actor=actor,
        target=strategy,
    )
    return locked


@transaction.atomic
def comment_unhide(*, comment: Comment, actor: Any) -> Comment:
    require(can_moderate(actor), _("Only analysts and managers moderate the discussion."))
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if not locked.is_hidden:
        raise ApplicationError(_("The comment is not hidden."), code="unchanged")
    locked.is_hidden, locked.hidden_reason, locked.hidden_by, locked.hidden_at = False, "", None, None
    locked.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at"])
    strategy_reindex(strategy=Strategy.objects.select_for_update().get(pk=locked.strategy_id))
    return locked


def strategy_follow(*, strategy: Strategy, actor: Any) -> None:
    require(is_member(actor))
    follow_create(user=actor, target=strategy)


def strategy_unfollow(*, strategy: Strategy, actor: Any) -> None:
    follow_delete(user=actor, target=strategy)


__all__ = [
    "comment_create",
    "comment_edit",
    "comment_hide",
    "comment_unhide",
    "strategy_follow",
    "strategy_unfollow",
]
