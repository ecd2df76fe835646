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

from cxops.matching.analysis import CONCEPT_PREFIX, Concept, Lexicon, TermStatistics, rank
from cxops.matching.builtin_lexicon import BUILTIN_CONCEPTS, CONCEPT_PARENTS
from cxops.matching.telecom_lexicon import STATE_CONCEPTS
from cxops.models import IssueMatchProfile, IssueStatus, MatchConcept, MatchRejection

# Analysts' lexicon changes reach every process within this many seconds (the save also clears
# this process's copy at once).
LEXICON_CHECK_SECONDS = 30
# Corpus statistics are recomputed at most this often; below STATISTICS_EXACT_BELOW profiles
# they are recomputed after every profile change (cheap at that size, and exact in tests).
STATISTICS_SECONDS = 300
STATISTICS_EXACT_BELOW = 2_000
CANDIDATES = 150
# The rarest concept of a text retrieves alone only while at most one profile in this many holds it.
CONCEPT_ALONE_SHARE = 100
# A pair of terms retrieves only while expected in at most one profile in this many.
PAIR_SHARE = 200
# Any two of the rarest PAIR_TERMS query terms retrieve an issue: 4 terms make 6 pairs (6 made 15,
# and at 100,000 issues the index then handed over thousands of rows to rank).
PAIR_TERMS = 4
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


def _expected_together(a: str, b: str, statistics: TermStatistics, implied: dict[str, list[str]]) -> float:
    """How many profiles are expected to hold both terms: as if independent, except a narrower
    concept and its broader one (every profile holding 副卡 holds 家庭套餐 too)."""
    code_a, code_b = a[len(CONCEPT_PREFIX) :], b[len(CONCEPT_PREFIX) :]
    if code_b in implied.get(code_a, ()) or code_a in implied.get(code_b, ()):
        return min(statistics.frequency[a], statistics.frequency[b])
    return statistics.frequency[a] * statistics.frequency[b] / max(statistics.documents, 1)


def retrieval_query(
    terms: Iterable[str], statistics: TermStatistics, implied: dict[str, list[str]] | None = None
) -> str:
    """A tsquery: any rare term alone, the rarest concept alone (unless common), or any two of the four rarest
    terms together (a text's true issue shares at least two of its telling terms, one rare one, or
    its most specific concept).  Terms no profile holds are left out (they find nothing, and they
    used to take the places of the telling ones among the four).  Common terms alone (客服, 手机)
    would bring half the corpus to be ranked, and so would pairs of common terms.  `implied`: the
    lexicon's broader concepts per concept (`Lexicon.implied`)."""
    implied = implied if implied is not None else current_lexicon().implied
    held = [term for term in set(terms) if statistics.frequency.get(term, 0) > 0]
    ordered = sorted(held, key=lambda term: (statistics.frequency.get(term, 0), term))
    if not ordered:
        return ""
    if len(ordered) == 1:
        return _quote(ordered[0])
    rare_limit = max(50, statistics.documents // 1000)
    alone = [term for term in ordered if statistics.frequency.get(term, 0) <= rare_limit]
    concept = next((term for term in ordered if term.startswith(CONCEPT_PREFIX)), None)
    # the rarest concept alone, unless it is common too (c:plan in one profile of ten: alone it
    # handed every such profile to ranking, 8,000 rows at 100,000 issues); then its pairs find it
    concept_limit = max(rare_limit, statistics.documents // CONCEPT_ALONE_SHARE)
    if concept is not None and concept not in alone and statistics.frequency.get(concept, 0) <= concept_limit:
        alone.append(concept)
    parts = [_quote(term) for term in alone]
    # a pair of two common terms (扣费 & 宽带) is held by thousands of profiles together and tells
    # little: pairs expected (as if independent) in more than `pair_limit` profiles are left out,
    # unless nothing else would retrieve anything
    pair_limit = max(rare_limit, statistics.documents // PAIR_SHARE)
    pairs = list(itertools.combinations(ordered[:PAIR_TERMS], 2))
    kept = [(a, b) for a, b in pairs if _expected_together(a, b, statistics, implied) <= pair_limit]
    if not kept and not parts:
        kept = pairs[:1]
    parts += [f"({_quote(a)} & {_quote(b)})" for a, b in kept]
    return " | ".join(parts)


def _ranking_sql(terms: Iterable[str], statistics: TermStatistics) -> tuple[str, list[Any]]:
    """An SQL expression close to the cosine `rank` computes, so that the index's matches are cut
    to the best `CANDIDATES` by meaning, not by ts_rank: the profiles' tsvector holds no counts or
    weights (ts_rank saw every match as equal and favoured the shortest profiles, which cut true
    issues off at scale).  Per query term: its IDF squared times 1 + ln(count in the profile), the
    count read from `terms` (` term ` in ` terms `); divided by the square root of the profile's
    number of distinct terms."""
    parts, params = [], []
    for term in sorted(set(terms)):
        if statistics.frequency.get(term, 0) <= 0:
            continue
        # octet_length is read from the value's header; char_length would count characters
        parts.append(
            "%s * COALESCE(1 + ln(NULLIF((octet_length(w.s) - octet_length(replace(w.s, %s, ' '))) / %s, 0)), 0)"
        )
        params.extend([statistics.idf(term) ** 2, f" {term} ", len(f" {term}".encode())])
    if not parts:
        return "0", []
    return f"({' + '.join(parts)}) / sqrt(greatest(length(p.search), 1))", params


# The index finds the profiles holding the query; `_ranking_sql` orders them, and the best
# `CANDIDATES` that are not closed are scored in Python.  The status is read afterwards, for the
# best `CANDIDATES * OVERFETCH` only: joining every match to its issue first made PostgreSQL hash
# the whole issue table (90 ms at 100,000).  Known limit: when closed issues outnumber open ones
# among the best matches by more than that margin, fewer open candidates are scored.
OVERFETCH = 2
_CANDIDATES = (
    "SELECT p.issue_id, p.terms FROM cxops_issuematchprofile p "
    "CROSS JOIN LATERAL (SELECT ' ' || p.terms || ' ' AS s) w "
    "WHERE p.search @@ CAST(%s AS tsquery) ORDER BY {rank} DESC, p.issue_id DESC LIMIT %s"
)


def _candidates(terms: Counter[str], statistics: TermStatistics, *, include_closed: bool):
    if connection.vendor == "postgresql":
        query = retrieval_query(terms, statistics)
        if not query:
            return
        held = [term for term in terms if statistics.frequency.get(term, 0) > 0]
        if len(held) == 1 and statistics.frequency[held[0]] > max(50, statistics.documents // PAIR_SHARE):
            # one common term is all the text says (手机流量被偷跑了: c:data, in one profile of
            # seven): every holder scores alike but for its length, and ranking them all cost more
            # than the rest of the request; the most recent holders are asked instead
            rank_sql, rank_params = "p.issue_id", list[Any]()
        else:
            rank_sql, rank_params = _ranking_sql(terms, statistics)
        sql = _CANDIDATES.format(rank=rank_sql)
        wanted = CANDIDATES if include_closed else CANDIDATES * OVERFETCH
        with connection.cursor() as cursor:
            cursor.execute(sql, [query, *rank_params, wanted])
            rows = cursor.fetchall()
            if not include_closed and rows:
                # the issues' status for these rows only (by primary key); closed ones drop out
                cursor.execute(
                    "SELECT id FROM cxops_experienceissue WHERE id = ANY(%s) AND status = %s",
                    [[row[0] for row in rows], IssueStatus.CLOSED],
                )
                closed = {row[0] for row in cursor.fetchall()}
                rows = [row for row in rows if row[0] not in closed][:CANDIDATES]
    else:
        profiles = IssueMatchProfile.objects.all()
        if not include_closed:
            profiles = profiles.exclude(issue__status=IssueStatus.CLOSED)
        wanted_terms = set(terms)
        rows = [
            (issue_id, text)
            for issue_id, text in profiles.values_list("issue_id", "terms").iterator(chunk_size=2000)
            if wanted_terms.intersection(text.split())
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
    from cxops.selectors.visibility import reports_visible_to

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
        # subjects (concepts) first, then how it went wrong (state concepts), then plain words
        majority.sort(key=lambda term: (not term.startswith("c:"), term[2:] in STATE_CONCEPTS, -held[term]))
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
    from cxops.models import ExperienceIssue, ExperienceReport, ReportStatus

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
