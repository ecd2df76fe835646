"""A rule's traceability timeline, as data: why the rule exists and how it did, oldest first.

From the first experience reports, through the issue(s) they were merged into, the strategy's
page, discussion, votes and official answer, to the rule's creation, every move and every
backfilled go-live date, and each change of the evaluation's verdict.

Each event says what happened in codes, ids, times, names and figures (`TimelineEvent`);
`rules_lifecycle.presenters.rule_timeline` words them (titles, links, colours) for the rule page.
Events come from *sources*, functions `source(rule) -> Iterable[TimelineEvent]`, called in
`TIMELINE_SOURCES` order; `rule_events` sorts them by time, ties keeping source order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from typing import Protocol
from typing import TypeVar

from cxops.models import ExperienceReport
from cxops.models import ReportStatus
from cxops.models.acts import Act
from cxops.people import display_name
from cxops.selectors.reports import can_see_all_reports
from proposals.models import StrategyStatus
from rules_lifecycle.models import ExperienceRule

# How many of the earliest reports are told one by one before the rest are summed up.
FIRST_REPORTS = 5
# Comments told one by one; the rest are counted.
COMMENTS_SHOWN = 8


class EventKind(StrEnum):
    """What happened."""

    REPORT = "report"  # one of the earliest reports
    REPORTS_SUMMED = "reports_summed"  # how many reports in all, dated by the latest
    ISSUE = "issue"  # an issue the reports were merged into, dated by its first report
    STRATEGY_OPENED = "strategy_opened"
    STRATEGY_MOVED = "strategy_moved"  # a status change, other than the decision
    COMMENT = "comment"
    COMMENTS_SUMMED = "comments_summed"  # how many more comments, dated by the latest
    VOTE = "vote"
    DECISION = "decision"  # the official answer
    RULE_PROPOSED = "rule_proposed"
    RULE_MOVED = "rule_moved"
    GO_LIVE_BACKFILLED = "go_live_backfilled"
    EVALUATED = "evaluated"  # a change of the evaluation's verdict (or a retirement flag)


@dataclass(frozen=True)
class TimelineEvent:
    at: dt.datetime
    kind: EventKind
    actor: str = ""  # who did it: full name, else username
    text: str = ""  # as written: the report's summary, the issue's or strategy's title, the comment
    reason: str = ""  # as written: why a move or vote was made, the official answer
    status: str = ""  # the code reached: StrategyStatus, VoteChoice, RuleStatus or EvaluationVerdict
    previous_status: str = ""  # a rule move's RuleStatus before
    count: int | None = None  # reports or comments summed, an issue's reports, a strategy's revisions
    # a report's where from: SourceType code, channel and product names
    source_type: str = ""
    channel: str = ""
    product: str = ""
    # a go-live backfill's recorded day and the day it replaced
    day: dt.date | None = None
    previous_day: dt.date | None = None
    # an evaluation's VerdictReason code, primary Measure code and lift, retirement flag
    verdict_reason: str = ""
    measure: str = ""
    lift: float | None = None
    flagged: bool = False
    # what it is about
    report_id: int | None = None
    issue_id: int | None = None
    strategy_id: int | None = None
    comment_id: int | None = None
    rule_id: int | None = None
    # Set on one report's event: only its reporter and analysts may read it (PRODUCT.md).
    reporter_id: int | None = None


TimelineSource = Callable[[ExperienceRule], Iterable[TimelineEvent]]


def _act(record: Act, kind: EventKind, **data: Any) -> TimelineEvent:
    """The event of a stored act: when, who, why (a strategy's status change, a rule's move, a
    go-live backfill)."""
    return TimelineEvent(
        at=record.created_at, kind=kind, actor=display_name(record.actor), reason=record.reason, **data
    )


def report_events(rule: ExperienceRule) -> Iterable[TimelineEvent]:
    """The earliest reports merged into the rule's issues, and how many in all."""
    reports = ExperienceReport.objects.filter(issue__in=rule.issues.all()).exclude(
        status=ReportStatus.DISMISSED
    )
    first = list(reports.select_related("channel", "product").order_by("occurred_at", "id")[:FIRST_REPORTS])
    for report in first:
        yield TimelineEvent(
            at=report.occurred_at,
            kind=EventKind.REPORT,
            text=report.summary,
            source_type=report.source_type,
            channel=report.channel.name,
            product=report.product.name,
            report_id=report.pk,
            issue_id=report.issue_id,
            reporter_id=report.reporter_id,
        )
    total = reports.count()
    if total > len(first):
        last = reports.order_by("-occurred_at", "-id").values_list("occurred_at", flat=True).first()
        yield TimelineEvent(at=last or first[-1].occurred_at, kind=EventKind.REPORTS_SUMMED, count=total)


def issue_events(rule: ExperienceRule) -> Iterable[TimelineEvent]:
    """Each issue, dated by its first report: when the problem showed up."""
    for issue in rule.issues.all().select_related("created_by"):
        yield TimelineEvent(
            at=min(filter(None, (issue.first_reported_at, issue.created_at))),
            kind=EventKind.ISSUE,
            text=issue.title,
            count=issue.report_count,
            actor=display_name(issue.created_by),
            issue_id=issue.pk,
        )


def strategy_events(rule: ExperienceRule) -> Iterable[TimelineEvent]:
    """The strategy's page, its status moves, discussion, votes and the official answer."""
    strategy = rule.strategy
    yield TimelineEvent(
        at=strategy.created_at,
        kind=EventKind.STRATEGY_OPENED,
        text=strategy.title,
        count=strategy.revisions.count(),
        actor=display_name(strategy.created_by),
        strategy_id=strategy.pk,
    )
    decided = {StrategyStatus.ACCEPTED, StrategyStatus.REJECTED}
    for change in strategy.status_changes.select_related("actor").order_by("created_at", "id"):
        if change.to_status in decided and strategy.official_answer_at is not None:
            continue  # the decision event tells it, with the answer's text
        yield _act(change, EventKind.STRATEGY_MOVED, status=change.to_status, strategy_id=strategy.pk)
    comments = strategy.comments.filter(is_hidden=False).select_related("author").order_by("created_at", "id")
    shown = list(comments[:COMMENTS_SHOWN])
    for comment in shown:
        yield TimelineEvent(
            at=comment.created_at,
            kind=EventKind.COMMENT,
            text=comment.body,
            actor=display_name(comment.author),
            strategy_id=strategy.pk,
            comment_id=comment.pk,
        )
    remaining = comments.count() - len(shown)
    if remaining > 0:
        last = comments.order_by("-created_at").values_list("created_at", flat=True).first()
        yield TimelineEvent(
            at=last or shown[-1].created_at,
            kind=EventKind.COMMENTS_SUMMED,
            count=remaining,
            strategy_id=strategy.pk,
        )
    for vote in strategy.votes.select_related("voter").order_by("updated_at", "id"):
        yield TimelineEvent(
            at=vote.updated_at,
            kind=EventKind.VOTE,
            status=vote.choice,
            reason=vote.reason,
            actor=display_name(vote.voter),
            strategy_id=strategy.pk,
        )
    if strategy.official_answer_at is not None:
        yield TimelineEvent(
            at=strategy.official_answer_at,
            kind=EventKind.DECISION,
            status=strategy.status,
            reason=strategy.official_answer,
            actor=display_name(strategy.official_answer_by),
            strategy_id=strategy.pk,
        )


def rule_proposed_events(rule: ExperienceRule) -> Iterable[TimelineEvent]:
    yield TimelineEvent(
        at=rule.created_at,
        kind=EventKind.RULE_PROPOSED,
        text=rule.name,
        actor=display_name(rule.created_by),
        rule_id=rule.pk,
    )


def rule_move_events(rule: ExperienceRule) -> Iterable[TimelineEvent]:
    for record in rule.transitions.all():  # prefetched with actors by rule_detail
        yield _act(
            record,
            EventKind.RULE_MOVED,
            previous_status=record.from_status,
            status=record.to_status,
            rule_id=rule.pk,
        )


def go_live_backfill_events(rule: ExperienceRule) -> Iterable[TimelineEvent]:
    """Each correction of the go-live date: who recorded which real date, and why."""
    for record in rule.go_live_backfills.all():  # prefetched with actors by rule_detail
        yield _act(
            record,
            EventKind.GO_LIVE_BACKFILLED,
            day=record.go_live_on,
            previous_day=record.previous_go_live_on,
            rule_id=rule.pk,
        )


def evaluation_events(rule: ExperienceRule) -> Iterable[TimelineEvent]:
    """One event per change of verdict (not per daily run: the timeline tells the story)."""
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
        yield TimelineEvent(
            at=ev.created_at,
            kind=EventKind.EVALUATED,
            status=ev.verdict,
            verdict_reason=ev.reason,
            measure=ev.primary_measure,
            lift=ev.primary_lift,
            flagged=ev.flagged_for_retirement,
            rule_id=rule.pk,
        )


TIMELINE_SOURCES: tuple[TimelineSource, ...] = (
    report_events,
    issue_events,
    strategy_events,
    rule_proposed_events,
    rule_move_events,
    go_live_backfill_events,
    evaluation_events,
)


class AboutAReport(Protocol):
    @property
    def reporter_id(self) -> int | None: ...


Item = TypeVar("Item", bound=AboutAReport)


def timeline_readable(items: Iterable[Item], viewer: Any) -> list[Item]:
    """The items `viewer` may read (all of them for None, no one in particular): an item about one
    report only for its reporter and analysts (PRODUCT.md)."""
    if viewer is None or can_see_all_reports(viewer):
        return list(items)
    return [item for item in items if item.reporter_id is None or item.reporter_id == viewer.pk]


def rule_events(rule: ExperienceRule, *, viewer: Any = None) -> list[TimelineEvent]:
    """Every event from every source, oldest first; for a `viewer`, without the reports they may
    not read (someone else's, unless they are an analyst)."""
    events = [(event, order) for order, source in enumerate(TIMELINE_SOURCES) for event in source(rule)]
    events.sort(key=lambda pair: (pair[0].at, pair[1]))
    return timeline_readable((event for event, _order in events), viewer)
