"""Stored evaluation results in words: the sentence a manager reads in two seconds, and where
the rule stands in its sequential plan; and a rule's timeline in words, links and colours.

Pure functions over the JSON a `RuleEvaluation` stores (`RuleScore.as_dict()`), so the pages,
the API and notifications say the same thing.  Results stored before the sequential plan
existed have no `look` and no `ci_sequential`; they fall back to the fixed-sample interval.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext

from cxops.models import SourceType
from proposals.models import StrategyStatus
from proposals.models import VoteChoice
from rules_lifecycle.models import MEASURE_LABELS
from rules_lifecycle.models import EvaluationVerdict
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleStatus
from rules_lifecycle.models import VerdictReason
from rules_lifecycle.scoring import DIRECTION  # keyed by Measure, a StrEnum: stored codes look it up
from rules_lifecycle.selectors.timeline import EventKind
from rules_lifecycle.selectors.timeline import TimelineEvent
from rules_lifecycle.selectors.timeline import rule_events
from rules_lifecycle.selectors.timeline import timeline_readable


def _magnitude(value: float) -> str:
    return f"{abs(value) * 100:.0f}%" if abs(value) >= 0.095 else f"{abs(value) * 100:.1f}%"


def _signed_percent(value: float) -> str:
    text = f"{value * 100:+.0f}%" if abs(value) >= 0.095 else f"{value * 100:+.1f}%"
    return text.replace("-", "−")


def _points(value: float) -> str:
    return f"{abs(value):.2f}"


def decision_interval(measure: dict[str, Any]) -> dict[str, Any] | None:
    """The interval the verdict used: the look's repeated interval (all looks at 95 %)."""
    return measure.get("ci_sequential") or measure.get("ci_95")


def change_phrase(measure: dict[str, Any]) -> str:
    """ "complaint rate down 18% (95% interval 9%–26%)", in the reader's language."""
    code = measure["measure"]
    name = str(MEASURE_LABELS[code])
    lift = measure.get("lift")
    if lift is None:
        return name
    interval = decision_interval(measure)
    if code == "satisfaction" and measure.get("absolute_change") is not None:
        points = measure["absolute_change"]
        change = (
            _("%(measure)s up %(points)s points") if points >= 0 else _("%(measure)s down %(points)s points")
        ) % {"measure": name, "points": _points(points)}
        baseline = measure.get("baseline") or 0.0
        if interval and baseline:
            low, high = interval["low"] * baseline, interval["high"] * baseline
            bounds = f"{low:+.2f} – {high:+.2f}".replace("-", "−")
            return _("%(change)s (95%% interval %(bounds)s points)") % {"change": change, "bounds": bounds}
        return change
    change = (_("%(measure)s up %(size)s") if lift >= 0 else _("%(measure)s down %(size)s")) % {
        "measure": name,
        "size": _magnitude(lift),
    }
    if not interval:
        return change
    low, high = interval["low"], interval["high"]
    if (low > 0 and lift >= 0) or (high < 0 and lift < 0):
        small, large = sorted((abs(low), abs(high)))
        bounds = f"{_magnitude(small)}–{_magnitude(large)}"
    else:
        bounds = _("%(low)s to %(high)s") % {"low": _signed_percent(low), "high": _signed_percent(high)}
    return _("%(change)s (95%% interval %(bounds)s)") % {"change": change, "bounds": bounds}


def _measure(results: dict[str, Any], code: str) -> dict[str, Any] | None:
    return next((m for m in results.get("measures", []) if m["measure"] == code), None)


def _harmed_guardrail(results: dict[str, Any]) -> dict[str, Any] | None:
    for m in results.get("measures", []):
        interval = m.get("ci_adjusted")
        if m["role"] != "guardrail" or not interval:
            continue
        direction = DIRECTION[m["measure"]]
        if max(direction * interval["low"], direction * interval["high"]) < 0:
            return m
    return None


def _crossing_guardrail(results: dict[str, Any]) -> dict[str, Any] | None:
    for m in results.get("measures", []):
        if (
            m["role"] == "guardrail"
            and m.get("lift") is not None
            and m.get("margin") is not None
            and DIRECTION[m["measure"]] * m["lift"] < -m["margin"]
        ):
            return m
    return None


def _date(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "")


def verdict_sentence(*, verdict: str, reason: str, results: dict[str, Any], sufficient_by: Any = None) -> str:
    """The headline: verdict, the primary change with the decision interval, and why."""
    head = str(EvaluationVerdict(verdict).label)
    primary = _measure(results, results.get("primary", "")) or {}
    mwe = (results.get("design") or {}).get("minimum_worthwhile_effect")
    mwe_text = _magnitude(mwe) if mwe is not None else "—"
    change = change_phrase(primary) if primary else ""
    if reason == "insufficient_data":
        if sufficient_by:
            return _("%(verdict)s: not enough data yet; enough by %(day)s.") % {
                "verdict": head,
                "day": _date(sufficient_by),
            }
        return _("%(verdict)s: not enough data, and waiting will not supply it with this design.") % {
            "verdict": head
        }
    clauses = {
        "worthwhile": _("at least the minimum worthwhile effect (%(mwe)s)") % {"mwe": mwe_text},
        "too_small": _("real, but less than the minimum worthwhile effect (%(mwe)s)") % {"mwe": mwe_text},
        "harmful": _("the rule makes it worse"),
        "negligible": _("shown to make no worthwhile difference (within ±%(mwe)s)") % {"mwe": mwe_text},
        "inconclusive": _("too early to tell either way"),
        "no_control": _("before/after only: without a control scope the numbers alone never retire a rule"),
    }
    if reason == "guardrail_margin":
        guardrail = _crossing_guardrail(results)
        clause = (
            _("but %(guardrail)s got worse than its margin") % {"guardrail": change_phrase(guardrail)}
            if guardrail
            else str(_("but a guardrail got worse than its margin"))
        )
    elif reason == "guardrail_harmed":
        guardrail = _harmed_guardrail(results)
        clause = (
            _("but a guardrail is significantly worse: %(guardrail)s")
            % {"guardrail": change_phrase(guardrail)}
            if guardrail
            else str(_("but a guardrail is significantly worse"))
        )
    else:
        clause = clauses.get(reason, "")
    if not change:
        return _("%(verdict)s: %(clause)s.") % {"verdict": head, "clause": clause}
    return _("%(verdict)s: %(change)s, %(clause)s.") % {"verdict": head, "change": change, "clause": clause}


def look_sentence(results: dict[str, Any]) -> str:
    """Which look of the plan this is, the boundary it used and when the evaluation concludes."""
    look = results.get("look")
    if not look:
        return ""
    if not look.get("number"):
        return _(
            "First look on %(first)s, after the minimum post window; %(planned)d weekly looks, "
            "the last on %(last)s."
        ) % {
            "first": _date(look["first_on"]),
            "planned": look["planned"],
            "last": _date(look["concludes_on"]),
        }
    values = {
        "number": look["number"],
        "planned": look["planned"],
        "days": look["post_days"],
        "level": f"{look['level'] * 100:.1f}%",
        "boundary": f"{look['boundary']:.2f}",
        "last": _date(look["concludes_on"]),
    }
    if look.get("final"):
        return (
            _(
                "Last planned look (%(number)d of %(planned)d, %(days)d days compared): the evaluation "
                "concluded on %(last)s. Its interval is the %(level)s interval of this look (boundary "
                "z = %(boundary)s), which with the earlier looks holds at 95%%."
            )
            % values
        )
    return (
        _(
            "Look %(number)d of %(planned)d (%(days)d days compared). The decision interval is this "
            "look's %(level)s interval (boundary z = %(boundary)s): wider than a one-off 95%% interval, so "
            "that all %(planned)d weekly looks together are wrong at most 5%% of the time. The evaluation "
            "concludes on %(last)s."
        )
        % values
    )


# --- the evaluation page's charts ----------------------------------------------------------------

CHART_UNITS = {
    "activity": gettext_lazy("Active users per 100 users"),
    "complaint_rate": gettext_lazy("Complaints per 10,000 users"),
    "satisfaction": gettext_lazy("Mean satisfaction score"),
}


def evaluation_chart_data(charts: dict[str, Any] | None) -> dict[str, Any] | None:
    """`rule_evaluation_charts`' figures with the words the page's charts show (JSON-ready)."""
    if charts is None:
        return None
    return {
        **{key: value for key, value in charts.items() if key != "measures"},
        "labels": {
            "treated": _("Rule's scope"),
            "control": _("Control scope"),
            "pre": _("Baseline"),
            "burn_in": _("Burn-in"),
            "post": _("Compared"),
            "go_live": _("Go-live"),
        },
        "measures": [
            {
                "code": m["code"],
                "name": str(MEASURE_LABELS[m["code"]]),
                "unit": str(CHART_UNITS[m["code"]]),
                "primary": m["primary"],
                "treated": m["treated"],
                "control": m["control"],
            }
            for m in charts["measures"]
        ],
    }


# --- a rule's timeline ---------------------------------------------------------------------------
# `rules_lifecycle.selectors.timeline` reads what happened (`TimelineEvent`: codes, ids, times,
# names, figures); `rule_timeline` words it for the rule page: a title, a detail line, a link, a
# colour, under the label of its kind.

KIND_LABELS = {
    "report": gettext_lazy("Experience report"),
    "issue": gettext_lazy("Experience issue"),
    "strategy": gettext_lazy("Strategy"),
    "comment": gettext_lazy("Discussion"),
    "vote": gettext_lazy("Vote"),
    "decision": gettext_lazy("Official answer"),
    "rule": gettext_lazy("Rule"),
    "transition": gettext_lazy("Rule move"),
    "go_live": gettext_lazy("Go-live date"),
    "evaluation": gettext_lazy("Evaluation"),
}


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # a key of KIND_LABELS
    title: str
    detail: str = ""
    actor: str = ""
    url: str = ""
    tone: str = ""  # "", "ok", "warn" or "bad": how the page colours the entry
    # Set on one report's entry: only its reporter and analysts may read it (PRODUCT.md).
    reporter_id: int | None = None

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


_PAGE_KINDS = {
    EventKind.REPORT: "report",
    EventKind.REPORTS_SUMMED: "report",
    EventKind.ISSUE: "issue",
    EventKind.STRATEGY_OPENED: "strategy",
    EventKind.STRATEGY_MOVED: "strategy",
    EventKind.COMMENT: "comment",
    EventKind.COMMENTS_SUMMED: "comment",
    EventKind.VOTE: "vote",
    EventKind.DECISION: "decision",
    EventKind.RULE_PROPOSED: "rule",
    EventKind.RULE_MOVED: "transition",
    EventKind.GO_LIVE_BACKFILLED: "go_live",
    EventKind.EVALUATED: "evaluation",
}
_MOVE_TONES = {
    RuleStatus.LIVE: "ok",
    RuleStatus.KEPT: "ok",
    RuleStatus.RETIRED: "bad",
    RuleStatus.REJECTED: "bad",
}
_VERDICT_TONES = {"keep": "ok", "improve": "warn", "retire": "bad", "undecided": ""}


def _strategy_url(event: TimelineEvent) -> str:
    try:
        return reverse("proposals:detail", args=[event.strategy_id])
    except NoReverseMatch:  # the pool's pages are not installed
        return ""


def _words(event: TimelineEvent) -> tuple[str, str, str, str]:
    """(title, detail, url, tone) of one event."""
    match event.kind:
        case EventKind.REPORT:
            where = f"{SourceType(event.source_type).label} · {event.channel} · {event.product}"
            return event.text, where, "", ""
        case EventKind.REPORTS_SUMMED:
            return _("%(count)d reports in all; the latest on this date") % {"count": event.count}, "", "", ""
        case EventKind.ISSUE:
            return (
                event.text,
                _("Experience issue: %(count)d reports merged into it") % {"count": event.count},
                "",
                "",
            )
        case EventKind.STRATEGY_OPENED:
            count = event.count or 0
            opened = ngettext(
                "Strategy page opened; %(count)d revision since.",
                "Strategy page opened; %(count)d revisions since.",
                count,
            )
            return event.text, opened % {"count": count}, _strategy_url(event), ""
        case EventKind.STRATEGY_MOVED:
            title = _("Strategy is now “%(status)s”") % {"status": StrategyStatus(event.status).label}
            return title, event.reason, _strategy_url(event), ""
        case EventKind.COMMENT:
            url = _strategy_url(event)
            return (
                Truncator(event.text).chars(160),
                "",
                f"{url}#comment-{event.comment_id}" if url else "",
                "",
            )
        case EventKind.COMMENTS_SUMMED:
            title = _("%(count)d more comments in the discussion") % {"count": event.count}
            return title, "", _strategy_url(event), ""
        case EventKind.VOTE:
            tone = "ok" if event.status == VoteChoice.SUPPORT else "bad"
            return str(VoteChoice(event.status).label), event.reason, _strategy_url(event), tone
        case EventKind.DECISION:
            title = _("Strategy %(status)s") % {"status": StrategyStatus(event.status).label}
            tone = "ok" if event.status == StrategyStatus.ACCEPTED else ""
            return title, event.reason, _strategy_url(event), tone
        case EventKind.RULE_PROPOSED:
            title = _("Rule “%(name)s” proposed") % {"name": event.text}
            return title, "", reverse("rules:detail", args=[event.rule_id]), ""
        case EventKind.RULE_MOVED:
            to = RuleStatus(event.status)
            title = f"{RuleStatus(event.previous_status).label} → {to.label}"
            return title, event.reason, "", _MOVE_TONES.get(to, "")
        case EventKind.GO_LIVE_BACKFILLED:
            title = _("Go-live backfilled to %(day)s (was %(previous)s)") % {
                "day": event.day.isoformat() if event.day else "",
                "previous": event.previous_day.isoformat() if event.previous_day else "",
            }
            return title, event.reason, "", ""
        case EventKind.EVALUATED:
            title = _("Evaluated: %(verdict)s") % {"verdict": EvaluationVerdict(event.status).label}
            detail = str(VerdictReason(event.verdict_reason).label)
            if event.lift is not None:
                detail += " · " + _("%(measure)s %(lift)+.1f%%") % {
                    "measure": MEASURE_LABELS[event.measure],
                    "lift": event.lift * 100,
                }
            if event.flagged:
                detail += " · " + _("flagged for the manager: retire in consecutive runs")
            url = reverse("evaluation:rule", args=[event.rule_id])
            return title, detail, url, _VERDICT_TONES[event.status]
    raise ValueError(event.kind)  # pragma: no cover (the match covers EventKind)


def timeline_entry(event: TimelineEvent) -> TimelineEntry:
    title, detail, url, tone = _words(event)
    return TimelineEntry(
        at=event.at,
        kind=_PAGE_KINDS[event.kind],
        title=title,
        detail=detail,
        actor=event.actor,
        url=url,
        tone=tone,
        reporter_id=event.reporter_id,
    )


# More entries, worded by whoever adds them: `source(rule) -> Iterable[TimelineEntry]`.
TimelineSource = Callable[[ExperienceRule], Iterable[TimelineEntry]]
_registered: list[TimelineSource] = []


def register_timeline_source(source: TimelineSource) -> TimelineSource:
    """Add a source of entries after the built-in events (idempotent).  Usable as a decorator."""
    if source not in _registered:
        _registered.append(source)
    return source


def rule_timeline(rule: ExperienceRule, *, viewer: Any = None) -> list[TimelineEntry]:
    """The rule's events in words, then any registered source's entries, oldest first (ties keep
    that order); for a `viewer`, without the reports they may not read."""
    entries = [timeline_entry(event) for event in rule_events(rule, viewer=viewer)]
    added = [entry for source in _registered for entry in source(rule)]
    # a stable sort: the events are in order already, and come before added entries of the same time
    return sorted([*entries, *timeline_readable(added, viewer)], key=lambda entry: entry.at)
