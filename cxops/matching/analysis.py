"""Texts as bags of concepts and words, and how two bags are compared.  No ORM here.

`Lexicon.analyse(text)` finds the lexicon's aliases first (longest first; `*` is a short gap),
each one becoming the concept term `c:<code>`, then cuts what is left with jieba (its dictionary
ships in the package; the lexicon's aliases and a few telecom words are added to it) and keeps the
words that carry meaning.  So 呼转, 呼叫转移 and 来电转到另一个号码 all become `c:call_forwarding`.

`rank` scores candidates by the cosine of IDF-weighted term vectors: the query counts each term
once, a candidate (an issue's profile: title, description and the reports merged into it) counts
a term with `1 + log(tf)`.  Concept terms weigh `CONCEPT_BOOST` times a plain word, as they carry
the meaning that paraphrases share.  Document frequencies come from the platform's own corpus
(`cxops.selectors.matching.term_statistics`), so 手机 or 客服 count for little and 携号转网 a lot;
a plain word's weight is further scaled by how common it is in general Chinese (`general_weight`),
so words like 没有 or 知道 do not count as telling just because no issue holds them yet.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from django.utils.html import escape
from django.utils.safestring import mark_safe

from cxops.matching.builtin_lexicon import BUILTIN_CONCEPTS
from cxops.matching.builtin_lexicon import CONCEPT_PARENTS

from .builtin_lexicon import SEGMENTER_WORDS
from .builtin_lexicon import STOPWORDS

CONCEPT_PREFIX = "c:"
CONCEPT_BOOST = 2.0
ANALYSIS_CACHE = 2_000
GAP = "[^，。,.!?！？；;\\s]{0,6}?"
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Words of two CJK characters or more, or Latin words; bare numbers (amounts, dates) say nothing.
_WORD = re.compile(rf"^(?:[{_CJK}]{{2,}}|[a-z0-9]*[a-z][a-z0-9+-]*)$")
_LATIN = re.compile(r"^[a-z0-9 +\-]+$")


def normalise(text: str) -> str:
    """Full-width to half-width, lower case (so ＡＰＰ matches app)."""
    return unicodedata.normalize("NFKC", text or "").lower()


@dataclass(frozen=True)
class Concept:
    code: str
    label_zh: str
    label_en: str
    aliases: tuple[str, ...]

    @property
    def term(self) -> str:
        return CONCEPT_PREFIX + self.code


@dataclass(frozen=True)
class Term:
    """One term found in a text, with where it was found (in the normalised text)."""

    term: str
    start: int
    end: int


@dataclass
class Analysis:
    terms: list[Term] = field(default_factory=list)

    def bag(self) -> Counter[str]:
        return Counter(found.term for found in self.terms)

    def surface(self, text: str, wanted: Iterable[str]) -> list[str]:
        """The pieces of `text` (as analysed) that gave the `wanted` terms, in order, once each."""
        wanted = set(wanted)
        folded = normalise(text)
        seen: list[str] = []
        for found in self.terms:
            piece = folded[found.start : found.end]
            if found.term in wanted and piece not in seen:
                seen.append(piece)
        return seen


_jieba_lock = threading.Lock()
_jieba_base: Any = None


def _base_tokenizer() -> Any:
    """jieba's own dictionary, loaded once per process (about a second the first time)."""
    global _jieba_base
    with _jieba_lock:
        if _jieba_base is None:
            import jieba  # noqa: PLC0415

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            tokenizer._cxops_original = {}
            for word in SEGMENTER_WORDS:
                _add_word(tokenizer, word)
            _jieba_base = tokenizer
        return _jieba_base


def _add_word(tokenizer: Any, word: str) -> None:
    """Add `word` to the segmenter (so it is kept whole), remembering how common it was in
    jieba's own dictionary first: the segmenter needs a high count, `general_weight` the real one."""
    tokenizer._cxops_original.setdefault(word, tokenizer.FREQ.get(word, 0))
    tokenizer.add_word(word, freq=20000)
    general_weight.cache_clear()


# A plain word's weight is scaled by how rare it is in general Chinese (jieba's dictionary counts,
# about 60 million words of everyday text): 没有, 知道, 一个, 时候 say little about any complaint,
# whatever the platform's corpus holds.  This matters most when the corpus is small (a new
# deployment, or a set of a few dozen issues): there, every word no issue holds looks maximally
# rare to the corpus IDF and drowns the few telling ones.  A word whose general IDF
# (ln(total / count)) is at or below GENERAL_LOW (没有, 一个) keeps GENERAL_FLOOR of its corpus
# IDF; at or above GENERAL_HIGH (宽带, 话费, and words jieba does not know) all of it; linear
# between.  Concept terms are not scaled.
GENERAL_LOW = 6.0
GENERAL_HIGH = 12.0
GENERAL_FLOOR = 0.15


@functools.lru_cache(maxsize=200_000)
def general_weight(word: str) -> float:
    if word.startswith(CONCEPT_PREFIX):
        return 1.0
    tokenizer = _base_tokenizer()
    frequency = tokenizer._cxops_original.get(word)
    if frequency is None:
        frequency = tokenizer.FREQ.get(word, 0)
    if not frequency:
        return 1.0
    rarity = math.log(tokenizer.total / (frequency + 1))
    share = (rarity - GENERAL_LOW) / (GENERAL_HIGH - GENERAL_LOW)
    return min(1.0, max(GENERAL_FLOOR, share))


def _alias_pattern(alias: str) -> str:
    parts = [re.escape(part) for part in normalise(alias).strip().split("*")]
    pattern = GAP.join(parts)
    if _LATIN.match(alias.replace("*", "").lower()):
        # Latin aliases match whole words only (sa in usa is not 5G SA), with English inflections
        # of the last word (charge: charges, charged, charging; port: ported, porting).
        if alias[-1:].isalpha():
            pattern += "(?:s|es|d|ed|ing)?"
        pattern = rf"(?<![a-z0-9]){pattern}(?![a-z0-9])"
    return pattern


class Lexicon:
    """Concepts and their aliases, compiled into one alternation (longest alias first)."""

    def __init__(self, concepts: Sequence[Concept], parents: Mapping[str, str] | None = None) -> None:
        self.concepts = {concept.code: concept for concept in concepts}
        # A narrower concept also names its broader one (携出 is porting out, and porting), so a
        # text that says the one and an issue that says the other still share something.
        # `implied[code]`: the concept and every broader one.
        implied: dict[str, list[str]] = {}
        for code in self.concepts:
            chain, seen = [code], {code}
            while (
                (parent := (parents or {}).get(chain[-1])) and parent in self.concepts and parent not in seen
            ):
                chain.append(parent)
                seen.add(parent)
            implied[code] = chain
        self.implied = implied
        # An alias several concepts share names all of them.
        codes_of: dict[str, list[str]] = {}
        for concept in concepts:
            for alias in {normalise(a).strip() for a in concept.aliases if a.strip()}:
                codes = codes_of.setdefault(alias, [])
                codes.extend(code for code in implied[concept.code] if code not in codes)
        entries = [(alias, tuple(codes)) for alias, codes in codes_of.items()]
        # Longest first, so 呼叫转移 wins over 呼转 and 补卡收费 is read as 补卡 + 收费, not as less.
        entries.sort(key=lambda entry: (-len(entry[0].replace("*", "")), entry[0]))
        # One alternation per first character, tried only where a text has that character: a
        # single alternation of every alias was tried at every position (~3 ms per summary).
        by_first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for alias, alias_codes in entries:
            by_first.setdefault(alias[0], []).append((alias, alias_codes))
        self._patterns: dict[str, tuple[re.Pattern[str], list[tuple[str, ...]]]] = {}
        for first, group in by_first.items():
            pattern = "|".join(
                f"(?P<a{index}>{_alias_pattern(alias)})" for index, (alias, _c) in enumerate(group)
            )
            self._patterns[first] = (re.compile(pattern), [alias_codes for _alias, alias_codes in group])
        self._analyses: dict[str, Analysis] = {}
        self._words = sorted(
            {a for a, _c in entries if "*" not in a and not _LATIN.match(a) and 1 < len(a) <= 8}
        )

    def _tokenizer(self) -> Any:
        tokenizer = _base_tokenizer()
        # Adding the same word again is cheap and idempotent; new aliases from analysts join in.
        added: set[str] = getattr(tokenizer, "_cxops_words", set())
        with _jieba_lock:
            for word in self._words:
                if word not in added:
                    _add_word(tokenizer, word)
                    added.add(word)
            tokenizer._cxops_words = added
        return tokenizer

    def label(self, term: str, *, english: bool = False) -> str:
        if term.startswith(CONCEPT_PREFIX):
            concept = self.concepts.get(term[len(CONCEPT_PREFIX) :])
            if concept:
                return concept.label_en if english else concept.label_zh
        return term

    def analyse(self, text: str) -> Analysis:
        """The concepts and words of `text`.  The result is shared (the same text asked again
        within `ANALYSIS_CACHE` recent texts gets the same object): callers must not change it.
        A suggestion request analyses its text twice (to match, to highlight) and the same
        titles come back often."""
        cached = self._analyses.get(text)
        if cached is not None:
            return cached
        analysis = self._analyse(text)
        with _jieba_lock:
            self._analyses[text] = analysis
            while len(self._analyses) > ANALYSIS_CACHE:
                self._analyses.pop(next(iter(self._analyses)))
        return analysis

    def _analyse(self, text: str) -> Analysis:
        folded = normalise(text)
        analysis = Analysis()
        rest: list[tuple[int, str]] = []
        position = 0
        index = 0
        while index < len(folded):
            candidate = self._patterns.get(folded[index])
            match = candidate[0].match(folded, index) if candidate else None
            if match is None:
                index += 1
                continue
            for code in candidate[1][int(match.lastgroup[1:])]:  # type: ignore[index]
                analysis.terms.append(Term(CONCEPT_PREFIX + code, match.start(), match.end()))
            rest.append((position, folded[position : match.start()]))
            position = index = match.end()
        rest.append((position, folded[position:]))
        tokenizer = self._tokenizer()
        for offset, piece in rest:
            if not piece.strip():
                continue
            for word, start, end in tokenizer.tokenize(piece):
                word = word.strip()
                if word and word not in STOPWORDS and _WORD.match(word):
                    analysis.terms.append(Term(word, offset + start, offset + end))
        analysis.terms.sort(key=lambda found: found.start)
        return analysis


@dataclass(frozen=True)
class TermStatistics:
    """Document frequencies over the corpus (issue profiles and reports).  A term's weight is
    computed once per statistics object (ranking asks it for every term of every candidate)."""

    documents: int
    frequency: Mapping[str, int]
    _weights: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    def idf(self, term: str) -> float:
        weight = self._weights.get(term)
        if weight is None:
            weight = math.log(1 + (self.documents + 1) / (self.frequency.get(term, 0) + 1))
            weight *= CONCEPT_BOOST if term.startswith(CONCEPT_PREFIX) else general_weight(term)
            self._weights[term] = weight
        return weight


@dataclass(frozen=True)
class Scored:
    key: Any
    score: float
    shared: frozenset[str]


def query_vector(bag: Mapping[str, int], statistics: TermStatistics) -> dict[str, float]:
    return {term: statistics.idf(term) for term in bag}


def document_vector(bag: Mapping[str, int], statistics: TermStatistics) -> dict[str, float]:
    return {term: (1 + math.log(count)) * statistics.idf(term) for term, count in bag.items() if count > 0}


# Pairs of concepts are posted too (`c:a&c:b`): at a province's volume every concept is in
# thousands of profiles, and a text's true issue is found by the few hundred that hold two of its
# concepts together, not by reading every holder of each.
PAIR_JOIN = "&"
# A profile's pairs are made of its most frequent concepts, at most this many (435 pairs).
PAIR_CONCEPTS = 30


def concept_pairs(terms: Iterable[str], implied: Mapping[str, Sequence[str]]) -> list[str]:
    """The pairs of distinct concepts among `terms`, each as one term `c:a&c:b` (codes sorted),
    leaving out a concept with one of its broader ones (every holder of 副卡 holds 家庭套餐: that
    pair is as common as the narrower concept and tells nothing more)."""
    concepts = sorted({term for term in terms if term.startswith(CONCEPT_PREFIX)})
    pairs = []
    for index, first in enumerate(concepts):
        for second in concepts[index + 1 :]:
            a, b = first[len(CONCEPT_PREFIX) :], second[len(CONCEPT_PREFIX) :]
            if b in implied.get(a, ()) or a in implied.get(b, ()):
                continue
            pairs.append(f"{first}{PAIR_JOIN}{second}")
    return pairs


def posting_weights(terms: Iterable[str], implied: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """A profile's terms as retrieval postings: each distinct term's `1 + ln count`, over the
    profile's length (the root of the sum of their squares) — the profile's side of `cosine`
    without the IDF, which moves with the corpus and is applied to the query's side at retrieval;
    and the pairs of its `PAIR_CONCEPTS` most frequent concepts (`concept_pairs`), each weighing
    the mean of its two concepts."""
    counts = Counter(terms)
    raw = {term: 1 + math.log(count) for term, count in counts.items()}
    norm = math.sqrt(sum(value * value for value in raw.values())) or 1.0
    weights = {term: value / norm for term, value in raw.items()}
    concepts = [term for term, _count in counts.most_common() if term.startswith(CONCEPT_PREFIX)]
    for pair in concept_pairs(concepts[:PAIR_CONCEPTS], implied):
        first, second = pair.split(PAIR_JOIN)
        weights[pair] = (weights[first] + weights[second]) / 2
    return weights


def cosine(query: Mapping[str, float], document: Mapping[str, float]) -> float:
    shared = query.keys() & document.keys()
    if not shared:
        return 0.0
    dot = sum(query[t] * document[t] for t in shared)
    norm = math.sqrt(sum(v * v for v in query.values())) * math.sqrt(sum(v * v for v in document.values()))
    return dot / norm if norm else 0.0


def rank(
    query_bag: Mapping[str, int],
    candidates: Iterable[tuple[Any, Mapping[str, int]]],
    statistics: TermStatistics,
    *,
    limit: int = 5,
    threshold: float = 0.2,
) -> list[Scored]:
    """The candidates closest to the query, best first (score 0..1, at least `threshold`)."""
    query = query_vector(query_bag, statistics)
    if not query:
        return []
    scored = []
    for key, bag in candidates:
        document = document_vector(bag, statistics)
        score = cosine(query, document)
        if score >= threshold:
            scored.append(
                Scored(key=key, score=round(score, 3), shared=frozenset(query.keys() & document.keys()))
            )
    scored.sort(key=lambda item: (-item.score, str(item.key)))
    return scored[:limit]


def builtin_lexicon() -> Lexicon:
    return Lexicon(
        [Concept(code, zh, en, tuple(aliases)) for code, zh, en, aliases in BUILTIN_CONCEPTS], CONCEPT_PARENTS
    )


def highlight(text: str, analysis: Analysis, shared: Iterable[str]) -> Any:
    """`text`, HTML-escaped, with the pieces that gave the `shared` terms wrapped in <mark>.
    `analysis` is `Lexicon.analyse(text)`; positions are in the normalised text, which NFKC keeps
    the same length for all but rare ligatures (then nothing is marked)."""
    wanted = set(shared)
    covered = [False] * len(text)
    if len(normalise(text)) == len(text):
        for found in analysis.terms:
            if found.term in wanted:
                for index in range(found.start, min(found.end, len(text))):
                    covered[index] = True
    parts: list[str] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or covered[index] != covered[start]:
            piece = escape(text[start:index])
            parts.append(f"<mark>{piece}</mark>" if covered[start] else piece)
            start = index
    return mark_safe("".join(parts))  # noqa: S308 — every piece of text is escaped above
