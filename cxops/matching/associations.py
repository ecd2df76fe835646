"""Term associations learned from triage: which words customers use for a concept.

Every merge is an analyst saying "this report means this issue".  When a word the lexicon does not
know (a plain word, not part of any alias) keeps turning up in the reports merged into issues whose
title names one concept, and rarely elsewhere, it is very likely another name for that concept:
猫棒 in the reports of 宽带… issues, 保号 in the reports of 停机… issues.  `associations` finds such
pairs; `manage.py matching learn` lists them for analysts and, asked to, adds them to the lexicon
through the service (with history), where an analyst can remove them again.  No ORM here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .analysis import CONCEPT_PREFIX

COMMON_FROM = 100


@dataclass(frozen=True)
class Association:
    word: str
    code: str
    issues: int  # issues whose title names the concept and whose merged reports use the word
    word_issues: int  # issues whose merged reports use the word at all
    share: float  # issues / word_issues


def associations(
    issues: Iterable[tuple[Iterable[str], Iterable[str]]],
    *,
    min_issues: int = 3,
    min_share: float = 0.6,
    max_word_share: float = 0.05,
) -> list[Association]:
    """`issues`: per issue, (the terms of its title and description, the terms of its merged
    reports).  A plain word of the reports is associated with a concept of the title when at least
    `min_issues` issues show the pair, in at least `min_share` of the issues whose reports use the
    word, and the word is not common across issues (in at most `max_word_share` of them once
    there are `COMMON_FROM` issues or more: 问题, 手机 are not names of anything).  Best (most issues, then share) first."""
    word_count: Counter[str] = Counter()
    pair_count: Counter[tuple[str, str]] = Counter()
    total = 0
    for title_terms, report_terms in issues:
        total += 1
        concepts = {term[len(CONCEPT_PREFIX) :] for term in title_terms if term.startswith(CONCEPT_PREFIX)}
        titled = set(title_terms)
        words = {term for term in report_terms if not term.startswith(CONCEPT_PREFIX) and term not in titled}
        word_count.update(words)
        pair_count.update((word, code) for word in words for code in concepts)
    if not total:
        return []
    found = []
    for (word, code), count in pair_count.items():
        seen = word_count[word]
        common = total >= COMMON_FROM and seen > max_word_share * total
        if count >= min_issues and count / seen >= min_share and not common:
            found.append(Association(word, code, count, seen, round(count / seen, 3)))
    found.sort(key=lambda item: (-item.issues, -item.share, item.code, item.word))
    return found
