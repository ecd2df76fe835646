"""CSV exports that are safe to open in a spreadsheet.

- Formula injection (OWASP "CSV injection"): a text cell starting with = + - @, a tab or a carriage
  return is prefixed with an apostrophe so Excel / WPS / LibreOffice show it as text instead of
  evaluating it.  Numbers (int, float, Decimal) are written as they are, so a negative figure
  stays a number.
- Encoding: UTF-8 with a byte-order mark, which Excel needs to read Chinese correctly (without
  it, Excel on a Chinese Windows guesses GBK and shows mojibake).

    return csv_response("volumes.csv", ["产品", "咨询量"], rows)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


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


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """The CSV document (with BOM) as text."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()


def csv_response(filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """An attachment download; `filename` may contain Chinese (RFC 5987 encoded)."""
    response = HttpResponse(csv_text(header, rows).encode("utf-8"), content_type="text/csv; charset=utf-8")
    ascii_name = filename.encode("ascii", "ignore").decode() or "export.csv"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
