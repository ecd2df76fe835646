"""Reads for matching by meaning: the lexicon in force, corpus statistics, ranked open issues.

Candidates come from an index over every open issue, not from the most recent few: on PostgreSQL
the profiles' generated `search` tsvector (GIN index) is asked for issues holding any of the
query's rarer terms, or all of its three rarest together; on SQLite (development, tests) the open
profiles are read and filtered in Python.  The candidates are then scored in Python
(`cxops.matching.analysis.rank`).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from cxops.matching.analysis import Concept, Lexicon, TermStatistics, rank
from cxops.matching.builtin_lexicon import BUILTIN_CONCEPTS
from cxops.models import IssueMatchProfile, IssueStatus, MatchConcept, MatchRejection

# Analysts' lexicon changes reach every process within this many seconds (the save also clears
# this process's copy at once).
LEXICON_CHECK_SECONDS = 30
# Corpus statistics are recomputed at most this often; below STATISTICS_EXACT_BELOW profiles
# they are recomputed after every profile change (cheap at that size, and exact in tests).
STATISTICS_SECONDS = 300
STATISTICS_EXACT_BELOW = 2_000
CANDIDATES = 300
# Any two of the rarest PAIR_TERMS query terms retrieve an issue: 4 terms make 6 pairs (6 made 15,
# and at 100,000 issues the index then handed over thousands of rows to rank).
PAIR_TERMS = 4
THRESHOLD = 0.2

_lock = threading.Lock()
_lexicon: dict[str, Any] = {"lexicon": None, "key": None, "checked": 0.0}
_statistics: dict[str, Any] = {"value": None, "at": 0.0}


def _lexicon_key() -> tuple:
    return tuple(MatchConcept.objects.order_by().values_list("pk", "updated_at"))


def lexicon_concepts() -> list[Concept]:
    """Built-in concepts merged with the analysts' (an analyst's code extends a built-in one; a
    deactivated row with a built-in code switches that built-in concept off)."""
    merged: dict[str, Concept] = {
        code: Concept(code, zh, en, tuple(aliases)) for code, zh, en, aliases in BUILTIN_CONCEPTS
    }
    for row in MatchConcept.objects.order_by("code"):
        if not row.is_active:
            merged.pop(row.code, None)
            continue
        base = merged.get(row.code)
        aliases = (*(base.aliases if base else ()), *row.alias_list())
        merged[row.code] = Concept(row.code, row.label_zh, row.label_en or row.label_zh, aliases)
    return list(merged.values())


def current_lexicon() -> Lexicon:
    now = time.monotonic()
    with _lock:
        cached = _lexicon["lexicon"]
        if cached is not None and now - _lexicon["checked"] < LEXICON_CHECK_SECONDS:
            return cached
    key = _lexicon_key()
    with _lock:
        if _lexicon["lexicon"] is None or _lexicon["key"] != key:
            _lexicon["lexicon"] = Lexicon(lexicon_concepts())
            _lexicon["key"] = key
        _lexicon["checked"] = now
        return _lexicon["lexicon"]


@dataclass(frozen=True)
class LexiconEntry:
    """One concept as the lexicon page lists it: the built-in part and the analysts' row."""

    code: str
    label_zh: str
    label_en: str
    builtin_aliases: tuple[str, ...]
    local_aliases: tuple[str, ...]
    row: MatchConcept | None
    is_builtin: bool

    @property
    def is_active(self) -> bool:
        return self.row.is_active if self.row is not None else True


LEXICON_PAGE_MAX = 1_000


def lexicon_entries(*, query: str = "", state: str = "") -> list[LexiconEntry]:
    """Every concept (built-in and the analysts'), those whose code, names or aliases contain
    `query` (folded like matched text: full-width, case); `state` "active", "inactive", "builtin"
    or "local" narrows the list.  Sorted by code."""
    from cxops.matching.analysis import normalise

    rows = {row.code: row for row in MatchConcept.objects.order_by("code")}
    builtin = {code: (zh, en, tuple(aliases)) for code, zh, en, aliases in BUILTIN_CONCEPTS}
    entries = []
    for code in sorted(builtin.keys() | rows.keys()):
        row = rows.get(code)
        zh, en, aliases = builtin.get(code, ("", "", ()))
        entries.append(
            LexiconEntry(
                code=code,
                label_zh=row.label_zh if row else zh,
                label_en=(row.label_en or row.label_zh) if row else en,
                builtin_aliases=aliases,
                local_aliases=tuple(row.alias_list()) if row else (),
                row=row,
                is_builtin=code in builtin,
            )
        )
    needle = normalise(query).strip()
    if needle:
        entries = [
            entry
            for entry in entries
            if needle
            in normalise(
                " ".join(
                    (entry.code, entry.label_zh, entry.label_en, *entry.builtin_aliases, *entry.local_aliases)
                )
            )
        ]
    if state == "active":
        entries = [entry for entry in entries if entry.is_active]
    elif state == "inactive":
        entries = [entry for entry in entries if not entry.is_active]
    elif state == "builtin":
        entries = [entry for entry in entries if entry.is_builtin]
    elif state == "local":
        entries = [entry for entry in entries if entry.row is not None]
    return entries[:LEXICON_PAGE_MAX]


def builtin_concept(code: str) -> tuple[str, str, tuple[str, ...]] | None:
    for builtin_code, zh, en, aliases in BUILTIN_CONCEPTS:
        if builtin_code == code:
            return zh, en, tuple(aliases)
    return None


def forget_lexicon() -> None:
    with _lock:
        _lexicon["lexicon"] = None


def forget_term_statistics(*, unless_large: bool = False) -> None:
    with _lock:
        value = _statistics["value"]
        if unless_large and value is not None and value.documents >= STATISTICS_EXACT_BELOW:
            return
        _statistics["value"] = None


def term_statistics() -> TermStatistics:
    """Document frequency of every term over all issue profiles (open and closed): the corpus
    the platform has built from its own issues and the reports merged into them."""
    now = time.monotonic()
    with _lock:
        if _statistics["value"] is not None and now - _statistics["at"] < STATISTICS_SECONDS:
            return _statistics["value"]
    documents = IssueMatchProfile.objects.count()
    frequency: Counter[str] = Counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT word, ndoc FROM ts_stat('SELECT search FROM cxops_issuematchprofile')")
            frequency.update(dict(cursor.fetchall()))
    else:
        for terms in IssueMatchProfile.objects.values_list("terms", flat=True).iterator(chunk_size=2000):
            frequency.update(set(terms.split()))
    value = TermStatistics(documents=documents, frequency=dict(frequency))
    with _lock:
        _statistics["value"], _statistics["at"] = value, now
    return value


def _quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def retrieval_query(terms: Iterable[str], statistics: TermStatistics) -> str:
    """A tsquery: any rare term alone, or any two of the four rarest together (a text's true issue
    shares at least two of its telling terms, or one rare one).  Common terms alone (客服, 手机)
    would bring half the corpus to be scored."""
    ordered = sorted(set(terms), key=lambda term: (statistics.frequency.get(term, 0), term))
    if not ordered:
        return ""
    if len(ordered) == 1:
        return _quote(ordered[0])
    rare_limit = max(50, statistics.documents // 1000)
    parts = [_quote(term) for term in ordered if statistics.frequency.get(term, 0) <= rare_limit]
    parts += [f"({_quote(a)} & {_quote(b)})" for a, b in itertools.combinations(ordered[:PAIR_TERMS], 2)]
    return " | ".join(parts)


# The index finds the profiles holding the query; ts_rank orders them so that the best
# `CANDIDATES` are scored in Python (it reads only the rows the index found).
_CANDIDATES_ALL = (
    "SELECT p.issue_id, p.terms FROM cxops_issuematchprofile p, CAST(%s AS tsquery) q "
    "WHERE p.search @@ q ORDER BY ts_rank(p.search, q, 1) DESC, p.issue_id DESC LIMIT %s"
)
_CANDIDATES_OPEN = (
    "SELECT p.issue_id, p.terms FROM cxops_issuematchprofile p "
    "JOIN cxops_experienceissue i ON i.id = p.issue_id, CAST(%s AS tsquery) q "
    "WHERE p.search @@ q AND i.status <> %s ORDER BY ts_rank(p.search, q, 1) DESC, p.issue_id DESC LIMIT %s"
)


def _candidates(terms: Counter[str], statistics: TermStatistics, *, include_closed: bool):
    if connection.vendor == "postgresql":
        query = retrieval_query(terms, statistics)
        sql = _CANDIDATES_ALL if include_closed else _CANDIDATES_OPEN
        params: list[Any] = [query] + ([] if include_closed else [IssueStatus.CLOSED]) + [CANDIDATES]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    else:
        profiles = IssueMatchProfile.objects.all()
        if not include_closed:
            profiles = profiles.exclude(issue__status=IssueStatus.CLOSED)
        wanted = set(terms)
        rows = [
            (issue_id, text)
            for issue_id, text in profiles.values_list("issue_id", "terms").iterator(chunk_size=2000)
            if wanted.intersection(text.split())
        ]
    for issue_id, text in rows:
        yield issue_id, Counter(text.split())


@dataclass(frozen=True)
class IssueMatch:
    issue_id: int
    score: float
    shared: frozenset[str]


def issues_matching(
    text: str,
    *,
    limit: int = 5,
    include_closed: bool = False,
    report_id: int | None = None,
    threshold: float = THRESHOLD,
) -> list[IssueMatch]:
    """Open issues that mean what `text` means, best first.  With `report_id`, issues triage
    decided are not the same as that report are left out."""
    terms = current_lexicon().analyse(text).bag()
    if not terms:
        return []
    statistics = term_statistics()
    rejected: set[int] = set()
    if report_id is not None:
        rejected = set(MatchRejection.objects.filter(report_id=report_id).values_list("issue_id", flat=True))
    candidates = (
        (issue_id, bag)
        for issue_id, bag in _candidates(terms, statistics, include_closed=include_closed)
        if issue_id not in rejected
    )
    return [
        IssueMatch(issue_id=item.key, score=item.score, shared=item.shared)
        for item in rank(terms, candidates, statistics, limit=limit, threshold=threshold)
    ]


# --- grouping untriaged reports ------------------------------------------------------------------

GROUP_REPORTS = 400
GROUP_THRESHOLD = 0.5


@dataclass(frozen=True)
class ReportGroup:
    report_ids: tuple[int, ...]
    summaries: tuple[str, ...]
    shared: tuple[str, ...]  # concept names (and words) most members hold, in the request's language
    title: str  # a suggested title: the member closest to the group


def report_groups(*, user: Any, english: bool = False, min_size: int = 2) -> list[ReportGroup]:
    """Untriaged reports (new, or triaged and not linked) that mean the same thing, grouped: each
    group a suggested new issue.  The `GROUP_REPORTS` most recent are grouped (a queue view: what
    waits now), greedily, each report joining the group whose running profile it is closest to
    (cosine ≥ `GROUP_THRESHOLD`).  Largest groups first."""
    from cxops.matching.analysis import cosine, document_vector
    from cxops.models import ExperienceReport, ReportStatus
    from cxops.selectors.reports import reports_visible_to

    lexicon = current_lexicon()
    statistics = term_statistics()
    rows = list(
        reports_visible_to(user, queryset=ExperienceReport.objects.all())
        .filter(status__in=[ReportStatus.NEW, ReportStatus.TRIAGED], issue__isnull=True)
        .order_by("-id")
        .values_list("pk", "summary")[:GROUP_REPORTS]
    )
    groups: list[dict[str, Any]] = []
    for report_id, summary in reversed(rows):  # oldest first: a group is named after its first reports
        bag = lexicon.analyse(summary).bag()
        if not bag:
            continue
        vector = document_vector(bag, statistics)
        best, best_score = None, GROUP_THRESHOLD
        for group in groups:
            score = cosine(vector, document_vector(group["bag"], statistics))
            if score >= best_score:
                best, best_score = group, score
        if best is None:
            groups.append({"ids": [report_id], "summaries": [summary], "bags": [bag], "bag": Counter(bag)})
        else:
            best["ids"].append(report_id)
            best["summaries"].append(summary)
            best["bags"].append(bag)
            best["bag"].update(bag)
    result = []
    for group in groups:
        if len(group["ids"]) < min_size:
            continue
        held = Counter(term for bag in group["bags"] for term in set(bag))
        majority = [term for term, count in held.most_common() if count * 2 >= len(group["ids"])]
        majority.sort(key=lambda term: (not term.startswith("c:"), -held[term]))
        centre = document_vector(group["bag"], statistics)
        closest = max(
            range(len(group["ids"])),
            key=lambda index: cosine(document_vector(group["bags"][index], statistics), centre),
        )
        result.append(
            ReportGroup(
                report_ids=tuple(group["ids"]),
                summaries=tuple(group["summaries"]),
                shared=tuple(lexicon.label(term, english=english) for term in majority[:6]),
                title=group["summaries"][closest][:200],
            )
        )
    result.sort(key=lambda group: (-len(group.report_ids), group.report_ids[0]))
    return result
