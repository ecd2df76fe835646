"""Readable diffs between two revisions: lines first, then words, and characters for Chinese.

Pure functions, no ORM.  Every piece of text is escaped before it is wrapped in <ins>/<del>, so
the output is safe to render even though revisions hold raw user text.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from dataclasses import field

from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.safestring import mark_safe

# A token is a run of Latin letters/digits (a word), a run of spaces, or any other single
# character, so each Chinese character (written without spaces) is compared on its own.
_TOKEN = re.compile(r"[A-Za-z0-9_\u00C0-\u024F]+|[ \t]+|.", re.DOTALL)
CONTEXT_LINES = 2


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def inline_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
    """The old and the new text with removed tokens in <del> and added ones in <ins>."""
    old_tokens, new_tokens = tokenize(old), tokenize(new)
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    old_html: list[str] = []
    new_html: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed = escape("".join(old_tokens[i1:i2]))
        added = escape("".join(new_tokens[j1:j2]))
        if op == "equal":
            old_html.append(removed)
            new_html.append(added)
            continue
        if removed:
            old_html.append(f'<del class="diff">{removed}</del>')
        if added:
            new_html.append(f'<ins class="diff">{added}</ins>')
    return mark_safe("".join(old_html)), mark_safe("".join(new_html))  # noqa: S308 — escaped above


def combined_inline_diff(old: str, new: str) -> SafeString:
    """One string with deletions and insertions interleaved (for short fields such as titles)."""
    old_tokens, new_tokens = tokenize(old), tokenize(new)
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    html: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            html.append(escape("".join(old_tokens[i1:i2])))
            continue
        if i2 > i1:
            html.append(f'<del class="diff">{escape("".join(old_tokens[i1:i2]))}</del>')
        if j2 > j1:
            html.append(f'<ins class="diff">{escape("".join(new_tokens[j1:j2]))}</ins>')
    return mark_safe("".join(html))  # noqa: S308 — every piece escaped above


@dataclass
class DiffLine:
    kind: str  # "equal", "insert", "delete", "skip"
    old_number: int | None = None
    new_number: int | None = None
    html: SafeString = field(default_factory=lambda: mark_safe(""))


def line_diff(old: str, new: str, *, context: int = CONTEXT_LINES) -> list[DiffLine]:
    """Changed lines with `context` unchanged lines around them; replaced lines get inline marks."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    rows: list[DiffLine] = []
    for group in matcher.get_grouped_opcodes(context):
        if rows:
            rows.append(DiffLine(kind="skip"))
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                for offset, line in enumerate(old_lines[i1:i2]):
                    rows.append(DiffLine("equal", i1 + offset + 1, j1 + offset + 1, escape(line)))
                continue
            old_chunk, new_chunk = old_lines[i1:i2], new_lines[j1:j2]
            paired = min(len(old_chunk), len(new_chunk)) if op == "replace" else 0
            deleted: list[DiffLine] = []
            inserted: list[DiffLine] = []
            for index in range(paired):
                old_html, new_html = inline_diff(old_chunk[index], new_chunk[index])
                deleted.append(DiffLine("delete", i1 + index + 1, None, old_html))
                inserted.append(DiffLine("insert", None, j1 + index + 1, new_html))
            for index in range(paired, len(old_chunk)):
                deleted.append(DiffLine("delete", i1 + index + 1, None, escape(old_chunk[index])))
            for index in range(paired, len(new_chunk)):
                inserted.append(DiffLine("insert", None, j1 + index + 1, escape(new_chunk[index])))
            rows.extend(deleted)
            rows.extend(inserted)
    return rows
