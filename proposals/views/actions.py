"""Discussion, votes, status moves, follows and search: each parses, calls one service, redirects."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.forms import Form
from django.forms import ModelChoiceField
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxops.errors import ApplicationError
from cxops.form_errors import form_add_service_error

from ..forms import CommentForm
from ..forms import HideCommentForm
from ..forms import TransitionForm
from ..forms import VoteForm
from ..markdown import render_markdown
from ..models import Comment
from ..models import Strategy
from ..models import StrategyStatus
from ..policies import can_edit_comment
from ..policies import can_moderate
from ..selectors import pool_search
from ..services.discussion import comment_create
from ..services.discussion import comment_edit
from ..services.discussion import comment_hide
from ..services.discussion import comment_unhide
from ..services.discussion import strategy_follow
from ..services.discussion import strategy_unfollow
from ..services.transitions import ANSWER_STATUSES
from ..services.transitions import MOVES
from ..services.transitions import may_move
from ..services.transitions import strategy_transition
from ..services.votes import vote_cast
from ..services.votes import vote_retract
from ._helpers import flash_error


def _comment_anchor(comment: Comment) -> str:
    return f"{comment.strategy.get_absolute_url()}#comment-{comment.pk}"


@require_POST
def comment_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = get_object_or_404(Strategy, pk=pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write something first."))
        return redirect(f"{strategy.get_absolute_url()}#discussion")
    parent = None
    if form.cleaned_data.get("parent"):
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"], strategy=strategy).first()
        if parent is None:
            raise Http404
    try:
        comment = comment_create(
            strategy=strategy, actor=request.user, body=form.cleaned_data["body"], parent=parent
        )
    except (ApplicationError, ValidationError) as error:
        flash_error(request, error)
        return redirect(f"{strategy.get_absolute_url()}#discussion")
    return redirect(_comment_anchor(comment))


def _comment_change(
    request: HttpRequest, form: Form, comment: Comment, change: Callable[[], object], done: str
) -> HttpResponse | None:
    """Make a change to a comment from a valid form: back to the comment with `done`, or with the
    refusal; None (the form shown again) when the service found the input wrong."""
    try:
        change()
    except ValidationError as error:
        form_add_service_error(form, error)
        return None
    except ApplicationError as error:
        flash_error(request, error)
    else:
        messages.success(request, done)
    return redirect(_comment_anchor(comment))


def comment_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("strategy", "author"), pk=pk)
    if not can_edit_comment(request.user, comment):
        raise PermissionDenied
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        answer = _comment_change(
            request,
            form,
            comment,
            lambda: comment_edit(comment=comment, actor=request.user, body=form.cleaned_data["body"]),
            _("Comment updated; the earlier text is kept in its history."),
        )
        if answer is not None:
            return answer
    return render(
        request, "proposals/comment_form.html", {"title": _("Edit comment"), "form": form, "comment": comment}
    )


def comment_hide_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("strategy", "author"), pk=pk)
    if not can_moderate(request.user):
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("action") == "unhide":
        try:
            comment_unhide(comment=comment, actor=request.user)
        except ApplicationError as error:
            flash_error(request, error)
        return redirect(_comment_anchor(comment))
    form = HideCommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        answer = _comment_change(
            request,
            form,
            comment,
            lambda: comment_hide(comment=comment, actor=request.user, reason=form.cleaned_data["reason"]),
            _("Comment hidden."),
        )
        if answer is not None:
            return answer
    return render(
        request,
        "proposals/comment_hide.html",
        {
            "title": _("Hide comment"),
            "form": form,
            "comment": comment,
            "body_html": render_markdown(comment.body),
        },
    )


def comment_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("strategy", "author"), pk=pk)
    if comment.is_hidden and not can_moderate(request.user) and comment.author_id != request.user.pk:
        raise Http404
    versions = [
        (edit.edited_at, render_markdown(edit.previous_body))
        for edit in comment.edits.order_by("-edited_at", "-id")
    ]
    return render(
        request,
        "proposals/comment_history.html",
        {
            "title": _("Comment history"),
            "comment": comment,
            "current_html": render_markdown(comment.body),
            "versions": versions,
        },
    )


@require_POST
def vote_view(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = get_object_or_404(Strategy, pk=pk)
    try:
        if request.POST.get("action") == "retract":
            vote_retract(strategy=strategy, actor=request.user)
            messages.success(request, _("Your vote was withdrawn."))
        else:
            form = VoteForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Choose support or oppose."))
                return redirect(f"{strategy.get_absolute_url()}#votes")
            vote_cast(
                strategy=strategy,
                actor=request.user,
                choice=form.cleaned_data["choice"],
                reason=form.cleaned_data.get("reason", ""),
            )
            messages.success(request, _("Your vote was recorded. You can change it while voting is open."))
    except (ApplicationError, ValidationError) as error:
        flash_error(request, error)
    return redirect(f"{strategy.get_absolute_url()}#votes")


def transition_view(request: HttpRequest, pk: int, to_status: str) -> HttpResponse:
    """A confirmation page for one status move (with the reason / official answer / duplicate)."""
    strategy = get_object_or_404(Strategy.objects.select_related("product"), pk=pk)
    move = MOVES.get((strategy.status, to_status))
    if move is None:
        raise Http404
    if not may_move(request.user, strategy, to_status):
        raise PermissionDenied
    form = TransitionForm(request.POST or None, initial={"to_status": to_status})
    merged_into = cast(ModelChoiceField, form.fields["merged_into"])
    merged_into.queryset = (
        Strategy.objects.exclude(status=StrategyStatus.MERGED)
        .exclude(pk=strategy.pk)
        .order_by("-last_activity_at")
    )
    if request.method == "POST" and form.is_valid():
        try:
            strategy_transition(
                strategy=strategy,
                to_status=to_status,
                actor=request.user,
                reason=form.cleaned_data.get("reason", ""),
                merged_into=form.cleaned_data.get("merged_into"),
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        except ApplicationError as error:
            flash_error(request, error)
            return redirect(strategy)
        else:
            messages.success(
                request, _("Status changed to %(status)s.") % {"status": StrategyStatus(to_status).label}
            )
            return redirect(strategy)
    return render(
        request,
        "proposals/transition.html",
        {
            "strategy": strategy,
            "form": form,
            "move": move,
            "to_status": to_status,
            "is_answer": to_status in ANSWER_STATUSES,
            "is_merge": to_status == StrategyStatus.MERGED,
        },
    )


@require_POST
def follow_view(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = get_object_or_404(Strategy, pk=pk)
    if request.POST.get("action") == "unfollow":
        strategy_unfollow(strategy=strategy, actor=request.user)
        messages.success(request, _("You no longer follow this strategy."))
    else:
        strategy_follow(strategy=strategy, actor=request.user)
        messages.success(
            request, _("You follow this strategy: edits, comments and status changes reach you.")
        )
    return redirect(strategy)


@require_POST
def markdown_preview_view(request: HttpRequest) -> HttpResponse:
    """The sanitised HTML of a Markdown text, for the editor's preview (same renderer as the page)."""
    text = request.POST.get("text", "")[:100_000]
    return JsonResponse({"html": str(render_markdown(text))})


def search_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    results = pool_search(user=request.user, query=query) if query.strip() else None
    return render(request, "proposals/search.html", {"query": query, "results": results})
