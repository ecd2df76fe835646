"""Similar-text matching that works on Chinese (no spaces between words), with highlighting.

Texts are cut into character bigrams for runs of CJK characters (`飞信申请` → 飞信, 信申, 申请) and
into whole words for Latin letters and digits.  Two texts are compared by a weighted overlap of
their shingles, where a shingle shared by many candidates (客户, 反映) counts less than a rare one
(飞信, 港澳) — an inverse-document-frequency weight computed over the candidates at hand.
No ORM here: `cxops.selectors.reports.issues_similar_to` feeds it candidates.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.safestring import mark_safe

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKENS = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def normalise(text: str) -> str:
    """Full-width to half-width, lower case (so ＡＰＰ matches app)."""
    return unicodedata.normalize("NFKC", text or "").lower()


def shingles(text: str) -> set[str]:
    found: set[str] = set()
    for token in _TOKENS.findall(normalise(text)):
        if _IS_CJK.match(token):
            if len(token) == 1:
                found.add(token)
            else:
                found.update(token[i : i + 2] for i in range(len(token) - 1))
        elif len(token) > 1 or token.isdigit():
            found.add(token)
    return found


@dataclass(frozen=True)
class Match:
    key: Any
    text: str
    score: float
    shared: frozenset[str]

    @property
    def highlighted(self) -> SafeString:
        return highlight(self.text, self.shared)


def rank(
    query: str, candidates: Iterable[tuple[Any, str]], *, limit: int = 5, threshold: float = 0.15
) -> list[Match]:
    """The candidates most similar to `query`, best first, scored 0..1."""
    query_shingles = shingles(query)
    if not query_shingles:
        return []
    items = [(key, text, shingles(text)) for key, text in candidates]
    if not items:
        return []
    document_frequency: Counter[str] = Counter()
    for _key, _text, item_shingles in items:
        document_frequency.update(item_shingles & query_shingles)
    total = len(items) + 1

    def weight(shingle: str) -> float:
        return math.log(1 + total / (1 + document_frequency[shingle]))

    query_weight = sum(weight(s) for s in query_shingles)
    matches = []
    for key, text, item_shingles in items:
        shared = item_shingles & query_shingles
        if not shared:
            continue
        shared_weight = sum(weight(s) for s in shared)
        # The share of the query found in the candidate, damped when the candidate is much longer.
        coverage = shared_weight / query_weight
        length_ratio = min(1.0, (len(query_shingles) + 2) / (len(item_shingles) + 2))
        score = coverage * (0.7 + 0.3 * length_ratio)
        if score >= threshold:
            matches.append(Match(key=key, text=text, score=round(score, 3), shared=frozenset(shared)))
    matches.sort(key=lambda match: (-match.score, str(match.key)))
    return matches[:limit]


def score(a: str, b: str) -> float:
    """Similarity of two texts alone (no candidate pool, so every shingle weighs the same)."""
    a_shingles, b_shingles = shingles(a), shingles(b)
    if not a_shingles or not b_shingles:
        return 0.0
    return 2 * len(a_shingles & b_shingles) / (len(a_shingles) + len(b_shingles))


def highlight(text: str, shared: Iterable[str]) -> SafeString:
    """`text`, HTML-escaped, with the parts covered by `shared` shingles wrapped in <mark>."""
    wanted = set(shared)
    folded = normalise(text)
    if len(folded) != len(text):  # NFKC changed the length (rare ligatures): match on the original
        folded = text.lower()
    covered = [False] * len(text)
    for shingle in wanted:
        start = folded.find(shingle)
        while start != -1:
            for i in range(start, start + len(shingle)):
                covered[i] = True
            start = folded.find(shingle, start + 1)
    parts: list[str] = []
    run: list[str] = []
    marking = False
    for char, is_covered in zip(text, covered, strict=True):
        if is_covered != marking:
            parts.append(_close(run, marking))
            run, marking = [], is_covered
        run.append(char)
    parts.append(_close(run, marking))
    return mark_safe("".join(parts))  # noqa: S308 — every piece of text is escaped in _close


def _close(run: Sequence[str], marking: bool) -> str:
    if not run:
        return ""
    text = escape("".join(run))
    return f"<mark>{text}</mark>" if marking else text
