"""Reads for matching by meaning: the lexicon in force, corpus statistics, ranked open issues.

Candidates come from every open issue, not from the most recent few: each profile's distinct terms
are posted (`IssueMatchTerm`: term, issue, weight), and retrieval sums, per issue, the postings of
the query's terms weighted by their IDF squared — one indexed aggregate, the same on PostgreSQL
(in SQL) and SQLite (in Python).  Terms held by very many profiles (at a province's volume, every
concept) retrieve through the posted pairs of concepts instead of alone.
The best `CANDIDATES` are then scored in Python (`cxops.matching.analysis.rank`).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from cxops.matching.analysis import PAIR_JOIN
from cxops.matching.analysis import Concept
from cxops.matching.analysis import Lexicon
from cxops.matching.analysis import TermStatistics
from cxops.matching.analysis import concept_pairs
from cxops.matching.analysis import cosine
from cxops.matching.analysis import document_vector
from cxops.matching.analysis import normalise
from cxops.matching.analysis import rank
from cxops.matching.builtin_lexicon import BUILTIN_CONCEPTS
from cxops.matching.builtin_lexicon import CONCEPT_PARENTS
from cxops.matching.telecom_lexicon import STATE_CONCEPTS
from cxops.models import ExperienceIssue
from cxops.models import ExperienceReport
from cxops.models import IssueMatchProfile
from cxops.models import IssueMatchTerm
from cxops.models import IssueStatus
from cxops.models import MatchConcept
from cxops.models import MatchRejection
from cxops.models import ReportStatus
from cxops.selectors.visibility import reports_visible_to

# Analysts' lexicon changes reach every process within this many seconds (the save also clears
# this process's copy at once).
LEXICON_CHECK_SECONDS = 30
# Corpus statistics are recomputed at most this often; below STATISTICS_EXACT_BELOW profiles
# they are recomputed after every profile change (cheap at that size, and exact in tests).
STATISTICS_SECONDS = 300
STATISTICS_EXACT_BELOW = 2_000
# How many retrieved issues `rank` scores (the best by their postings' sum).
CANDIDATES = 200
# A term held by more than this share of the profiles (and more than the floor) does not
# retrieve alone; of a text's concept pairs, this many retrieve (see `retrieval_weights`).
RETRIEVAL_COMMON_SHARE = 0.03
RETRIEVAL_COMMON_FLOOR = 1_000
RETRIEVAL_PAIRS = 10
# Calibrated on the tuning set (bench/similar_cases.py): the highest score floor that keeps every
# true issue it ranks in the first three; below it, nothing is suggested.
THRESHOLD = 0.28

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
            _lexicon["lexicon"] = Lexicon(lexicon_concepts(), CONCEPT_PARENTS)
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


def _held(terms: Iterable[str], statistics: TermStatistics) -> list[str]:
    """The terms some profile holds, rarest first."""
    return sorted(
        (
            term
            for term in set(terms)
            if statistics.frequency.get(term, 0) > 0 and len(term) <= IssueMatchTerm.TERM_MAX
        ),
        key=lambda term: (statistics.frequency[term], term),
    )


def retrieval_weights(
    terms: Iterable[str], statistics: TermStatistics, implied: dict[str, list[str]] | None = None
) -> dict[str, float]:
    """The query's side of retrieval, posting term -> weight: each term some profile holds, by its
    IDF squared (the query's and the profile's side of `rank`'s cosine), so that the postings' sum
    orders profiles close to how `rank` will; and the pairs of its concepts (`concept_pairs`), by
    the sum of their two.  A single term more than `RETRIEVAL_COMMON_SHARE` of the profiles hold
    (and more than `RETRIEVAL_COMMON_FLOOR`) is left out — at 100,000 issues that is every
    concept: reading each holder cost more than the rest of the request — and its pairs find the
    profiles holding it with another concept of the text; of the pairs, the `RETRIEVAL_PAIRS`
    expected in the fewest profiles.  When that leaves nothing, the rarest term retrieves.
    `implied`: the lexicon's broader concepts per concept (`Lexicon.implied`)."""
    implied = implied if implied is not None else current_lexicon().implied
    held = _held(terms, statistics)
    common = max(RETRIEVAL_COMMON_FLOOR, statistics.documents * RETRIEVAL_COMMON_SHARE)
    weights = {term: statistics.idf(term) ** 2 for term in held if statistics.frequency[term] <= common}
    pairs = [pair.split(PAIR_JOIN) for pair in concept_pairs(held, implied)]
    pairs.sort(key=lambda pair: (statistics.frequency[pair[0]] * statistics.frequency[pair[1]], pair))
    for first, second in pairs[:RETRIEVAL_PAIRS]:
        weights[f"{first}{PAIR_JOIN}{second}"] = statistics.idf(first) ** 2 + statistics.idf(second) ** 2
    if not weights and held:
        weights[held[0]] = statistics.idf(held[0]) ** 2
    return weights


# The postings of the query's terms, summed per issue: the best `CANDIDATES * OVERFETCH` are read
# with their status by primary key (joining every posting to its issue first made PostgreSQL hash
# the issue table), closed ones dropped, the best `CANDIDATES` scored in Python.  Known limit: when
# closed issues outnumber open ones among the best matches by more than that margin, fewer open
# candidates are scored.
OVERFETCH = 2
_RETRIEVE = (
    "SELECT t.issue_id, SUM(t.weight * q.weight) AS score "
    "FROM unnest(CAST(%s AS text[]), CAST(%s AS double precision[])) AS q(term, weight) "
    "JOIN cxops_issuematchterm t ON t.term = q.term "
    "GROUP BY t.issue_id ORDER BY score DESC, t.issue_id DESC LIMIT %s"
)


def _retrieve(weights: dict[str, float], *, include_closed: bool) -> list[int]:
    """The ids of the `CANDIDATES` issues whose postings score highest for `weights`, best first."""
    if connection.vendor == "postgresql":
        wanted = CANDIDATES if include_closed else CANDIDATES * OVERFETCH
        with connection.cursor() as cursor:
            cursor.execute(_RETRIEVE, [list(weights), list(weights.values()), wanted])
            ids = [row[0] for row in cursor.fetchall()]
            if not include_closed and ids:
                # the issues' status for these rows only (by primary key); closed ones drop out
                cursor.execute(
                    "SELECT id FROM cxops_experienceissue WHERE id = ANY(%s) AND status = %s",
                    [ids, IssueStatus.CLOSED],
                )
                closed = {row[0] for row in cursor.fetchall()}
                ids = [issue_id for issue_id in ids if issue_id not in closed]
        return ids[:CANDIDATES]
    # SQLite (development, tests): the same sum, in Python
    postings = IssueMatchTerm.objects.filter(term__in=list(weights))
    if not include_closed:
        postings = postings.exclude(issue__status=IssueStatus.CLOSED)
    scores: dict[int, float] = {}
    for issue_id, term, weight in postings.values_list("issue_id", "term", "weight").iterator(
        chunk_size=2000
    ):
        scores[issue_id] = scores.get(issue_id, 0.0) + weight * weights[term]
    ordered = sorted(scores.items(), key=lambda item: (-item[1], -item[0]))
    return [issue_id for issue_id, _score in ordered[:CANDIDATES]]


def _candidates(terms: Counter[str], statistics: TermStatistics, *, include_closed: bool):
    """(issue id, profile terms) of the issues retrieval hands to `rank`."""
    weights = retrieval_weights(terms, statistics)
    if not weights:
        return
    ids = _retrieve(weights, include_closed=include_closed)
    if len(ids) < CANDIDATES // 4:
        # few profiles hold two of the text's concepts together: its rarest common term too
        spare = next((term for term in _held(terms, statistics) if term not in weights), None)
        if spare is not None:
            ids = _retrieve({**weights, spare: statistics.idf(spare) ** 2}, include_closed=include_closed)
    if not ids:
        return
    profiles = dict(IssueMatchProfile.objects.filter(issue_id__in=ids).values_list("issue_id", "terms"))
    for issue_id in ids:
        text = profiles.get(issue_id)
        if text is not None:
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
        # subjects (concepts) first, then how it went wrong (state concepts), then plain words; ties
        # by the term itself, so the same reports show the same tags in every process (a set's
        # order of strings changes with each interpreter's hash seed)
        majority.sort(
            key=lambda term: (not term.startswith("c:"), term[2:] in STATE_CONCEPTS, -held[term], term)
        )
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


# --- learning term associations from triage --------------------------------------------------------

ASSOCIATION_REPORTS = 30


def association_corpus(*, batch: int = 500):
    """Per issue that has merged reports: (terms of its title and description, terms of its merged
    reports, the `ASSOCIATION_REPORTS` most recent), read in batches; for `associations`."""
    lexicon = current_lexicon()
    last = 0
    while True:
        issues = list(
            ExperienceIssue.objects.filter(pk__gt=last, report_count__gt=0)
            .order_by("pk")
            .values_list("pk", "title", "description")[:batch]
        )
        if not issues:
            return
        summaries: dict[int, list[str]] = {}
        for issue_id, summary in (
            ExperienceReport.objects.filter(
                issue_id__in=[row[0] for row in issues], status=ReportStatus.LINKED
            )
            .order_by("issue_id", "-id")
            .values_list("issue_id", "summary")
        ):
            kept = summaries.setdefault(issue_id, [])
            if len(kept) < ASSOCIATION_REPORTS:
                kept.append(summary)
        for issue_id, title, description in issues:
            if issue_id not in summaries:
                continue
            title_terms = [found.term for found in lexicon.analyse(f"{title} {description[:1000]}").terms]
            report_terms = [
                found.term for summary in summaries[issue_id] for found in lexicon.analyse(summary).terms
            ]
            yield title_terms, report_terms
        last = issues[-1][0]
