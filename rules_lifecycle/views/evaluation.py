"""Evaluation pages: the manager's review of every live rule, one rule's evaluation (charts,
measures, history, decisions), and the buttons that run an evaluation or decide on a rule.

Every signed-in member may read evaluations (rules are read by all, PRODUCT.md 全员参与);
running one is for managers, analysts and the rule's owner (checked in the service); deciding
is a rule move, checked by `rule_transition` (managers).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cxops.errors import ApplicationError
from cxops.inputs import parse_id
from cxops.models import Product
from cxops.roles import Role
from cxops.roles import has_role
from rules_lifecycle.forms import TransitionForm
from rules_lifecycle.models import MEASURE_LABELS
from rules_lifecycle.models import EvaluationVerdict
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleStatus
from rules_lifecycle.models import RunTrigger
from rules_lifecycle.presenters import decision_interval
from rules_lifecycle.presenters import evaluation_chart_data
from rules_lifecycle.presenters import look_sentence
from rules_lifecycle.presenters import verdict_sentence
from rules_lifecycle.scoring import DIRECTION
from rules_lifecycle.selectors.controls import CITIES
from rules_lifecycle.selectors.controls import ControlAdvice
from rules_lifecycle.selectors.controls import control_advice
from rules_lifecycle.selectors.evaluation import EVALUATED_STATUSES
from rules_lifecycle.selectors.evaluation import REVIEW_STATUSES
from rules_lifecycle.selectors.evaluation import SORTS
from rules_lifecycle.selectors.evaluation import evaluation_portfolio
from rules_lifecycle.selectors.evaluation import evaluation_runs
from rules_lifecycle.selectors.evaluation import portfolio_summary
from rules_lifecycle.selectors.evaluation import rule_evaluation_charts
from rules_lifecycle.selectors.evaluation import rule_evaluation_history
from rules_lifecycle.services.evaluation import RETIRE_FLAG_AFTER_RUNS
from rules_lifecycle.services.evaluation import evaluation_run_all
from rules_lifecycle.services.evaluation import rule_evaluate_on_demand
from rules_lifecycle.services.rules import rule_update
from rules_lifecycle.transitions import available_moves
from rules_lifecycle.views.rules import rule_move_response

# The decisions the evaluation page offers: keep, send back to implementing, retire (and, for a
# live rule, submitting it for review first).
DECISION_TARGETS = (RuleStatus.KEPT, RuleStatus.IMPLEMENTING, RuleStatus.RETIRED, RuleStatus.UNDER_REVIEW)


class ReviewFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Rules"),
        required=False,
        choices=[
            ("", gettext_lazy("All running rules")),
            (RuleStatus.LIVE, RuleStatus.LIVE.label),
            (RuleStatus.UNDER_REVIEW, RuleStatus.UNDER_REVIEW.label),
            (RuleStatus.KEPT, RuleStatus.KEPT.label),
        ],
    )
    verdict = forms.ChoiceField(
        label=gettext_lazy("Verdict"),
        required=False,
        choices=[("", gettext_lazy("Any verdict")), *EvaluationVerdict.choices],
    )
    measure = forms.ChoiceField(
        label=gettext_lazy("Primary measure"),
        required=False,
        choices=[("", gettext_lazy("Any measure")), *MEASURE_LABELS.items()],
    )
    product = forms.ChoiceField(label=gettext_lazy("Product"), required=False)
    flagged = forms.BooleanField(label=gettext_lazy("Flagged only"), required=False)
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS], widget=forms.HiddenInput)
    dir = forms.ChoiceField(
        required=False, choices=[("asc", "asc"), ("desc", "desc")], widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [  # type: ignore[attr-defined]
            ("", _("Any product")),
            *((p.code, p.name) for p in Product.objects.order_by("code")),
        ]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "statuses": [data["status"]] if data.get("status") else list(REVIEW_STATUSES),
            "verdict": data.get("verdict") or "",
            "measure": data.get("measure") or "",
            "product": data.get("product") or "",
            "flagged": bool(data.get("flagged")),
            "sort": data.get("sort") or "verdict",
            "descending": data.get("dir") == "desc",
        }


def _sort_links(request: HttpRequest, current: str, descending: bool) -> dict[str, dict[str, Any]]:
    links = {}
    for key in SORTS:
        params = request.GET.copy()
        params["sort"] = key
        params["dir"] = "asc" if (key == current and descending) or key != current else "desc"
        state = ("descending" if descending else "ascending") if key == current else "none"
        links[key] = {"url": "?" + params.urlencode(), "aria": state}
    return links


def evaluation_review_view(request: HttpRequest) -> HttpResponse:
    form = ReviewFilterForm(request.GET or None)
    filters = form.filters() or {"statuses": list(REVIEW_STATUSES)}
    rows = evaluation_portfolio(**filters)
    for row in rows:
        row.presented = [present_measure(m) for m in row.measures]
        row.q_text = _p(row.q_value)
        row.headline = headline(row.evaluation) if row.evaluation else ""
    everything = evaluation_portfolio(statuses=filters["statuses"]) if len(filters) > 1 else rows
    return render(
        request,
        "rules_lifecycle/evaluation/review.html",
        {
            "title": _("Effectiveness review"),
            "form": form,
            "rows": rows,
            "summary": portfolio_summary(everything),
            "tested": sum(1 for row in everything if row.q_value is not None),
            "filtered": any(v for k, v in filters.items() if k not in {"statuses", "sort", "descending"}),
            "sort": _sort_links(request, filters.get("sort", "verdict"), filters.get("descending", False)),
            "runs": list(evaluation_runs(limit=5)),
            "may_run_all": has_role(request.user, Role.MANAGER),
            "flag_after": RETIRE_FLAG_AFTER_RUNS,
        },
    )


def evaluation_rule_view(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(ExperienceRule.objects.select_related("owner", "strategy"), pk=pk)
    if rule.go_live_on is None:
        raise Http404  # nothing to evaluate before go-live; the rule page says so
    history = rule_evaluation_history(rule=rule)
    latest = history[0] if history else None
    moves = [m for m in available_moves(rule=rule, actor=request.user) if m.target in DECISION_TARGETS]
    may_run = rule.status in EVALUATED_STATUSES and (
        has_role(request.user, Role.MANAGER, Role.ANALYST)
        or (request.user.pk == rule.owner_id and has_role(request.user, Role.PRODUCT_OWNER))
    )
    return render(
        request,
        "rules_lifecycle/evaluation/rule.html",
        {
            "title": _("Evaluation: %(name)s") % {"name": rule.name},
            "rule": rule,
            "latest": latest,
            "measures": [present_measure(m) for m in latest.measures] if latest else [],
            "headline": headline(latest) if latest else "",
            "look": look_sentence(latest.results) if latest else "",
            "placebo": (latest.results.get("placebo") if latest else None),
            "history": history,
            "history_rows": [
                {
                    "ev": ev,
                    "lift": _percent(ev.primary_lift),
                    "ci": _interval({"low": ev.primary_ci_low, "high": ev.primary_ci_high})
                    if ev.primary_ci_low is not None
                    else "—",
                }
                for ev in history
            ],
            "charts": evaluation_chart_data(rule_evaluation_charts(rule=rule, as_of=timezone.localdate())),
            "moves": moves,
            "transition_form": TransitionForm(),
            "may_run": may_run,
            "mwe_percent": _percent(rule.minimum_worthwhile_effect, signed=False),
            "margin_percent": _percent(rule.guardrail_margin, signed=False),
            "flag_after": RETIRE_FLAG_AFTER_RUNS,
            "advice": present_advice(cached_control_advice(rule)),
        },
    )


def cached_control_advice(rule: ExperienceRule) -> ControlAdvice | None:
    """The advice reads every candidate product's baseline: computed at most every six hours per
    version of the rule (adopting a suggestion or backfilling go-live bumps the version), not on
    every view of the evaluation page.  History imported meanwhile shows within those hours."""
    today = timezone.localdate()
    key = f"control-advice:{rule.pk}:{rule.created_at.timestamp()}:{rule.version}:{today.isoformat()}"
    advice = cache.get(key)
    if advice is None:
        advice = control_advice(rule=rule, today=today)
        if advice is not None:
            cache.set(key, advice, 6 * 3600)
    return advice


def rule_controls_view(request: HttpRequest, pk: int) -> HttpResponse:
    """How well the rule's control tracks it on the baseline, and better controls with their
    synthetic weights; before go-live the owner or a manager can adopt the suggestion."""
    rule = get_object_or_404(
        ExperienceRule.objects.prefetch_related("control_products", "control_channels", "control_segments"),
        pk=pk,
    )
    advice = cached_control_advice(rule)
    may_apply = (
        advice is not None
        and bool(advice.suggested)
        and not rule.is_final
        and rule.go_live_on is None
        and (
            has_role(request.user, Role.MANAGER)
            or (request.user.pk == rule.owner_id and has_role(request.user, Role.PRODUCT_OWNER))
        )
    )
    if request.method == "POST":
        if not may_apply or advice is None:
            messages.error(request, _("The suggested control cannot be adopted for this rule."))
            return redirect("evaluation:controls", pk=rule.pk)
        version = parse_id(request.POST.get("version"))
        try:
            rule_update(
                rule=rule,
                actor=request.user,
                # A mangled version is a stale edit (a conflict), not a crash.
                expected_version=-1 if version is None else version,
                # a city pilot's donors are cities (the same products elsewhere); otherwise products
                changes={
                    "control_products": [c.product for c in advice.suggested if c.product is not None],
                    "control_channels": [],
                    "control_segments": [],
                    "control_regions": [c.region for c in advice.suggested if c.region is not None],
                },
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("The rule's control is now the suggested cities, combined with the weights shown.")
                if advice.donors == CITIES
                else _("The rule's control is now the suggested products, combined with the weights shown."),
            )
        return redirect("evaluation:controls", pk=rule.pk)
    return render(
        request,
        "rules_lifecycle/evaluation/controls.html",
        {
            "title": _("Control scope: %(name)s") % {"name": rule.name},
            "rule": rule,
            "advice": present_advice(advice),
            "may_apply": may_apply,
        },
    )


@require_POST
def evaluation_run_rule_view(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(ExperienceRule, pk=pk)
    try:
        rule_evaluate_on_demand(rule=rule, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The rule was evaluated with the data available today."))
    return redirect("evaluation:rule", pk=rule.pk)


@require_POST
def evaluation_run_all_view(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, Role.MANAGER):
        messages.error(request, _("Only managers may start an evaluation of every rule."))
        return redirect("evaluation:review")
    run = evaluation_run_all(trigger=RunTrigger.ON_DEMAND)
    messages.success(
        request,
        _("Evaluation of %(count)d rules started; results appear here as they finish.")
        % {"count": run.rules_planned},
    )
    return redirect("evaluation:review")


@require_POST
def evaluation_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(ExperienceRule, pk=pk)
    return rule_move_response(
        request,
        rule,
        back=reverse("evaluation:rule", args=[rule.pk]),
        refused=_("Choose one of the decisions on this page."),
        targets=DECISION_TARGETS,
        evaluation_decision=True,
    )


# --- presentation of stored results ------------------------------------------------------------


def headline(evaluation: Any) -> str:
    return verdict_sentence(
        verdict=evaluation.verdict,
        reason=evaluation.reason,
        results=evaluation.results,
        sufficient_by=evaluation.sufficient_by,
    )


TEST_LABELS = {
    "serial_log_ratio": gettext_lazy(
        "Difference of daily log ratios, rule's scope vs control, variance robust to persistent shocks"
    ),
    "serial_log_rate": gettext_lazy(
        "Difference of daily log rates, before vs after only, variance robust to persistent shocks"
    ),
    "serial_daily_mean_difference": gettext_lazy(
        "Difference of daily mean-score differences, variance robust to persistent shocks"
    ),
    "serial_daily_mean": gettext_lazy(
        "Difference of daily mean scores, before vs after only, variance robust to persistent shocks"
    ),
    "welch_log_ratio": gettext_lazy("Welch's t-test on daily log ratios, rule's scope vs control"),
    "welch_log_rate": gettext_lazy("Welch's t-test on daily log rates, before vs after only"),
    "welch_daily_mean_difference": gettext_lazy("Welch's t-test on daily mean-score differences"),
    "welch_daily_mean": gettext_lazy("Welch's t-test on daily mean scores, before vs after only"),
    "cells_mean_difference": gettext_lazy("Difference in differences of mean scores (Σ s²/n)"),
    "cells_mean_change": gettext_lazy("Change of mean score, before vs after only (Σ s²/n)"),
}
INSUFFICIENT_LABELS = {
    "pre_days": gettext_lazy("too few baseline days"),
    "post_days": gettext_lazy("too few days after the burn-in"),
    "events": gettext_lazy("too few events"),
    "responses": gettext_lazy("fewer than 150 survey responses in a cell"),
}
ROLE_LABELS = {"primary": gettext_lazy("primary"), "guardrail": gettext_lazy("guardrail")}


def _percent(value: float | None, signed: bool = True) -> str:
    if value is None:
        return "—"
    text = f"{value * 100:+.1f}%" if signed else f"{value * 100:.1f}%"
    return text.replace("-", "−")


def _interval(interval: dict[str, Any] | None, scale: str = "percent") -> str:
    if not interval:
        return "—"
    if scale == "points":
        return f"[{interval['low']:+.2f}, {interval['high']:+.2f}]".replace("-", "−")
    return f"[{_percent(interval['low'])}, {_percent(interval['high'])}]"


def _level(measure: str, value: float | None) -> str:
    """A rate or mean as a number in the unit of UNIT_LABELS."""
    if value is None:
        return "—"
    if measure == "complaint_rate":
        return f"{value * 10000:.3g}"
    if measure == "activity":
        return f"{value * 100:.1f}"
    return f"{value:.2f}"


UNIT_LABELS = {
    "complaint_rate": gettext_lazy("complaints a day per 10,000 users"),
    "activity": gettext_lazy("active users per 100 users"),
    "satisfaction": gettext_lazy("mean score"),
}


def _p(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def present_measure(m: dict[str, Any]) -> dict[str, Any]:
    code = m["measure"]
    benefit = None if m.get("lift") is None else DIRECTION[code] * m["lift"]
    adjusted = m.get("ci_adjusted")
    significant = None
    if adjusted:
        low, high = sorted((DIRECTION[code] * adjusted["low"], DIRECTION[code] * adjusted["high"]))
        significant = "better" if low > 0 else ("worse" if high < 0 else None)
    return {
        "code": code,
        "name": MEASURE_LABELS[code],
        "unit": UNIT_LABELS[code],
        "role": ROLE_LABELS.get(m["role"], m["role"]),
        "is_primary": m["role"] == "primary",
        "test": TEST_LABELS.get(m.get("test") or "", m.get("test") or "—"),
        "sufficient": m["sufficient"],
        "insufficient": [INSUFFICIENT_LABELS.get(i, i) for i in m.get("insufficient", [])],
        "sufficient_by": m.get("sufficient_by"),
        "baseline": _level(code, m.get("baseline")),
        "after": _level(code, m.get("after")),
        "control_baseline": _level(code, m.get("control_baseline")),
        "control_after": _level(code, m.get("control_after")),
        "has_control": m.get("has_control"),
        "lift": _percent(m.get("lift")),
        "tone": "" if benefit is None else ("good" if benefit > 0 else "bad"),
        "significant": significant,
        "ci_95": _interval(m.get("ci_95")),
        "ci_decision": _interval(decision_interval(m)),
        "decision_points": _interval(_points_interval(m), "points") if code == "satisfaction" else "",
        "ci_adjusted": _interval(adjusted),
        "adjusted_level": f"{adjusted['level'] * 100:.1f}%" if adjusted else "",
        "p_value": _p(m.get("p_value")),
        "p_adjusted": _p(m.get("p_adjusted")),
        "mde": _percent(m.get("mde"), signed=False) if m.get("mde") is not None else "—",
        "days_pre": m.get("days_pre"),
        "days_post": m.get("days_post"),
        "counts": {k: int(v) for k, v in (m.get("counts") or {}).items()},
        "margin": _percent(m.get("margin"), signed=False) if m.get("margin") is not None else "",
        "absolute_change": None
        if m.get("absolute_change") is None
        else f"{m['absolute_change']:+.2f}".replace("-", "−"),
        "absolute_ci": _interval(m.get("absolute_ci"), "points"),
        "top2_change": _percent(m.get("top2_change")),
        "top2_ci": _interval(m.get("top2_ci")),
        "relative_ci": _interval(m.get("relative_ci")),
        "is_satisfaction": code == "satisfaction",
        "variance": VARIANCE_LABELS.get(m.get("variance") or "", ""),
        "serial_correlation": f"{m['serial_correlation']:.2f}"
        if m.get("serial_correlation") is not None
        else "",
        "baseline_from": m.get("baseline_from"),
    }


VARIANCE_LABELS = {
    "ar1": gettext_lazy("variance: AR(1)-corrected daily"),
    "weekly": gettext_lazy("variance: weekly means"),
    "ewc": gettext_lazy("variance: equal-weighted cosine (EWC), for shocks that last days"),
    "hac": gettext_lazy("variance: Newey–West over a week of days"),  # results scored before 2026-12-07.2
}


def _fit(fit: Any) -> dict[str, Any] | None:
    if fit is None:
        return None
    return {
        "tracking": f"{fit.tracking_error * 100:.1f}%",
        "correlation": f"{fit.correlation:.2f}" if fit.correlation is not None else "—",
        "drift": _percent(fit.drift_relative),
        "drift_p": _p(fit.drift_p_value),
        "parallel": fit.parallel,
        "days": fit.days,
    }


def present_advice(advice: ControlAdvice | None) -> dict[str, Any] | None:
    if advice is None:
        return None
    return {
        "baseline_start": advice.baseline_start,
        "baseline_end": advice.baseline_end,
        "measure": MEASURE_LABELS[advice.measure.value],
        "has_control": advice.has_control,
        "current": _fit(advice.current),
        "synthetic": _fit(advice.synthetic),
        "improves": advice.improves_on_current,
        "donors": advice.donors,
        "candidates": [
            {
                "name": c.name,
                "code": c.code,
                "fit": _fit(c.fit),
                "weight": f"{c.weight * 100:.0f}%" if c.weight else "",
            }
            for c in advice.candidates
        ],
    }


def _points_interval(m: dict[str, Any]) -> dict[str, float] | None:
    """The decision interval of satisfaction in score points (stored relative to the baseline)."""
    interval, baseline = decision_interval(m), m.get("baseline")
    if not interval or not baseline:
        return None
    return {"low": interval["low"] * baseline, "high": interval["high"] * baseline}
