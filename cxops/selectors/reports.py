"""Reads of reports and issues: filtered lists with keyset pages, similar issues.  Who may see what
is `cxops.selectors.visibility` (re-exported here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.db.models import QuerySet
from django.utils.translation import get_language

from cxops.matching.analysis import highlight
from cxops.models import Channel
from cxops.models import ExperienceIssue
from cxops.models import ExperienceReport
from cxops.models import IssueDailyRollup
from cxops.models import Product
from cxops.models import ReportStatus
from cxops.regions import region_scope_id
from cxops.selectors.matching import current_lexicon
from cxops.selectors.matching import issues_matching
from cxops.selectors.visibility import alerts_visible_to
from cxops.selectors.visibility import can_see_all_reports
from cxops.selectors.visibility import import_jobs_visible_to
from cxops.selectors.visibility import issues_visible_to
from cxops.selectors.visibility import reports_visible_to

__all__ = [
    "alerts_visible_to",
    "can_see_all_reports",
    "import_jobs_visible_to",
    "issues_visible_to",
    "reports_visible_to",
]

PAGE_SIZE = 50


def issue_regions(issue_ids: list[int]) -> dict[int, list[str]]:
    """{issue id: region codes of its reports, in region order} (one query)."""
    result: dict[int, list[str]] = {pk: [] for pk in issue_ids}
    rows = (
        ExperienceReport.objects.filter(issue_id__in=issue_ids)
        .values_list("issue_id", "region__code", "region__sort_order")
        .distinct()
        .order_by("issue_id", "region__sort_order")
    )
    for issue_id, code, _order in rows:
        result[issue_id].append(code)
    return result


@dataclass
class KeysetPage:
    items: list[Any]
    next_before: int | None  # pass as ?before= for the next (older) page; None on the last page
    is_first: bool


def keyset_page(queryset: QuerySet, *, before: int | None, size: int = PAGE_SIZE) -> KeysetPage:
    """One page of a `-id` ordered queryset, without COUNT(*): fetch one row more to know if there is more."""
    if before:
        queryset = queryset.filter(pk__lt=before)
    rows = list(queryset.order_by("-id")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(items=rows, next_before=rows[-1].pk if has_more else None, is_first=not before)


def bounded_count(queryset: QuerySet, *, limit: int = 1000) -> tuple[int, bool]:
    """(count, capped): counts at most `limit` rows, so a badge never scans a huge table."""
    n = queryset.order_by()[: limit + 1].count()
    return min(n, limit), n > limit


# --- issues ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimilarIssue:
    issue_id: int
    title: str
    highlighted: str
    score: float
    report_count: int
    status: str
    product: str
    # What the text and the issue share: concept names (in the request's language) and words.
    terms: tuple[str, ...] = ()
    product_id: int | None = None  # the filing form fills its product in when the report is attached


def issues_similar_to(
    text: str,
    *,
    user: Any = None,
    limit: int = 5,
    include_closed: bool = False,
    report_id: int | None = None,
) -> list[SimilarIssue]:
    """Issues that mean what `text` means (concepts and words, every open issue a candidate),
    best first, their titles highlighted; only issues `user` may see (`issues_visible_to`; None,
    for benchmarks and internal callers only, is no member's scope).  See
    `cxops.selectors.matching.issues_matching`."""
    scoped = region_scope_id(user) is not None
    # a city member's suggestions are their city's issues: look further down the ranking for them
    matches = issues_matching(
        text, limit=limit * 4 if scoped else limit, include_closed=include_closed, report_id=report_id
    )
    if not matches:
        return []
    visible = issues_visible_to(user, queryset=ExperienceIssue.objects.all())
    details = {
        row[0]: row
        for row in visible.filter(pk__in=[match.issue_id for match in matches]).values_list(
            "pk", "title", "report_count", "status", "product__name_zh", "product__name_en", "product_id"
        )
    }
    lexicon = current_lexicon()
    english = (get_language() or "").startswith("en")
    query = lexicon.analyse(text)
    result: list[SimilarIssue] = []
    for match in matches:
        row = details.get(match.issue_id)
        if row is None:  # deleted meanwhile, or another city's
            continue
        if len(result) >= limit:
            break
        ordered = [found.term for found in query.terms if found.term in match.shared]
        terms = tuple(dict.fromkeys(lexicon.label(term, english=english) for term in ordered))
        result.append(
            SimilarIssue(
                issue_id=row[0],
                title=row[1],
                highlighted=highlight(row[1], lexicon.analyse(row[1]), match.shared),
                score=match.score,
                report_count=row[2],
                status=row[3],
                product=(row[5] if english else row[4]) or "",
                terms=terms,
                product_id=row[6],
            )
        )
    return result


def recent_filing_choices(user: Any, *, limit: int = 4) -> tuple[list[Product], list[Channel]]:
    """The products and channels `user` filed under most recently (newest first, at most `limit`
    each): offered first on the filing form, one tap away — remembered on the server, so a new
    browser or a colleague's desk gets them too.  Read from the user's last 100 reports."""
    rows = list(
        ExperienceReport.objects.filter(reporter=user)
        .order_by("-id")
        .values_list("product_id", "channel_id")[:100]
    )
    product_ids = list(dict.fromkeys(product for product, _channel in rows))[:limit]
    channel_ids = list(dict.fromkeys(channel for _product, channel in rows))[:limit]
    products = Product.objects.filter(is_active=True).in_bulk(product_ids)
    channels = Channel.objects.filter(is_active=True).in_bulk(channel_ids)
    return (
        [products[pk] for pk in product_ids if pk in products],
        [channels[pk] for pk in channel_ids if pk in channels],
    )


def issue_daily_counts(*, issue: ExperienceIssue, days: int = 365) -> list[tuple[date, int]]:
    """Daily report counts of the issue (from the rollups), zero-filled, over the issue's span."""
    rows = dict(
        IssueDailyRollup.objects.filter(issue=issue, count__gt=0).order_by("day").values_list("day", "count")
    )
    if not rows:
        return []
    last = max(rows)
    first = max(min(rows), last - timedelta(days=days - 1))
    return [
        (first + timedelta(days=i), rows.get(first + timedelta(days=i), 0))
        for i in range((last - first).days + 1)
    ]


def issue_channels(*, issue: ExperienceIssue) -> list[dict[str, Any]]:
    return list(
        ExperienceReport.objects.filter(issue=issue, status=ReportStatus.LINKED)
        .values("channel__name_zh", "channel__name_en", "channel__code")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
