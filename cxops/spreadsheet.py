"""Cells that are safe to open in a spreadsheet: the one formula-injection guard.

OWASP "CSV injection": a text cell starting with = + - @, a tab or a carriage return is a formula
to Excel / WPS / LibreOffice; it is prefixed with an apostrophe so they show it as text.  Numbers
(int, float, Decimal) are written as they are, so a negative figure stays a number.  Every CSV
the product writes (exports, an import's rejected rows, the customer-data report) goes through
`safe_cell`, and starts with `BOM` (UTF-8 with a byte-order mark, which Excel on a Chinese Windows
needs to read Chinese correctly instead of guessing GBK).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
# RFC 4180 line ending (Python's csv default, said explicitly where a writer is made).
LINE_END = "\r\n"


def safe_cell(value: Any) -> Any:
    """The value as it should be written: numbers unchanged, risky text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text
