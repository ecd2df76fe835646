"""Rule pages: the board, a rule's page with its moves and timeline, create from a strategy, edit,
record the real go-live date of a rule that ran before cxops."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
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
from cxops.roles import Role
from cxops.roles import has_role
from cxops.services.notifications import follow_create
from cxops.services.notifications import follow_delete
from cxops.services.notifications import is_following
from proposals.models import Strategy
from proposals.models import StrategyStatus
from rules_lifecycle.filters import RuleFilterSet
from rules_lifecycle.forms import GoLiveBackfillForm
from rules_lifecycle.forms import RuleEditForm
from rules_lifecycle.forms import RuleForm
from rules_lifecycle.forms import TransitionForm
from rules_lifecycle.models import MEASURE_LABELS
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models.rules import DEFAULT_GUARDRAIL_MARGIN
from rules_lifecycle.models.rules import DEFAULT_MINIMUM_WORTHWHILE_EFFECT
from rules_lifecycle.presenters import rule_timeline
from rules_lifecycle.selectors.rules import rule_board
from rules_lifecycle.selectors.rules import rule_detail
from rules_lifecycle.selectors.rules import strategies_awaiting_rules
from rules_lifecycle.services.rules import rule_backfill_go_live
from rules_lifecycle.services.rules import rule_create_from_strategy
from rules_lifecycle.services.rules import rule_update
from rules_lifecycle.transitions import available_moves
from rules_lifecycle.transitions import movers_for
from rules_lifecycle.transitions import moves_from
from rules_lifecycle.transitions import rule_transition


def _may_create(user: Any) -> bool:
    return has_role(user, Role.PRODUCT_OWNER, Role.MANAGER)


def _may_edit(user: Any, rule: ExperienceRule) -> bool:
    owns = user.pk == rule.owner_id and has_role(user, Role.PRODUCT_OWNER)
    return not rule.is_final and (owns or has_role(user, Role.MANAGER))


def _may_backfill_go_live(user: Any, rule: ExperienceRule) -> bool:
    """The page's gate; the service checks the same against the locked row."""
    return rule.is_running and bool(movers_for(rule=rule, actor=user))


def rule_board_view(request: HttpRequest) -> HttpResponse:
    filterset = RuleFilterSet(request.GET or None, request=request, page=True)
    columns = rule_board(filterset.rows)
    return render(
        request,
        "rules_lifecycle/board.html",
        {
            "title": _("Experience rules"),
            "filter_form": filterset.form,
            "filtered": filterset.narrows,
            "columns": columns,
            "total": sum(len(column.rules) for column in columns),
            "awaiting": strategies_awaiting_rules() if _may_create(request.user) else [],
            "sep": _(", "),
        },
    )


def rule_kanban_view(request: HttpRequest) -> HttpResponse:
    """The rules as a kanban: a card dragged to another column asks the transitions API (the same
    `rule_transition` as the rule page); a refused move snaps back with the service's reason."""
    filterset = RuleFilterSet(request.GET or None, request=request, page=True)
    columns = rule_board(filterset.rows)
    for column in columns:
        for rule in column.rules:
            moves = available_moves(rule=rule, actor=request.user)
            # the card's presentation, read by the template
            rule.kanban_moves = moves  # type: ignore[attr-defined]
            rule.kanban_moves_json = json.dumps(  # type: ignore[attr-defined]
                [{"to": move.target.value, "reason": move.reason_required} for move in moves]
            )
    return render(
        request,
        "rules_lifecycle/kanban.html",
        {
            "filter_form": filterset.form,
            "filtered": filterset.narrows,
            "columns": columns,
            "total": sum(len(column.rules) for column in columns),
            "query": request.GET.urlencode(),
        },
    )


def rule_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        rule = rule_detail(pk=pk)
    except ExperienceRule.DoesNotExist:
        raise Http404 from None
    moves = available_moves(rule=rule, actor=request.user)
    return render(
        request,
        "rules_lifecycle/detail.html",
        {
            "title": rule.name,
            "rule": rule,
            "moves": moves,
            "reason_required_labels": _(", ").join(str(move.label) for move in moves if move.reason_required),
            # Shown to people who may not move the rule, so the page explains what happens next.
            "next_moves": moves_from(rule.status),
            "transition_form": TransitionForm(),
            "timeline": rule_timeline(rule, viewer=request.user),
            "can_edit": _may_edit(request.user, rule),
            "can_backfill_go_live": _may_backfill_go_live(request.user, rule),
            "following": is_following(user=request.user, target=rule),
            "primary_measure_label": MEASURE_LABELS[rule.primary_measure],
            "guardrail_labels": [MEASURE_LABELS[measure] for measure in rule.guardrail_measures],
            "sep": _(", "),
            "mwe_percent": f"{rule.minimum_worthwhile_effect * 100:g}",
            "guardrail_percent": f"{rule.guardrail_margin * 100:g}",
        },
    )


def rule_move_response(
    request: HttpRequest,
    rule: ExperienceRule,
    *,
    back: str,
    refused: str,
    targets: Collection[str] | None = None,
    evaluation_decision: bool = False,
) -> HttpResponse:
    """Make the move a `TransitionForm` posts (the rule page's buttons, the evaluation page's
    decisions, limited to `targets`) and go `back` saying how it went; `refused` when the form
    names no move this page offers."""
    form = TransitionForm(request.POST)
    if not form.is_valid() or (targets is not None and form.cleaned_data["to_status"] not in targets):
        messages.error(request, refused)
        return redirect(back)
    try:
        record = rule_transition(
            rule=rule,
            to_status=form.cleaned_data["to_status"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            evaluation_decision=evaluation_decision,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The rule is now “%(status)s”.") % {"status": record.to_label})
    return redirect(back)


@require_POST
def rule_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(ExperienceRule, pk=pk)
    return rule_move_response(
        request, rule, back=rule.get_absolute_url(), refused=_("Choose a move from the rule's page.")
    )


def _strategy_initial(strategy: Strategy, user: Any) -> dict[str, Any]:
    return {
        "name": strategy.title,
        "owner": user.pk if has_role(user, Role.PRODUCT_OWNER) else None,
        "trigger_event": strategy.experience_event,
        "trigger_action": strategy.strategy_text,
        "layer": strategy.layer,
        "products": [strategy.product_id],
        "minimum_worthwhile_effect": DEFAULT_MINIMUM_WORTHWHILE_EFFECT,
        "guardrail_margin": DEFAULT_GUARDRAIL_MARGIN,
    }


def rule_create_view(request: HttpRequest, strategy_pk: int) -> HttpResponse:
    if not _may_create(request.user):
        raise PermissionDenied
    strategy = get_object_or_404(Strategy.objects.select_related("product"), pk=strategy_pk)
    if strategy.status != StrategyStatus.ACCEPTED:
        messages.error(
            request,
            _("Rules are made from accepted strategies; “%(title)s” is %(status)s.")
            % {"title": strategy.title, "status": StrategyStatus(strategy.status).label},
        )
        return redirect(strategy)
    is_manager = has_role(request.user, Role.MANAGER)
    form = RuleForm(
        request.POST or None,
        initial=_strategy_initial(strategy, request.user),
        owner_editable=is_manager,
        design_editable=True,
    )
    if request.method == "POST" and form.is_valid():
        values = form.changed_values()
        values["owner"] = values.get("owner") if is_manager else request.user
        try:
            rule = rule_create_from_strategy(strategy=strategy, actor=request.user, **values)
        except ValidationError as error:
            form_add_service_error(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Rule proposed. A manager approves it next."))
            return redirect(rule)
    return render(request, "rules_lifecycle/form.html", {"form": form, "strategy": strategy, "rule": None})


def rule_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(ExperienceRule.objects.select_related("strategy", "owner"), pk=pk)
    if not _may_edit(request.user, rule):
        if rule.is_final:
            messages.error(
                request,
                _("The rule is %(status)s: it can no longer be edited.") % {"status": rule.status_label},
            )
            return redirect(rule)
        raise PermissionDenied
    form = RuleEditForm(
        request.POST or None,
        instance=rule,
        initial={"version": rule.version},
        owner_editable=has_role(request.user, Role.MANAGER),
        design_editable=rule.can_edit_design(),
    )
    conflict = False
    if request.method == "POST" and form.is_valid():
        changes = form.changed_values()
        version = changes.pop("version")
        try:
            rule_update(rule=rule, actor=request.user, expected_version=version, changes=changes)
        except ValidationError as error:
            form_add_service_error(form, error)
        except ApplicationError as error:
            conflict = error.code == "conflict"
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Rule saved."))
            return redirect(rule)
    return render(
        request,
        "rules_lifecycle/form.html",
        {"form": form, "strategy": rule.strategy, "rule": rule, "conflict": conflict},
    )


def rule_go_live_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the day a running rule really went live (it ran before cxops was adopted)."""
    rule = get_object_or_404(ExperienceRule.objects.select_related("owner"), pk=pk)
    if not movers_for(rule=rule, actor=request.user):
        raise PermissionDenied
    if not rule.is_running:
        messages.error(
            request,
            _("The rule is %(status)s: only a live, under-review or kept rule has a go-live date to correct.")
            % {"status": rule.status_label},
        )
        return redirect(rule)
    form = GoLiveBackfillForm(request.POST or None, initial={"go_live_on": rule.go_live_on})
    if request.method == "POST" and form.is_valid():
        try:
            record = rule_backfill_go_live(
                rule=rule,
                actor=request.user,
                go_live_on=form.cleaned_data["go_live_on"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Go-live date recorded as %(day)s. The rule is being evaluated again on its real windows.")
                % {"day": record.go_live_on.isoformat()},
            )
            return redirect(rule)
    return render(request, "rules_lifecycle/go_live.html", {"form": form, "rule": rule})


@require_POST
def rule_follow_view(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(ExperienceRule, pk=pk)
    if request.POST.get("follow") == "0":
        follow_delete(user=request.user, target=rule)
        messages.success(request, _("You no longer follow this rule."))
    else:
        follow_create(user=request.user, target=rule)
        messages.success(request, _("You follow this rule: its moves are sent to your notifications."))
    return redirect(rule)
