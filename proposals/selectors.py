"""Reads for the pool: the list with filters and sorts, the discussion thread, search, diffs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case
from django.db.models import Count
from django.db.models import IntegerField
from django.db.models import Prefetch
from django.db.models import QuerySet
from django.db.models import Value
from django.db.models import When
from django.utils.safestring import SafeString

from cxops.models import ExperienceIssue
from cxops.models import ExperienceReport
from cxops.models import Follow
from cxops.models import Region
from cxops.search import all_terms_q
from cxops.search import marked_html
from cxops.selectors.visibility import issues_visible_to
from cxops.selectors.visibility import reports_visible_to
from cxops.similarity import normalise
from cxops.similarity import rank

from .diff import DiffLine
from .diff import combined_inline_diff
from .diff import line_diff
from .markdown import markdown_plain_text
from .models import Comment
from .models import Revision
from .models import Strategy
from .models import StrategyStatus

S = StrategyStatus
STATUS_ORDER = [S.VOTING, S.DISCUSSION, S.DRAFT, S.ACCEPTED, S.REJECTED, S.WITHDRAWN, S.MERGED]
STATUS_RANK = Case(
    *[When(status=code, then=Value(index)) for index, code in enumerate(STATUS_ORDER)],
    output_field=IntegerField(),
)
# The "status" sort orders by the rank expression itself: no annotation is computed, selected and
# set on every row of every other sort (the pool's default is "activity").
SORTS: dict[str, list[Any]] = {
    "activity": ["-last_activity_at", "-id"],
    "votes": ["-support_count", "oppose_count", "-last_activity_at", "-id"],
    "status": [STATUS_RANK.asc(), "-last_activity_at", "-id"],
    "new": ["-created_at", "-id"],
}


def search_terms(query: str) -> list[str]:
    """Whitespace-separated terms, normalised (full-width folded, lower case), at most 8."""
    return [term for term in normalise(query).split() if term][:8]


def strategies_read_by(user: Any, *, queryset: QuerySet | None = None) -> QuerySet[Strategy]:
    """The pool as `user` reads it: every strategy, for every member (全员参与; the issues a
    strategy links are what a city member's scope hides, on its page).  Each with its product,
    creator, tags and cities."""
    if queryset is None:
        queryset = Strategy.objects.select_related("product", "created_by")
    return queryset.prefetch_related("tags", "regions")


def strategies_matching(queryset: QuerySet, query: str) -> QuerySet:
    """Strategies holding every term of `query` (substrings: Chinese needs no word breaking)."""
    for term in search_terms(query):
        # search_document is stored lower-cased, so a plain substring test matches any case.
        queryset = queryset.filter(search_document__contains=term)
    return queryset


def strategies_followed_by(queryset: QuerySet, user: Any) -> QuerySet:
    followed = Follow.objects.filter(
        user=user, target_type=ContentType.objects.get_for_model(Strategy)
    ).values("target_id")
    return queryset.filter(pk__in=followed)


def strategy_list(*, query: str = "", status: str = "", sort: str = "activity") -> QuerySet[Strategy]:
    """Strategies matching `query` (the global search and the pool search); the pool's list with
    all its filters is `proposals.filters.StrategyFilterSet`."""
    queryset = strategies_matching(strategies_read_by(None), query)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by(*SORTS.get(sort, SORTS["activity"]))


def status_counts() -> dict[str, int]:
    rows = Strategy.objects.values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


@dataclass
class ThreadNode:
    comment: Comment
    depth: int
    children: list[ThreadNode] = field(default_factory=list)


def comment_thread(strategy: Strategy) -> list[ThreadNode]:
    """Top-level comments in posting order, each with its replies nested below it."""
    comments = list(
        Comment.objects.filter(strategy=strategy)
        .select_related("author", "hidden_by")
        .prefetch_related(Prefetch("edits"))
        .order_by("created_at", "id")
    )
    nodes = {comment.pk: ThreadNode(comment=comment, depth=0) for comment in comments}
    roots: list[ThreadNode] = []
    for comment in comments:
        node = nodes[comment.pk]
        parent = nodes.get(comment.parent_id) if comment.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            node.depth = parent.depth + 1
            parent.children.append(node)
    return roots


def flatten_thread(roots: list[ThreadNode]) -> list[ThreadNode]:
    """Depth-first order for rendering with indentation (keeps focus order = reading order)."""
    flat: list[ThreadNode] = []

    def walk(node: ThreadNode) -> None:
        flat.append(node)
        for child in node.children:
            walk(child)

    for root in roots:
        walk(root)
    return flat


# --- diffs --------------------------------------------------------------------------------

FIELD_LABELS = [
    ("title", "Title"),
    ("product", "Product"),
    ("layer", "Experience layer"),
    ("experience_event", "Experience event"),
    ("issues", "Experience issues"),
    ("strategy_text", "Strategy"),
    ("tags", "Tags"),
    ("regions", "Cities"),
    ("body", "Body"),
]


@dataclass
class FieldDiff:
    name: str
    inline: SafeString | None = None  # short fields: one line with <ins>/<del>
    lines: list[DiffLine] | None = None  # long fields: changed lines with context


def _field_text(revision: Revision, name: str, reader: Any = None) -> str:
    if name == "product":
        return revision.product.name
    if name == "layer":
        return revision.get_layer_display()
    if name == "issues":
        issues = ExperienceIssue.objects.filter(pk__in=revision.issue_ids)
        if reader is not None:  # another city's issue: its number only, never its title
            issues = issues_visible_to(reader, queryset=issues)
        titles = dict(issues.values_list("pk", "title"))
        return "、".join(f"#{pk} {titles.get(pk, '')}".strip() for pk in revision.issue_ids)
    if name == "tags":
        return "、".join(revision.tag_names)
    if name == "regions":
        names = {region.code: region.name for region in Region.objects.filter(code__in=revision.region_codes)}
        return "、".join(names.get(code, code) for code in revision.region_codes)
    return getattr(revision, name)


def revision_diff(old: Revision, new: Revision, *, reader: Any = None) -> list[FieldDiff]:
    """Only the fields that changed, in page order; multi-line fields as line diffs.  `reader`: the
    titles of linked issues they may not see are left out (their numbers stay)."""
    changed: list[FieldDiff] = []
    for name, _label in FIELD_LABELS:
        before, after = _field_text(old, name, reader), _field_text(new, name, reader)
        if before == after:
            continue
        if name in ("body", "experience_event", "strategy_text") and ("\n" in before or "\n" in after):
            changed.append(FieldDiff(name=name, lines=line_diff(before, after)))
        else:
            changed.append(FieldDiff(name=name, inline=combined_inline_diff(before, after)))
    return changed


# --- search -------------------------------------------------------------------------------


def snippet(text: str, terms: list[str], *, width: int = 60) -> SafeString:
    """A piece of `text` around the first term found, escaped, with every term in <mark>."""
    folded = normalise(text)
    if len(folded) != len(text):
        folded = text.lower()
    positions = [folded.find(term) for term in terms if term and folded.find(term) >= 0]
    start = max(0, min(positions) - width // 2) if positions else 0
    end = min(len(text), start + width * 2)
    piece, piece_folded = text[start:end], folded[start:end]
    marks = [False] * len(piece)
    for term in terms:
        index = piece_folded.find(term)
        while term and index != -1:
            for i in range(index, min(index + len(term), len(piece))):
                marks[i] = True
            index = piece_folded.find(term, index + 1)
    return marked_html(text, start, end, marks)


@dataclass
class SearchHit:
    object: Any
    snippet: SafeString
    similar: bool = False  # found by shared character pairs, not by the exact words


@dataclass
class SearchResults:
    query: str
    terms: list[str]
    strategies: list[SearchHit]
    issues: list[SearchHit]
    reports: list[SearchHit]

    @property
    def total(self) -> int:
        return len(self.strategies) + len(self.issues) + len(self.reports)


def pool_search(*, user: Any, query: str, limit: int = 20) -> SearchResults:
    """Strategies (title, scenario, body, comments), issues and reports matching every term.

    Chinese has no spaces, so each term is matched as a substring; when exact matches are few,
    strategies sharing character pairs with the query (e.g. 飞信下载失败 ~ 飞信客户端下载) are added
    and marked as similar.  Reports are shown to analysts; others see only their own.
    """
    terms = search_terms(query)
    if not terms:
        return SearchResults(query=query, terms=[], strategies=[], issues=[], reports=[])
    strategies = list(strategy_list(query=query)[:limit])
    hits = [SearchHit(s, snippet(_strategy_text(s, terms), terms)) for s in strategies]
    if len(hits) < 5:
        seen = {s.pk for s in strategies}
        candidates = [
            (s.pk, f"{s.title} {s.experience_event} {s.strategy_text}")
            for s in Strategy.objects.exclude(pk__in=seen).order_by("-last_activity_at")[:500]
        ]
        matches = rank(" ".join(terms), candidates, limit=5, threshold=0.3)
        by_pk = Strategy.objects.select_related("product").in_bulk([m.key for m in matches])
        hits += [SearchHit(by_pk[m.key], m.highlighted, similar=True) for m in matches if m.key in by_pk]

    issues = issues_visible_to(
        user,
        queryset=ExperienceIssue.objects.filter(all_terms_q(terms, ["title", "description"])).select_related(
            "product"
        ),
    )[:limit]
    issue_hits = [SearchHit(i, snippet(f"{i.title} {i.description}", terms)) for i in issues]

    # who sees which reports (role, reporter, home region) is decided in one place
    reports = reports_visible_to(
        user,
        queryset=ExperienceReport.objects.filter(all_terms_q(terms, ["summary", "detail"])).select_related(
            "product", "channel"
        ),
    )
    report_hits = [SearchHit(r, snippet(f"{r.summary} {r.detail}", terms)) for r in reports[:limit]]
    return SearchResults(query=query, terms=terms, strategies=hits, issues=issue_hits, reports=report_hits)


def _strategy_text(strategy: Strategy, terms: list[str]) -> str:
    """The page's own text when every term is in it (keeps its case), else the whole document
    (the match may be in a comment or a tag) — as plain words, never raw Markdown marks."""
    body = markdown_plain_text(strategy.body)
    text = re.sub(
        r"\s+", " ", f"{strategy.title} {strategy.experience_event} {strategy.strategy_text} {body}"
    )
    folded = normalise(text)
    return text if all(term in folded for term in terms) else markdown_plain_text(strategy.search_document)
