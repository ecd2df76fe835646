"""One search across the floors: reports, issues, strategies and rules, and the commands of the
command palette (Ctrl/⌘-K).

Each floor registers a provider for its own records from its `AppConfig.ready()`, so the ground
floor searches strategies and rules without importing them::

    from cxops.search import register_search_provider

    def rules_provider(user, terms, limit):
        return [SearchHit(kind="rule", ...), ...]

    register_search_provider("rule", _("Rules"), rules_provider, order=40)

A provider answers only what the user may see — it reads through the same visibility selectors as
its pages (a city member's search finds only their city's reports and issues).  Terms are matched
as substrings (Chinese has no spaces); every term must match.

Commands (pages one may open: "file a report", "rules kanban", a product's dashboard) are matched
on their label in the page's language, their English label, and — for Chinese labels — their
pinyin and pinyin initials (`tsbg` → 提交报告, `cx` → 彩信), via pypinyin.  They are few (a few
dozen), so matching them in Python on each keystroke is cheap; records are not matched by pinyin
(that would need an index of their own).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from functools import lru_cache
from typing import Any

from django.db.models import Q
from django.urls import NoReverseMatch
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from cxops.roles import user_roles
from cxops.similarity import normalise

MAX_TERMS = 8
QUERY_MAX = 100


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "report", "issue", "strategy", "rule", "command"
    title: str
    url: str
    meta: str = ""  # product, status, date … as plain text
    snippet: SafeString = field(default_factory=lambda: mark_safe(""))


Provider = Callable[[Any, list[str], int], list[SearchHit]]


@dataclass(frozen=True)
class _Registered:
    kind: str
    label: Any  # lazy translation: the group heading
    provider: Provider
    order: int


_providers: dict[str, _Registered] = {}


def register_search_provider(kind: str, label: Any, provider: Provider, *, order: int = 100) -> None:
    """Add (or replace) the provider of one kind of record."""
    _providers[kind] = _Registered(kind=kind, label=label, provider=provider, order=order)


def search_terms(query: str) -> list[str]:
    """Whitespace-separated terms, normalised (full-width folded, lower case), at most 8."""
    return [term for term in normalise((query or "")[:QUERY_MAX]).split() if term][:MAX_TERMS]


def all_terms_q(terms: list[str], fields: list[str]) -> Q:
    """Every term found (case-insensitively, as a substring) in at least one of `fields`."""
    condition = Q()
    for term in terms:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": term})
        condition &= any_field
    return condition


@dataclass(frozen=True)
class SearchGroup:
    kind: str
    label: Any
    hits: list[SearchHit]


def search_everything(user: Any, query: str, *, limit: int = 5) -> list[SearchGroup]:
    """Commands first, then each kind of record the user may see, `limit` hits per group;
    groups with no hit are left out."""
    terms = search_terms(query)
    if not terms:
        return []
    groups = []
    commands = match_commands(user, query, limit=limit)
    if commands:
        groups.append(SearchGroup(kind="command", label=COMMANDS_LABEL, hits=commands))
    for entry in sorted(_providers.values(), key=lambda e: (e.order, e.kind)):
        hits = entry.provider(user, terms, limit)
        if hits:
            groups.append(SearchGroup(kind=entry.kind, label=entry.label, hits=hits[:limit]))
    return groups


def highlight(text: str, terms: Iterable[str], *, width: int = 60) -> SafeString:
    """A piece of `text` around the first term, HTML-escaped, every term in <mark>."""
    text = " ".join((text or "").split())
    folded = normalise(text)
    if len(folded) != len(text):  # NFKC changed lengths: positions would drift, match plainly
        folded = text.lower()
    terms = [t for t in terms if t]
    found = [folded.find(t) for t in terms if folded.find(t) >= 0]
    start = max(0, min(found) - width // 2) if found else 0
    end = min(len(text), start + width * 2)
    marks = [False] * (end - start)
    for term in terms:
        index = folded.find(term, start)
        while index != -1 and index < end:
            for i in range(index, min(index + len(term), end)):
                marks[i - start] = True
            index = folded.find(term, index + 1)
    return marked_html(text, start, end, marks)


def marked_html(text: str, start: int, end: int, marks: list[bool]) -> SafeString:
    """`text[start:end]` HTML-escaped, each run of marked characters (`marks`, one per character)
    in <mark>, with "…" where the piece cuts the text."""
    out: list[str] = []
    run: list[str] = []
    marking = False
    for char, marked in zip(text[start:end], marks, strict=True):
        if marked != marking and run:
            chunk = escape("".join(run))
            out.append(f"<mark>{chunk}</mark>" if marking else chunk)
            run = []
        marking = marked
        run.append(char)
    if run:
        chunk = escape("".join(run))
        out.append(f"<mark>{chunk}</mark>" if marking else chunk)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(prefix + "".join(out) + suffix)  # noqa: S308 — every chunk escaped above


# --- commands ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    label: Any  # lazy translation
    url_name: str
    roles: tuple[str, ...] = ()  # empty: every member
    args: tuple[Any, ...] = ()
    keywords: str = ""  # extra words it answers to (English and Chinese synonyms)


_commands: list[Command] = []
_command_sources: list[Callable[[Any], list[Command]]] = []


def register_commands(*commands: Command) -> None:
    _commands.extend(c for c in commands if c not in _commands)


def register_command_source(source: Callable[[Any], list[Command]]) -> None:
    """Commands computed per user (e.g. one per product dashboard); called on each search."""
    if source not in _command_sources:
        _command_sources.append(source)


@lru_cache(maxsize=2048)
def _pinyin_forms(text: str) -> tuple[str, str]:
    """('caixin', 'cx') for 彩信; ASCII letters and digits kept as they are."""
    from pypinyin import Style  # noqa: PLC0415
    from pypinyin import lazy_pinyin  # noqa: PLC0415

    # pypinyin accepts a callable answering a list (its stubs say str)
    syllables = [s.lower() for s in lazy_pinyin(text, errors=lambda chars: list(chars))]  # type: ignore[arg-type,return-value]
    syllables = [s for s in syllables if s.strip()]
    full = "".join(syllables).replace(" ", "")
    initials = "".join(s[0] for s in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore") if s)
    return full, initials.lower()


def _command_texts(command: Command) -> list[str]:
    with translation.override("zh-hans"):
        chinese = str(command.label)
    with translation.override("en"):
        english = str(command.label)
    full, initials = _pinyin_forms(chinese)
    return [normalise(chinese), normalise(english), full, initials, normalise(command.keywords)]


def match_commands(user: Any, query: str, *, limit: int = 5) -> list[SearchHit]:
    """The commands the user may open whose label (either language, pinyin or its initials) or
    keywords contain every term; a prefix match ranks first."""
    terms = search_terms(query)
    if not terms:
        return []
    roles = user_roles(user)
    candidates = list(_commands)
    for source in _command_sources:
        candidates.extend(source(user))
    ranked = []
    for position, command in enumerate(candidates):
        if command.roles and not roles & set(command.roles):
            continue
        texts = _command_texts(command)
        if not all(any(term in text for text in texts) for term in terms):
            continue
        try:
            url = reverse(command.url_name, args=command.args)
        except NoReverseMatch:
            continue
        prefix = any(text.startswith(terms[0]) for text in texts)
        ranked.append(
            (0 if prefix else 1, position, SearchHit(kind="command", title=str(command.label), url=url))
        )
    ranked.sort(key=lambda item: (item[0], item[1]))
    seen, hits = set(), []
    for _rank, _position, hit in ranked:
        if hit.url not in seen:
            seen.add(hit.url)
            hits.append(hit)
    return hits[:limit]


COMMANDS_LABEL = _("Go to")
