"""Strategy pages: list, create, read, edit (with the conflict page), history, diff, restore."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxops.errors import ApplicationError
from cxops.form_errors import form_add_service_error
from cxops.selectors.visibility import issues_visible_to
from cxops.services.notifications import is_following

from ..filters import StrategyFilterSet
from ..forms import RestoreForm
from ..forms import StrategyEditForm
from ..forms import StrategyForm
from ..forms import initial_for
from ..forms import initial_from_issues
from ..markdown import mentioned_usernames
from ..markdown import render_markdown
from ..models import Revision
from ..models import Strategy
from ..models import StrategyStatus
from ..models import Tag
from ..models import Vote
from ..panels import render_strategy_panels
from ..policies import can_answer
from ..policies import can_create_strategy
from ..policies import can_moderate
from ..policies import can_vote
from ..selectors import SORTS
from ..selectors import comment_thread
from ..selectors import flatten_thread
from ..selectors import revision_diff
from ..selectors import status_counts
from ..services.strategies import strategy_create
from ..services.strategies import strategy_restore
from ..services.strategies import strategy_update
from ..services.transitions import available_moves
from ._helpers import flash_error


def _strategy(pk: int) -> Strategy:
    return get_object_or_404(Strategy.objects.select_related("product", "created_by", "merged_into"), pk=pk)


def strategy_list_view(request: HttpRequest) -> HttpResponse:
    params = request.GET
    filterset = StrategyFilterSet(params or None, request=request, page=True)
    counts = status_counts()
    page = Paginator(filterset.rows, 20).get_page(params.get("page"))
    query_without_page = params.copy()
    query_without_page.pop("page", None)
    sort = params.get("sort") if params.get("sort") in SORTS else "activity"
    return render(
        request,
        "proposals/list.html",
        {
            "title": _("Strategy pool"),
            "page": page,
            "form": filterset.form,
            "params": params,
            "sort": sort,
            "statuses": [(code, label, counts.get(code, 0)) for code, label in StrategyStatus.choices],
            "popular_tags": Tag.objects.all()[:30],
            "query_without_page": query_without_page.urlencode(),
            "can_create": can_create_strategy(request.user),
        },
    )


def strategy_create_view(request: HttpRequest) -> HttpResponse:
    if not can_create_strategy(request.user):
        raise PermissionDenied
    form = StrategyForm(
        request.POST or None,
        initial=initial_from_issues(request.GET.getlist("issue"), user=request.user),
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            strategy = strategy_create(
                actor=request.user, content=form.content(), summary=form.cleaned_data.get("summary", "")
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("Strategy created. Open it for discussion when it is ready."))
            return redirect(strategy)
    return render(request, "proposals/form.html", {"form": form, "creating": True})


def strategy_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = _strategy(pk)
    user = request.user
    thread = flatten_thread(comment_thread(strategy))
    written = set().union(*(mentioned_usernames(node.comment.body) for node in thread)) if thread else set()
    mentions = set(get_user_model().objects.filter(username__in=written).values_list("username", flat=True))
    votes = list(Vote.objects.filter(strategy=strategy).select_related("voter", "carried_from"))
    my_vote = next((vote for vote in votes if vote.voter_id == user.pk), None)
    timeline = list(strategy.status_changes.select_related("actor"))
    visible_issues = list(issues_visible_to(user, queryset=strategy.issues.select_related("product")))
    return render(
        request,
        "proposals/detail.html",
        {
            "title": strategy.title,
            "strategy": strategy,
            "body_html": render_markdown(strategy.body),
            # linked issues the reader may see (a city member: their city's); the others are counted
            "issues": visible_issues,
            "hidden_issue_count": strategy.issues.count() - len(visible_issues),
            "tags": strategy.tags.all(),
            "regions": strategy.regions.order_by("sort_order", "code"),
            "thread": thread,
            "mention_names": mentions,
            "votes": votes,
            "my_vote": my_vote,
            "timeline": timeline,
            "moves": available_moves(user, strategy),
            "duplicates": strategy.duplicates.all(),
            "following": is_following(user=user, target=strategy),
            "can_vote": can_vote(user) and strategy.is_voting_open(),
            "is_voter": can_vote(user),
            "can_answer": can_answer(user),
            "can_moderate": can_moderate(user),
            "latest_revision": strategy.revisions.select_related("author").first(),
            "panels": render_strategy_panels(request, strategy),
        },
    )


def strategy_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = _strategy(pk)
    if request.method != "POST":
        if not strategy.can_edit():
            messages.error(request, _("This strategy is closed; its page can no longer be edited."))
            return redirect(strategy)
        form = StrategyEditForm(initial=initial_for(strategy), user=request.user)
        return render(request, "proposals/form.html", {"form": form, "strategy": strategy})
    form = StrategyEditForm(request.POST, user=request.user)
    if form.is_valid():
        base = form.cleaned_data["base_revision"]
        try:
            updated = strategy_update(
                strategy=strategy,
                actor=request.user,
                base_revision=base,
                content=form.content(),
                summary=form.cleaned_data.get("summary", ""),
            )
        except ApplicationError as error:
            if error.code == "conflict":
                return _conflict_page(request, strategy, form, error)
            # e.g. the strategy was closed meanwhile: keep the text on screen, never drop it
            form.add_error(None, error.message)
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            if updated.current_revision == base:
                messages.info(request, _("Nothing changed, so no new revision was saved."))
            else:
                messages.success(
                    request, _("Saved as revision %(number)s.") % {"number": updated.current_revision}
                )
            return redirect(updated)
    return render(request, "proposals/form.html", {"form": form, "strategy": strategy})


def _conflict_page(
    request: HttpRequest, strategy: Strategy, form: StrategyEditForm, error: ApplicationError
) -> HttpResponse:
    """Their change (base → current) and your text kept in a form based on the current revision."""
    base_number = error.extra["base_revision"]
    current_number = error.extra["current_revision"]
    revisions = {
        r.number: r
        for r in Revision.objects.filter(
            strategy=strategy, number__in=[base_number, current_number]
        ).select_related("author", "product")
    }
    current = revisions.get(current_number)
    base = revisions.get(base_number)
    yours = Revision(strategy=strategy, number=0, **form.content().revision_fields())
    data = request.POST.copy()
    data["base_revision"] = str(current_number)  # saving this form again merges onto the current one
    merged_form = StrategyEditForm(data, user=request.user)
    merged_form.is_valid()
    return render(
        request,
        "proposals/conflict.html",
        {
            "strategy": strategy,
            "form": merged_form,
            "message": error.message,
            "base": base,
            "current": current,
            "their_changes": revision_diff(base, current, reader=request.user) if base and current else [],
            "your_changes": revision_diff(current, yours, reader=request.user) if current else [],
        },
        status=409,
    )


def strategy_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = _strategy(pk)
    revisions = list(strategy.revisions.select_related("author").order_by("-number"))
    return render(request, "proposals/history.html", {"strategy": strategy, "revisions": revisions})


def _revision(strategy: Strategy, number: str | int | None) -> Revision:
    try:
        return Revision.objects.select_related("author", "product").get(
            strategy=strategy, number=int(number or 0)
        )
    except (ValueError, Revision.DoesNotExist) as error:
        raise Http404 from error


def strategy_diff_view(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = _strategy(pk)
    newest = strategy.current_revision
    new = _revision(strategy, request.GET.get("to") or newest)
    old = _revision(strategy, request.GET.get("from") or max(new.number - 1, 1))
    if old.number > new.number:
        old, new = new, old
    return render(
        request,
        "proposals/diff.html",
        {
            "strategy": strategy,
            "old": old,
            "new": new,
            "changes": revision_diff(old, new, reader=request.user),
            "numbers": list(range(1, newest + 1)),
        },
    )


def revision_detail_view(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    strategy = _strategy(pk)
    revision = _revision(strategy, number)
    return render(
        request,
        "proposals/revision.html",
        {
            "strategy": strategy,
            "revision": revision,
            "body_html": render_markdown(revision.body),
            "issues": revision.issue_ids,
            "restore_form": RestoreForm(initial={"base_revision": strategy.current_revision}),
        },
    )


@require_POST
def revision_restore_view(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    strategy = _strategy(pk)
    form = RestoreForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        updated = strategy_restore(
            strategy=strategy,
            actor=request.user,
            number=number,
            base_revision=form.cleaned_data["base_revision"],
        )
    except ApplicationError as error:
        flash_error(request, error)
        return redirect("proposals:history", pk=strategy.pk)
    messages.success(
        request,
        _("Revision %(old)s restored as revision %(new)s.")
        % {"old": number, "new": updated.current_revision},
    )
    return redirect(updated)
