"""User-written Markdown → safe HTML: Python-Markdown renders, nh3 (ammonia) sanitises.

Everything a user writes (strategy bodies, comments) goes through `render_markdown`; templates
never mark user text safe any other way.  No script, no event handlers, no style, no
javascript:/data: links: nh3 keeps only the tags, attributes and URL schemes listed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import unescape

import markdown as markdown_lib  # type: ignore[import-untyped]
import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.safestring import mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del", "ins",
    "code", "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
    "dl", "dt", "dd", "sup", "sub", "abbr", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}

# A mention is @ followed by a user name, not preceded by a word character (so e-mail addresses
# such as a@b.cn are not mentions).
MENTION_PATTERN = re.compile(r"(?<![\w@/.])@([A-Za-z0-9_.+-]*[A-Za-z0-9_])")
_TAG_SPLIT = re.compile(r"(<[^>]*>)")


# Browsers drop tabs, newlines and control characters inside URLs ("java\tscript:" runs), while a
# sanitiser sees an unknown scheme and keeps it as a relative link: check the squashed value too.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_SAFE_URL = re.compile(r"^(?:https?:|mailto:|[^:]*$|[^:]*[/?#])", re.IGNORECASE)


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    if name in {"href", "src"}:
        squashed = _URL_NOISE.sub("", value)
        if not _SAFE_URL.match(squashed):
            return None
    return value


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        attribute_filter=_filter_attribute,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


# A masked personal number (138****8000, 110105********002X; cxops.personal_numbers) is not emphasis.
_MASKED_DIGITS = re.compile(r"(?<=[0-9])\*{4,}(?=[0-9Xx])")


def _escape_stars(match: re.Match[str]) -> str:
    return "\\*" * len(match.group(0))


def render_markdown(text: str, *, mentions: Iterable[str] = ()) -> SafeString:
    """Markdown to sanitised HTML; `mentions` (user names) are highlighted after sanitising."""
    html = markdown_lib.markdown(
        _MASKED_DIGITS.sub(_escape_stars, text or ""),
        extensions=["extra", "sane_lists"],
        output_format="html",
    )
    clean = sanitize_html(html).strip()
    names = set(mentions)
    if names:
        clean = _highlight_mentions(clean, names)
    return mark_safe(clean)  # noqa: S308 — sanitised by nh3 above; mentions are escaped user names


def _highlight_mentions(html: str, names: set[str]) -> str:
    """Wrap known @names in text nodes (never inside tags, code or links) in a span."""
    parts = _TAG_SPLIT.split(html)
    skip_depth = 0
    for index, part in enumerate(parts):
        if part.startswith("<"):
            tag = part[1:].lstrip("/").split(" ", 1)[0].split(">", 1)[0].lower()
            if tag in {"code", "pre", "a"}:
                skip_depth += -1 if part.startswith("</") else 1
            continue
        if skip_depth > 0 or "@" not in part:
            continue
        parts[index] = MENTION_PATTERN.sub(
            lambda m: (
                f'<span class="mention">@{escape(m.group(1))}</span>' if m.group(1) in names else m.group(0)
            ),
            part,
        )
    return "".join(parts)


def mentioned_usernames(text: str) -> set[str]:
    """User names written as @name in Markdown source (code spans included: cheap and harmless)."""
    return set(MENTION_PATTERN.findall(text or ""))


_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|pre|tr|td|th|dt|dd)>|<br\s*/?>", re.IGNORECASE)


def markdown_plain_text(text: str) -> str:
    """The words of a Markdown text without its marks (## headings, **bold**, [links](…), lists),
    for search snippets and previews where the page's HTML is not shown."""
    html = str(render_markdown(text))
    words = nh3.clean(_BLOCK_END.sub(" ", html), tags=set())
    return re.sub(r"\s+", " ", unescape(words)).strip()
