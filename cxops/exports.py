"""CSV exports that are safe to open in a spreadsheet.

- Formula injection (OWASP "CSV injection"): a text cell starting with = + - @, a tab or a carriage
  return is prefixed with an apostrophe so Excel / WPS / LibreOffice show it as text instead of
  evaluating it.  Numbers (int, float, Decimal) are written as they are, so a negative figure
  stays a number.
- Encoding: UTF-8 with a byte-order mark, which Excel needs to read Chinese correctly (without
  it, Excel on a Chinese Windows guesses GBK and shows mojibake).

    return csv_response("volumes.csv", ["产品", "咨询量"], rows)

Large exports (the main records, issue 19) do not build the document in memory:
`csv_streaming_response` writes rows as the iterator yields them (feed it a queryset's
`values_list(...).iterator(chunk_size=...)`), and `xlsx_file` writes an openpyxl write-only
workbook (rows go to a temporary file as they come; the file is zipped on save).  In XLSX a risky
text cell is written as a string cell, never a formula; characters XML cannot hold are dropped.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import IO
from typing import Any
from urllib.parse import quote

from django.http import FileResponse
from django.http import HttpResponse
from django.http import StreamingHttpResponse
from django.utils import timezone

# The formula guard and the BOM, shared with every other CSV writer.
from cxops.spreadsheet import BOM
from cxops.spreadsheet import DANGEROUS_PREFIXES
from cxops.spreadsheet import LINE_END
from cxops.spreadsheet import safe_cell


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """The CSV document (with BOM) as text."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator=LINE_END)
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


def attachment_disposition(filename: str, fallback: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or fallback
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def plain_value(value: Any) -> Any:
    """Moments as local time text (the people reading the file are in Asia/Shanghai), dates ISO."""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value.isoformat()
    return value


class _Echo:
    """A file-like object whose write returns the line (csv.writer writes one row at a time)."""

    def write(self, value: str) -> str:
        return value


STREAM_BATCH_ROWS = 500


def csv_stream(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The CSV document (BOM, formula-safe cells) as byte chunks of a few hundred rows."""
    writer = csv.writer(_Echo(), lineterminator=LINE_END)
    yield (BOM + writer.writerow([safe_cell(h) for h in header])).encode("utf-8")
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow([safe_cell(plain_value(v)) for v in row]))
        if len(batch) >= STREAM_BATCH_ROWS:
            yield "".join(batch).encode("utf-8")
            batch = []
    if batch:
        yield "".join(batch).encode("utf-8")


def csv_streaming_response(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_stream(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_disposition(filename, "export.csv")
    return response


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # noqa: PLC0415

    value = plain_value(value)
    if value is None or isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith(DANGEROUS_PREFIXES):
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # shown as typed, never evaluated
        return cell
    return text


def xlsx_file(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], *, sheet_title: str = "export"
) -> IO[bytes]:
    """An XLSX workbook (one sheet, bold-free header row) in a temporary file, positioned at 0."""
    from openpyxl import Workbook  # noqa: PLC0415

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "export")
    sheet.append([_xlsx_cell(sheet, h) for h in header])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    target = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
    workbook.save(target)
    target.seek(0)
    return target


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]], **kwargs: Any
) -> FileResponse:
    response = FileResponse(xlsx_file(header, rows, **kwargs), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_disposition(filename, "export.xlsx")
    return response
