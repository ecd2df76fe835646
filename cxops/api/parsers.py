"""Request body parsers of the API: JSON with a nesting limit.

Python's JSON decoder recurses once per level: a body of a few thousand `[` raised RecursionError,
which is no ValueError, so DRF's parser let it through as a 500.  No body of this API nests more
than a few levels (a batch of reports with their segment lists: 4), so a body deeper than
`MAX_DEPTH` is refused as a parse error, the documented 400 `{"error": ...}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def nesting_depth_exceeds(value: Any, limit: int) -> bool:
    """True when lists/objects nest deeper than `limit` (iterative: no recursion of its own)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        too_deep = ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if nesting_depth_exceeds(data, MAX_DEPTH):
            raise too_deep
        return data
