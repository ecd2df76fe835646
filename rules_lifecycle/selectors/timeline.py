"""A rule's traceability timeline: why the rule exists and how it did, oldest first.

From the first experience reports, through the issue(s) they were merged into, the strategy's
page, discussion, votes and official answer, to the rule's creation, every move and every
backfilled go-live date, and each change of the evaluation's verdict.

The timeline is built from *sources*: functions `source(rule) -> Iterable[TimelineEntry]`.
`rule_timeline` calls the built-in ones below, then any added with `register_timeline_source`.
Entries are sorted by time; ties keep source order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cxops.models import ExperienceReport, ReportStatus, SourceType
from cxops.selectors.reports import can_see_all_reports
from proposals.models import StrategyStatus, VoteChoice
from rules_lifecycle.models import (
    MEASURE_LABELS,
    EvaluationVerdict,
    ExperienceRule,
    RuleStatus,
    VerdictReason,
)

# How many of the earliest reports are shown one by one before the rest are summed up.
FIRST_REPORTS = 5
# Comments shown one by one; the rest are counted.
COMMENTS_SHOWN = 8

KIND_LABELS = {
    "report": _("Experience report"),
    "issue": _("Experience issue"),
    "strategy": _("Strategy"),
    "comment": _("Discussion"),
    "vote": _("Vote"),
    "decision": _("Official answer"),
    "rule": _("Rule"),
    "transition": _("Rule move"),
    "go_live": _("Go-live date"),
    "evaluation": _("Evaluation"),
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


TimelineSource = Callable[[ExperienceRule], Iterable[TimelineEntry]]


def _person(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _url_of(obj: Any) -> str:
    method = getattr(obj, "get_absolute_url", None)
    if method is None:
        return ""
    try:
        return method()
    except NoReverseMatch:  # the page for it is not installed
        return ""


def report_entries(rule: ExperienceRule) -> Iterable[TimelineEntry]:
    """The earliest reports merged into the rule's issues, and how many followed."""
    reports = ExperienceReport.objects.filter(issue__in=rule.issues.all()).exclude(
        status=ReportStatus.DISMISSED
    )
    first = list(reports.select_related("channel", "product").order_by("occurred_at", "id")[:FIRST_REPORTS])
    for report in first:
        yield TimelineEntry(
            at=report.occurred_at,
            kind="report",
            title=report.summary,
            detail=f"{SourceType(report.source_type).label} · {report.channel.name} · {report.product.name}",
            url=_url_of(report),
            reporter_id=report.reporter_id,
        )
    total = reports.count()
    if total > len(first):
        last = reports.order_by("-occurred_at", "-id").values_list("occurred_at", flat=True).first()
        yield TimelineEntry(
            at=last or first[-1].occurred_at,
            kind="report",
            title=gettext("%(count)d reports in all; the latest on this date") % {"count": total},
        )


def issue_entries(rule: ExperienceRule) -> Iterable[TimelineEntry]:
    """Each issue, dated by its first report: when the problem showed up."""
    for issue in rule.issues.all().select_related("created_by"):
        yield TimelineEntry(
            at=min(filter(None, (issue.first_reported_at, issue.created_at))),
            kind="issue",
            title=issue.title,
            detail=gettext("Experience issue: %(count)d reports merged into it")
            % {"count": issue.report_count},
            actor=_person(issue.created_by),
            url=_url_of(issue),
        )


def strategy_entries(rule: ExperienceRule) -> Iterable[TimelineEntry]:
    """The strategy's page, its status moves, discussion, votes and the official answer."""
    strategy = rule.strategy
    url = _url_of(strategy)
    revision_count = strategy.revisions.count()
    yield TimelineEntry(
        at=strategy.created_at,
        kind="strategy",
        title=strategy.title,
        detail=ngettext(
            "Strategy page opened; %(count)d revision since.",
            "Strategy page opened; %(count)d revisions since.",
            revision_count,
        )
        % {"count": revision_count},
        actor=_person(strategy.created_by),
        url=url,
    )
    decided = {StrategyStatus.ACCEPTED, StrategyStatus.REJECTED}
    for change in strategy.status_changes.select_related("actor").order_by("created_at", "id"):
        if change.to_status in decided and strategy.official_answer_at is not None:
            continue  # the official answer entry below tells it, with the answer's text
        yield TimelineEntry(
            at=change.created_at,
            kind="strategy",
            title=gettext("Strategy is now “%(status)s”")
            % {"status": StrategyStatus(change.to_status).label},
            detail=change.reason,
            actor=_person(change.actor),
            url=url,
        )
    comments = strategy.comments.filter(is_hidden=False).select_related("author").order_by("created_at", "id")
    shown = list(comments[:COMMENTS_SHOWN])
    for comment in shown:
        yield TimelineEntry(
            at=comment.created_at,
            kind="comment",
            title=Truncator(comment.body).chars(160),
            actor=_person(comment.author),
            url=f"{url}#comment-{comment.pk}" if url else "",
        )
    remaining = comments.count() - len(shown)
    if remaining > 0:
        last = comments.order_by("-created_at").values_list("created_at", flat=True).first()
        yield TimelineEntry(
            at=last or shown[-1].created_at,
            kind="comment",
            title=gettext("%(count)d more comments in the discussion") % {"count": remaining},
            url=url,
        )
    for vote in strategy.votes.select_related("voter").order_by("updated_at", "id"):
        yield TimelineEntry(
            at=vote.updated_at,
            kind="vote",
            title=str(VoteChoice(vote.choice).label),
            detail=vote.reason,
            actor=_person(vote.voter),
            url=url,
            tone="ok" if vote.choice == VoteChoice.SUPPORT else "bad",
        )
    if strategy.official_answer_at is not None:
        yield TimelineEntry(
            at=strategy.official_answer_at,
            kind="decision",
            title=gettext("Strategy %(status)s") % {"status": StrategyStatus(strategy.status).label},
            detail=strategy.official_answer,
            actor=_person(strategy.official_answer_by),
            url=url,
            tone="ok" if strategy.status == StrategyStatus.ACCEPTED else "",
        )


def rule_entries(rule: ExperienceRule) -> Iterable[TimelineEntry]:
    yield TimelineEntry(
        at=rule.created_at,
        kind="rule",
        title=gettext("Rule “%(name)s” proposed") % {"name": rule.name},
        actor=_person(rule.created_by),
        url=rule.get_absolute_url(),
    )


TRANSITION_TONES = {
    RuleStatus.LIVE: "ok",
    RuleStatus.KEPT: "ok",
    RuleStatus.RETIRED: "bad",
    RuleStatus.REJECTED: "bad",
}


def transition_entries(rule: ExperienceRule) -> Iterable[TimelineEntry]:
    for record in rule.transitions.all():  # prefetched with actors by rule_detail
        yield TimelineEntry(
            at=record.created_at,
            kind="transition",
            title=f"{record.from_label} → {record.to_label}",
            detail=record.reason,
            actor=_person(record.actor),
            tone=TRANSITION_TONES.get(RuleStatus(record.to_status), ""),
        )


def go_live_backfill_entries(rule: ExperienceRule) -> Iterable[TimelineEntry]:
    """Each correction of the go-live date: who recorded which real date, and why."""
    for record in rule.go_live_backfills.all():  # prefetched with actors by rule_detail
        yield TimelineEntry(
            at=record.created_at,
            kind="go_live",
            title=gettext("Go-live backfilled to %(day)s (was %(previous)s)")
            % {"day": record.go_live_on.isoformat(), "previous": record.previous_go_live_on.isoformat()},
            detail=record.reason,
            actor=_person(record.actor),
        )


_TONES = {"keep": "ok", "improve": "warn", "retire": "bad", "undecided": ""}


def evaluation_entries(rule: ExperienceRule) -> Iterable[TimelineEntry]:
    """One entry per change of verdict (not per daily run: the timeline tells the story)."""
    url = reverse("evaluation:rule", args=[rule.pk])
    previous: tuple[str, str] | None = None
    for ev in rule.evaluations.order_by("run_on", "id").only(
        "run_on",
        "created_at",
        "verdict",
        "reason",
        "flagged_for_retirement",
        "primary_lift",
        "primary_measure",
    ):
        key = (ev.verdict, ev.reason)
        if key == previous and not ev.flagged_for_retirement:
            continue
        previous = key
        title = gettext("Evaluated: %(verdict)s") % {"verdict": EvaluationVerdict(ev.verdict).label}
        detail = str(VerdictReason(ev.reason).label)
        if ev.primary_lift is not None:
            detail += " · " + gettext("%(measure)s %(lift)+.1f%%") % {
                "measure": MEASURE_LABELS[ev.primary_measure],
                "lift": ev.primary_lift * 100,
            }
        if ev.flagged_for_retirement:
            detail += " · " + gettext("flagged for the manager: retire in consecutive runs")
        yield TimelineEntry(
            at=ev.created_at, kind="evaluation", title=title, detail=detail, url=url, tone=_TONES[ev.verdict]
        )


BUILT_IN_SOURCES: tuple[TimelineSource, ...] = (
    report_entries,
    issue_entries,
    strategy_entries,
    rule_entries,
    transition_entries,
    go_live_backfill_entries,
    evaluation_entries,
)
_registered: list[TimelineSource] = []


def register_timeline_source(source: TimelineSource) -> TimelineSource:
    """Add a source (idempotent).  Usable as a decorator."""
    if source not in _registered:
        _registered.append(source)
    return source


def timeline_sources() -> list[TimelineSource]:
    return [*BUILT_IN_SOURCES, *_registered]


def rule_timeline(rule: ExperienceRule, *, viewer: Any = None) -> list[TimelineEntry]:
    """Every entry from every source, oldest first; for a `viewer`, without the reports they may
    not read (someone else's, unless they are an analyst)."""
    entries = [(entry, order) for order, source in enumerate(timeline_sources()) for entry in source(rule)]
    if viewer is not None and not can_see_all_reports(viewer):
        entries = [
            (entry, order)
            for entry, order in entries
            if entry.reporter_id is None or entry.reporter_id == viewer.pk
        ]
    entries.sort(key=lambda pair: (pair[0].at, pair[1]))
    return [entry for entry, _order in entries]
