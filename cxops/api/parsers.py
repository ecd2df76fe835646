"""Request body parsers of the API: JSON with a nesting limit.

Python's JSON decoder recurses once per level: a body of a few thousand `[` raised RecursionError,
which is no ValueError, so DRF's parser let it through as a 500.  No body of this API nests more
than a few levels (a batch of reports with their segment lists: 4), so a body deeper than
`MAX_DEPTH` is refused as a parse error, the documented 400 `{"error": ...}`.  So is a body with a
lone surrogate in a string or key: it decodes from JSON's escapes but is no text, so an answer that
quotes it (a refused choice, an unknown code) could not be written and answered 500.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def _is_text(value: str) -> bool:
    """False for a string holding a lone surrogate (JSON's "\\ud800"): no text, and no answer that
    quotes it back (a "not a valid choice" message) can be encoded."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def body_problem(value: Any, limit: int) -> str | None:
    """Why a parsed body is refused, or None: lists/objects nested deeper than `limit`, or a key or
    string that is not text (iterative: no recursion of its own)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, str):
            if not _is_text(item):
                return "a string holds a lone surrogate (e.g. \\ud800), which is not text."
            continue
        if isinstance(item, dict):
            if not all(_is_text(key) for key in item):
                return "a key holds a lone surrogate (e.g. \\ud800), which is not text."
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return f"nested more than {limit} levels deep."
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list | str))
    return None


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.") from None
        problem = body_problem(data, MAX_DEPTH)
        if problem is not None:
            raise ParseError(f"JSON parse error - {problem}")
        return data
