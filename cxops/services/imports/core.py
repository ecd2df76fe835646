"""The generic import core: files, encodings, mappings, chunked resumable runs.  See the package docstring."""

from __future__ import annotations

import codecs
import csv
import hashlib
import importlib
import io
import logging
import re
import sys
from abc import ABC
from abc import abstractmethod
from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Iterator
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import IO
from typing import Any
from typing import ClassVar
from typing import NamedTuple
from zoneinfo import ZoneInfo

import charset_normalizer
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db import connection
from django.db import connections
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cxops.errors import ApplicationError
from cxops.models import ImportJob
from cxops.models import ImportKind
from cxops.models import ImportMapping
from cxops.models import ImportRejectedRow
from cxops.models import ImportStatus
from cxops.models import NotificationKind
from cxops.personal_numbers import mask_personal_numbers
from cxops.roles import Role
from cxops.roles import require_role
from cxops.services.audit import AuditAction
from cxops.services.audit import audit_record
from cxops.services.imports import HANDLER_MODULES
from cxops.services.notifications import notify
from cxops.services.outbox import enqueue_task
from cxops.spreadsheet import BOM
from cxops.spreadsheet import LINE_END
from cxops.spreadsheet import safe_cell

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 20
RAW_ROW_LIMIT = 2000


def chunk_rows(total_lines: int | None = None) -> int:
    """Rows per committed chunk.

    PostgreSQL: about a tenth of the file, between 20,000 and 100,000 rows — big chunks amortise the
    rollup upserts (many rows of a chunk share a daily cell) while progress still moves ten times.
    SQLite: 2,000 (a chunk holds the database's single write lock while it commits)."""
    if connection.vendor != "postgresql":
        return 2_000
    return max(20_000, min(100_000, (total_lines or 0) // 10))


class RowRejected(Exception):
    """A row the handler cannot import; `reason` is shown to the analyst with the line number.  It
    quotes the row's values, so personal numbers in it are masked here, once for every path (the
    preview, the rejected rows, their CSV)."""

    def __init__(self, reason: str | Promise) -> None:
        self.reason = mask_personal_numbers(str(reason))
        super().__init__(self.reason)


class ImportFileError(ApplicationError):
    """The file as a whole cannot be read (wrong encoding, a workbook, no header)."""


class ConcurrentRun(Exception):
    """Another runner committed a chunk of this job first; this one stops (the other carries on)."""


class Written(NamedTuple):
    """What `ImportHandler.write` may return instead of a bare count: the rows added, and the rows
    the write itself refused — (line, reason), e.g. a reference deleted while the file was read.
    Refused rows are recorded as rejected rows with their line, like rows `parse` refused."""

    inserted: int
    refused: list[tuple[int, str]]


@dataclass(frozen=True)
class TargetField:
    """A field a handler fills, and how to recognise the column that holds it."""

    name: str
    label: str | Promise
    required: bool = False
    aliases: tuple[str, ...] = ()
    value_mapped: bool = False  # values are codes/names a source system may spell its own way
    help: str | Promise = ""


class ImportHandler(ABC):
    """One kind of file.  A new instance per run; `prepare` loads what `parse` looks up."""

    kind: ClassVar[str]
    fields: ClassVar[tuple[TargetField, ...]]

    def __init__(self) -> None:
        self.value_maps: dict[str, dict[str, str]] = {}
        self.source_system = ""

    def configure(self, *, source_system: str, value_maps: dict[str, dict[str, str]]) -> None:
        self.source_system = source_system
        self.value_maps = {name: dict(mapping) for name, mapping in (value_maps or {}).items()}

    @abstractmethod
    def prepare(self, *, job: ImportJob | None) -> None: ...

    @abstractmethod
    def value_targets(self, field_name: str) -> list[tuple[str, str]]:
        """What a source value of a value-mapped field may be mapped to: [(code, label)]."""

    @abstractmethod
    def resolves(self, field_name: str, value: str) -> bool:
        """True when `value` is understood without a value mapping (a code or a known name)."""

    @abstractmethod
    def parse(self, values: dict[str, str], *, line: int) -> Any: ...

    @abstractmethod
    def key(self, record: Any) -> Hashable: ...

    def stage(self, records: list[Any]) -> Any:
        """Work on a chunk that needs no database (e.g. encoding it for COPY), done on the parsing
        thread while the previous chunk is written; `write` receives what this returns."""
        return records

    @abstractmethod
    def write(self, records: Any, *, job: ImportJob) -> int | Written:
        """Write `stage(records)` in the caller's transaction, skipping records already present;
        return how many were added (or a `Written`, with the rows the write refused)."""

    def finish(self, *, job: ImportJob) -> None:
        """After the last chunk has committed (outside any chunk's transaction): deferred upkeep.
        Nothing by default."""
        return None

    def mapped(self, field_name: str, value: str) -> str:
        """The value after the source system's value mapping (an empty value may map to a default)."""
        mapping = self.value_maps.get(field_name)
        if not mapping:
            return value
        return mapping.get(value, value)


_handlers: dict[str, type[ImportHandler]] = {}
_loaded = False


def register_handler(cls: type[ImportHandler]) -> type[ImportHandler]:
    _handlers[cls.kind] = cls
    return cls


def available_kinds() -> list[str]:
    """Kinds with a handler installed (others are listed in ImportKind but not importable yet)."""
    handler_for(ImportKind.REPORTS)  # loads the handler modules
    return [kind for kind in ImportKind.values if kind in _handlers]


def handler_for(kind: str) -> ImportHandler:
    global _loaded
    if not _loaded:
        # Named, not imported: each handler module imports this one.  A missing one is an error.
        for module in HANDLER_MODULES:
            importlib.import_module(module)
        _loaded = True
    try:
        return _handlers[kind]()
    except KeyError:
        raise ApplicationError(_("No importer for this kind of file."), code="invalid") from None


# --- times -----------------------------------------------------------------------------------

_LOCAL_TIME = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2})\s*[:：时點点]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?)?\s*$"
)


@dataclass
class TimeParser:
    """Reads the shapes source systems write, as local (Asia/Shanghai) time.

    `2026-10-22 06:50:00`, `2026/9/9 21:36`, `2026年10月22日 06:50`, `2026-10-22` (midnight), and
    ISO 8601 with an explicit offset (`2026-10-22T06:50:00+08:00`, `...Z`), which is honoured.
    """

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(settings.TIME_ZONE))
    latest: datetime = field(default_factory=lambda: timezone.now() + timedelta(days=1))
    earliest: datetime = field(default_factory=lambda: datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC")))

    def __call__(self, text: str) -> datetime:
        match = _LOCAL_TIME.match(text)
        if match:
            year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
            try:
                moment = datetime(year, month, day, hour, minute, second, tzinfo=self.zone)
            except ValueError:
                raise RowRejected(_("“%(value)s” is not a valid date and time.") % {"value": text}) from None
        else:
            try:
                moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
            except ValueError:
                raise RowRejected(
                    _(
                        "Cannot read the time “%(value)s”: use e.g. 2026-10-22 06:50:00, 2026/9/9 21:36 "
                        "or 2026年10月22日 06:50."
                    )
                    % {"value": text[:40]}
                ) from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=self.zone)
            moment = moment.astimezone(self.zone)
        if moment > self.latest:
            raise RowRejected(_("The time %(value)s is in the future.") % {"value": text})
        if moment < self.earliest:
            raise RowRejected(_("The time %(value)s is before 2000.") % {"value": text})
        return moment


# --- files and encodings ------------------------------------------------------------------------

ENCODINGS = ("utf-8", "gb18030")
# Traditional-Chinese Excel (Hong Kong, Macau, Taiwan customers' files) saves CSV as Big5; most Big5
# bytes are also valid GB18030 and would decode into nonsense without an error.  A file that both
# decode is read as Big5 (Microsoft's cp950) when charset-normalizer finds that reading the more
# coherent.
BIG5 = "cp950"
BIG5_SAMPLE_BYTES = 1 << 16


def _reads_better_as_big5(stream: IO[bytes]) -> bool:
    stream.seek(0)
    sample = stream.read(BIG5_SAMPLE_BYTES)
    stream.seek(0)
    if len(sample) == BIG5_SAMPLE_BYTES and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n") + 1]  # whole lines: no character cut in two
    try:
        sample.decode(BIG5)
    except UnicodeDecodeError:
        return False
    best = charset_normalizer.from_bytes(sample, cp_isolation=["gb18030", BIG5]).best()
    return best is not None and best.encoding in (BIG5, "big5")


def detect_encoding(stream: IO[bytes]) -> str:
    """The encoding the whole file decodes with; raises ImportFileError with a plain message."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportFileError(
            _(
                "This is an Excel workbook, not a CSV file. In Excel choose “Save as” → “CSV (comma delimited)”."
            )
        )
    if head.startswith(codecs.BOM_UTF8):
        candidates: Sequence[str] = ("utf-8-sig",)
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ENCODINGS
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        stream.seek(0)
        try:
            while block := stream.read(1 << 20):
                text = decoder.decode(block)
                if "\x00" in text:
                    raise ImportFileError(_("The file contains binary data; it is not a CSV text file."))
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            stream.seek(0)
        if encoding == "gb18030" and _reads_better_as_big5(stream):
            return BIG5
        return encoding
    raise ImportFileError(
        _(
            "The file is neither UTF-8 nor GB18030/GBK text. Save it from Excel as “CSV UTF-8” "
            "or “CSV (comma delimited)” and upload it again."
        )
    )


def _delimiter(header_line: str) -> str:
    return "\t" if header_line.count("\t") > header_line.count(",") else ","


@contextmanager
def open_job_file(job: ImportJob) -> Iterator[IO[bytes]]:
    if job.source_path:
        with open(job.source_path, "rb") as stream:
            yield stream
    else:
        data = ImportJob.objects.filter(pk=job.pk).values_list("data", flat=True).get()
        yield io.BytesIO(bytes(data or b""))


@dataclass
class CsvReader:
    """Rows with the line each starts on (quoted fields may span lines)."""

    stream: IO[bytes]
    encoding: str
    header: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.text = io.TextIOWrapper(self.stream, encoding=self.encoding, newline="")
        first = self.text.readline()
        if not first.strip():
            raise ImportFileError(_("The file is empty or its first line (the column headers) is blank."))
        delimiter = _delimiter(first)
        self.header_line_count = 1
        self.reader = csv.reader(_chain_first(first, self.text), delimiter=delimiter)
        try:
            header = next(self.reader)
        except csv.Error:
            raise ImportFileError(
                _(
                    "The first line (the column headers) cannot be read: a header is longer than "
                    "%(limit)s characters or its quotes do not close."
                )
                % {"limit": f"{csv.field_size_limit():,}"}
            ) from None
        self.header = [cell.strip().lstrip("\ufeff") for cell in header]
        self.header_line_count = self.reader.line_num
        if len([h for h in self.header if h]) != len(set(h for h in self.header if h)):
            raise ImportFileError(_("Two columns have the same header; give every column its own name."))

    def rows(self) -> Iterator[tuple[int, int, list[str]]]:
        """(first line, last line, cells) for each non-blank row; lines count from 1 (the header).

        A line the csv module cannot read (a cell beyond its field size limit) comes as an
        `UnreadableRow`, which the width check rejects with its reason: one bad line is one
        rejected line, and the reader carries on with the next."""
        previous = self.reader.line_num
        while True:
            try:
                cells = next(self.reader)
            except StopIteration:
                return
            except csv.Error as error:
                start, previous = previous + 1, self.reader.line_num
                yield start, previous, UnreadableRow(error)
                continue
            start, previous = previous + 1, self.reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            yield start, previous, cells

    def detach(self) -> None:
        self.text.detach()


class UnreadableRow(list):
    """A line the csv module refused (no cells), with the reason shown to the analyst."""

    def __init__(self, error: csv.Error) -> None:
        super().__init__()
        if "field larger than field limit" in str(error):
            self.reason = _("A cell is longer than %(limit)s characters; the line was not read.") % {
                "limit": f"{csv.field_size_limit():,}"
            }
        else:
            self.reason = _("The line cannot be read as CSV (%(error)s).") % {"error": str(error)[:100]}


def _chain_first(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


def count_lines(stream: IO[bytes]) -> int:
    stream.seek(0)
    lines = 0
    last = b""
    while block := stream.read(1 << 20):
        lines += block.count(b"\n")
        last = block
    stream.seek(0)
    return lines + (1 if last and not last.endswith(b"\n") else 0)


# --- mappings -------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return re.sub(r"[\s_\-（）()：:]", "", text).casefold()


def default_column_map(handler: ImportHandler, header: Sequence[str]) -> dict[str, str]:
    """Columns recognised by name: the field's code, its label in either language, or an alias."""
    by_fold = {_fold(h): h for h in header if h}
    column_map: dict[str, str] = {}
    for target in handler.fields:
        names = [target.name, *target.aliases]
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.append(str(target.label))
        for name in names:
            column = by_fold.get(_fold(name))
            if column is not None and column not in column_map.values():
                column_map[target.name] = column
                break
    return column_map


def mapping_for(kind: str, source_system: str) -> ImportMapping | None:
    return ImportMapping.objects.filter(kind=kind, source_system=source_system).first()


def clean_mappings(
    handler: ImportHandler, header: Sequence[str], column_map: dict[str, str], value_maps: dict[str, dict]
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Drop entries naming unknown fields or columns not in this file; values are kept as strings."""
    names = {target.name for target in handler.fields}
    mapped_names = {target.name for target in handler.fields if target.value_mapped}
    columns = {
        name: column for name, column in (column_map or {}).items() if name in names and column in header
    }
    values = {
        name: {str(source): str(target) for source, target in mapping.items() if str(target)}
        for name, mapping in (value_maps or {}).items()
        if name in mapped_names and isinstance(mapping, dict)
    }
    return columns, {name: mapping for name, mapping in values.items() if mapping}


def missing_required(
    handler: ImportHandler, column_map: dict[str, str], value_maps: dict
) -> list[TargetField]:
    """Required fields with neither a column nor a default value (the mapping of the empty value)."""
    return [
        target
        for target in handler.fields
        if target.required
        and target.name not in column_map
        and not (value_maps.get(target.name) or {}).get("")
    ]


# --- job services ------------------------------------------------------------------------------


def upload_size_check(size: int) -> None:
    """Refuse an upload above settings.CXOPS_MAX_UPLOAD_BYTES.  Forms and the API call this with the
    size Django measured while spooling the upload to disk, before anything reads it into memory."""
    limit = settings.CXOPS_MAX_UPLOAD_BYTES
    if size > limit:
        raise ImportFileError(
            _("The file is larger than %(limit)s; split it or use the command line.")
            % {"limit": filesizeformat(limit)}
        )


def import_job_create(
    *,
    actor: Any,
    kind: str,
    source_system: str,
    original_name: str,
    data: bytes | None = None,
    source_path: str = "",
    upload: Any = None,
) -> ImportJob:
    """Record an uploaded file, read its header, and pre-fill the mapping (saved or recognised).

    The file comes as `data` (bytes), `source_path` (a file the workers can read) or `upload` (a
    Django UploadedFile, spooled to disk by the request: read from there, never whole; see
    `_store_upload`).  Nothing is imported yet: the analyst previews the mapping first
    (`import_job_start`).
    """
    if actor is not None:
        require_role(actor, Role.ANALYST)
    source_system = (source_system or "").strip()
    if not source_system:
        raise ApplicationError(_("Name the source system the file comes from."), code="invalid")
    if len(source_system) > 50:
        raise ApplicationError(
            _("The source system name is too long (50 characters at most)."), code="invalid"
        )
    if kind not in ImportKind.values:
        raise ApplicationError(_("No importer for this kind of file."), code="invalid")
    handler = handler_for(kind)
    if upload is not None:
        upload_size_check(upload.size)
        stream: IO[bytes] = getattr(upload, "file", upload)
        size = upload.size
    elif data is not None:
        upload_size_check(len(data))
        stream = io.BytesIO(data)
        size = len(data)
    else:
        path = Path(source_path)
        if not path.is_file():
            raise ImportFileError(_("No such file: %(path)s") % {"path": source_path})
        stream = path.open("rb")
        size = path.stat().st_size
    try:
        encoding = detect_encoding(stream)
        reader = CsvReader(stream, encoding)
        header = reader.header
        reader.detach()
        total_lines = count_lines(stream)
    finally:
        if upload is None:
            stream.close()
    saved = mapping_for(kind, source_system)
    if saved is not None:
        column_map, value_maps = clean_mappings(handler, header, saved.column_map, saved.value_maps)
        # A saved mapping may predate new columns: recognise what it does not name.
        used = set(column_map.values())
        for name, column in default_column_map(handler, header).items():
            if name not in column_map and column not in used:
                column_map[name] = column
                used.add(column)
    else:
        column_map, value_maps = default_column_map(handler, header), {}
    job = ImportJob.objects.create(
        kind=kind,
        source_system=source_system,
        original_name=original_name[:255],
        data=data,
        source_path=source_path,
        size_bytes=size,
        encoding=encoding,
        header=header,
        column_map=column_map,
        value_maps=value_maps,
        total_lines=total_lines,
        created_by=actor,
    )
    if upload is not None:
        _store_upload(job, stream)
    return job


# An upload is written to the job's row in pieces of this size (PostgreSQL).
UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024


def _store_upload(job: ImportJob, stream: IO[bytes]) -> None:
    """The uploaded file into the job's row without holding it in the web process.

    Read whole, a 100 MB upload left a web worker at ~640 MB resident: the bytes, and the copies
    the database driver makes of a parameter.  On PostgreSQL the file is appended in pieces
    (`data || piece`), so the process holds about three pieces at most.  SQLite (one machine, the
    embedded mode) takes it in one statement."""
    stream.seek(0)
    if connection.vendor != "postgresql":
        ImportJob.objects.filter(pk=job.pk).update(data=stream.read())
        return
    table = connection.ops.quote_name(ImportJob._meta.db_table)
    ImportJob.objects.filter(pk=job.pk).update(data=b"")
    with connection.cursor() as cursor:
        while piece := stream.read(UPLOAD_CHUNK_BYTES):
            # the table name is the model's own, not input
            cursor.execute(f"UPDATE {table} SET data = data || %s WHERE id = %s", [piece, job.pk])  # noqa: S608


def import_mapping_save(
    *, actor: Any, kind: str, source_system: str, column_map: dict[str, str], value_maps: dict[str, dict]
) -> ImportMapping:
    """Save (or replace) the source system's mapping for the next files."""
    if actor is not None:
        require_role(actor, Role.ANALYST)
    mapping, _created = ImportMapping.objects.update_or_create(
        kind=kind,
        source_system=source_system,
        defaults={
            "column_map": column_map,
            "value_maps": value_maps,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    return mapping


def import_job_set_mapping(
    *, actor: Any, job: ImportJob, column_map: dict[str, str], value_maps: dict[str, dict], save: bool = True
) -> ImportJob:
    """Change the mapping of a job not yet started (and, by default, save it for the source system).

    `actor` None is the system (management command run by an operator)."""
    if actor is not None:
        require_role(actor, Role.ANALYST)
    handler = handler_for(job.kind)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not job.can_start:
            raise ApplicationError(
                _("This import has already started; its mapping cannot change."), code="conflict"
            )
        job.column_map, job.value_maps = clean_mappings(handler, job.header, column_map, value_maps)
        job.save(update_fields=["column_map", "value_maps"])
        if save:
            import_mapping_save(
                actor=actor,
                kind=job.kind,
                source_system=job.source_system,
                column_map=job.column_map,
                value_maps=job.value_maps,
            )
    return job


def import_job_discard(*, job: ImportJob) -> None:
    """Forget a job that was only previewed (never started)."""
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.MAPPING).delete()


@dataclass
class PreviewRow:
    line: int
    values: dict[str, str]
    rejected: str = ""


@dataclass
class Preview:
    rows: list[PreviewRow]
    unresolved: dict[str, list[str]]  # value-mapped field → source values the importer does not understand
    missing: list[TargetField]


def import_job_preview(*, job: ImportJob, rows: int = PREVIEW_ROWS) -> Preview:
    """The first rows as they would be imported (mapped, validated), without writing anything."""
    handler = handler_for(job.kind)
    handler.configure(source_system=job.source_system, value_maps=job.value_maps)
    handler.prepare(job=None)
    result: list[PreviewRow] = []
    unresolved: dict[str, list[str]] = {}
    sample_rows = max(rows, 200)  # look further than the table for values needing a mapping
    with open_job_file(job) as stream:
        reader = CsvReader(stream, job.encoding)
        index = _column_indexes(job.header, job.column_map)
        for count, (line, _end, cells) in enumerate(reader.rows()):
            if count >= sample_rows:
                break
            raw_values = _values(index, cells)
            for target in handler.fields:
                value = raw_values.get(target.name, "")
                if (
                    target.value_mapped
                    and value
                    and value not in handler.value_maps.get(target.name, {})
                    and not handler.resolves(target.name, value)
                ):
                    seen = unresolved.setdefault(target.name, [])
                    value = mask_personal_numbers(value)
                    if value not in seen and len(seen) < 50:
                        seen.append(value)
            if count < rows:
                row = PreviewRow(
                    line=line, values={k: mask_personal_numbers(v) for k, v in raw_values.items()}
                )
                try:
                    _check_width(cells, job.header)
                    handler.parse(raw_values, line=line)
                except RowRejected as rejected:
                    row.rejected = rejected.reason
                result.append(row)
        reader.detach()
    return Preview(
        rows=result, unresolved=unresolved, missing=missing_required(handler, job.column_map, job.value_maps)
    )


def import_job_start(*, actor: Any, job: ImportJob, enqueue: bool = True) -> ImportJob:
    """Queue the import; it runs as a Celery task after commit (inline in the embedded mode).

    `enqueue=False` only marks it queued, for a caller that runs `import_job_run` itself (the
    management command); `actor` None is the system."""
    if actor is not None:
        require_role(actor, Role.ANALYST)
    handler = handler_for(job.kind)
    missing = missing_required(handler, job.column_map, job.value_maps)
    if missing:
        raise ApplicationError(
            _("Choose a column (or a value for empty cells) for: %(fields)s")
            % {"fields": "、".join(str(target.label) for target in missing)},
            code="invalid",
        )
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in (ImportStatus.MAPPING, ImportStatus.FAILED):
            raise ApplicationError(_("This import is already queued or running."), code="conflict")
        job.status = ImportStatus.QUEUED
        job.error = ""
        job.heartbeat_at = timezone.now()
        job.stalls_without_progress, job.stalled_at_line = 0, None  # a person's start: count afresh
        job.save(
            update_fields=["status", "error", "heartbeat_at", "stalls_without_progress", "stalled_at_line"]
        )

        audit_record(
            actor=actor,
            actor_name=None if actor is not None else "manage.py",
            action=AuditAction.IMPORT_STARTED,
            target=job,
            summary=f"{job.kind} · {job.source_system} · {job.original_name}",
        )
        if enqueue:
            enqueue_task("cxops.tasks.run_import_job", job.pk)
    return job


# --- the run --------------------------------------------------------------------------------------


def _column_indexes(header: Sequence[str], column_map: dict[str, str]) -> list[tuple[str, int]]:
    positions = {name: i for i, name in enumerate(header)}
    return [(name, positions[column]) for name, column in column_map.items() if column in positions]


def _values(index: list[tuple[str, int]], cells: list[str]) -> dict[str, str]:
    width = len(cells)
    return {name: cells[i].strip() if i < width else "" for name, i in index}


def _check_width(cells: list[str], header: Sequence[str]) -> None:
    if isinstance(cells, UnreadableRow):
        raise RowRejected(cells.reason)
    if len(cells) != len(header):
        raise RowRejected(
            _("Expected %(expected)d columns, found %(found)d (a comma inside a value needs quotes).")
            % {"expected": len(header), "found": len(cells)}
        )


def _raw(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return mask_personal_numbers(buffer.getvalue().rstrip("\r\n"))[:RAW_ROW_LIMIT]


def synthetic_external_id(cells: Sequence[str]) -> str:
    """For rows without an id: a digest of the row, so re-sending the same row is still a duplicate."""
    return "auto-" + hashlib.sha1("\x1f".join(cells).encode("utf-8"), usedforsecurity=False).hexdigest()[:24]


@dataclass
class _Chunk:
    records: list[Any] = field(default_factory=list)
    keys: set[Hashable] = field(default_factory=set)
    rejected: list[ImportRejectedRow] = field(default_factory=list)
    seen: int = 0
    duplicates_in_file: int = 0
    staged: Any = None  # handler.stage(records)


# A job taken this many times in a row at the same line, never getting further, is failed by the
# next worker instead of run: a chunk that kills every worker taking it (memory, a crash in a
# library) would otherwise be handed from worker to worker for ever, by the recovery sweep and by the
# broker (a lost worker's message is delivered again), and hidden from the one person who can fix it.
MAX_STALLS_WITHOUT_PROGRESS = 3

STOPPED = gettext_noop("Import “%(name)s” stopped at line %(line)s")
STOPPED_BODY = gettext_noop(
    "Its worker stopped there several times in a row, so it is no longer retried. Look at the file "
    "from that line on, then resume the import on its page."
)


def import_job_run(*, job_id: int, progress: Callable[[ImportJob], None] | None = None) -> ImportJob:
    """Run (or resume) an import.  Safe to call twice: committed chunks are skipped, rows are keyed."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status in (ImportStatus.DONE, ImportStatus.MAPPING, ImportStatus.FAILED):
            return job
        line = job.processed_lines
        stalls = job.stalls_without_progress + 1 if job.stalled_at_line == line else 0
        job.stalled_at_line, job.stalls_without_progress = line, stalls
        if stalls >= MAX_STALLS_WITHOUT_PROGRESS:
            _give_up(job, line=line, stalls=stalls)
            return job
        job.status = ImportStatus.RUNNING
        job.attempts = F("attempts") + 1
        job.started_at = job.started_at or timezone.now()
        job.heartbeat_at = timezone.now()
        job.save(
            update_fields=[
                "status", "attempts", "started_at", "heartbeat_at", "stalled_at_line", "stalls_without_progress",
            ]
        )  # fmt: skip
    job.refresh_from_db(fields=["attempts"])
    try:
        # Rejection reasons are stored, so they are written in the site's language whoever runs the job.
        with translation.override(settings.LANGUAGE_CODE):
            _run(job, progress)
    except ConcurrentRun:
        logger.info("import %s: another runner is ahead; stopping", job.pk)
        return ImportJob.objects.get(pk=job.pk)
    except Exception as error:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, error=str(error)[:2000] or error.__class__.__name__
        )
        raise
    # The uploaded file holds full customer numbers: once every row is in, it is not kept.
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.DONE, finished_at=timezone.now(), error="", data=None
    )
    return ImportJob.objects.get(pk=job.pk)


def _give_up(job: ImportJob, *, line: int, stalls: int) -> None:
    """Fail a job its workers keep dying on, and tell its owner.  Caller holds the row lock."""
    logger.error(
        "import job %s: taken %s times in a row at line %s without progress; failed", job.pk, stalls, line
    )
    job.status = ImportStatus.FAILED
    with translation.override(settings.LANGUAGE_CODE):  # stored: the site's language
        job.error = _("The worker stopped %(count)s times in a row after line %(line)s.") % {
            "count": stalls,
            "line": line,
        }
    job.save(update_fields=["status", "error", "stalled_at_line", "stalls_without_progress"])
    notify(
        recipient_ids=[job.created_by_id] if job.created_by_id else [],
        kind=NotificationKind.OTHER,
        message=STOPPED,
        params={"name": job.original_name, "line": line},
        body_message=STOPPED_BODY,
        url=reverse("reports:import", args=[job.pk]),
        event_key=f"import-stopped:{job.pk}:{job.recoveries}",
    )


def _run(job: ImportJob, progress: Callable[[ImportJob], None] | None) -> None:
    handler = handler_for(job.kind)
    handler.configure(source_system=job.source_system, value_maps=job.value_maps)
    handler.prepare(job=job)
    index = _column_indexes(job.header, job.column_map)
    width = len(job.header)
    checkpoint = job.processed_lines
    size = chunk_rows(job.total_lines)
    chunk = _Chunk()
    with open_job_file(job) as stream, _ChunkWriter(job, handler, progress) as writer:
        reader = CsvReader(stream, job.encoding)
        last_line = reader.header_line_count
        for line, end, cells in reader.rows():
            last_line = end
            if end <= checkpoint:
                continue
            chunk.seen += 1
            try:
                if len(cells) != width:
                    _check_width(cells, job.header)
                record = handler.parse(_values(index, cells), line=line)
            except RowRejected as rejected:
                chunk.rejected.append(
                    ImportRejectedRow(job_id=job.pk, line=line, reason=rejected.reason[:500], raw=_raw(cells))
                )
            else:
                key = handler.key(record)
                if key in chunk.keys:
                    chunk.duplicates_in_file += 1
                else:
                    chunk.keys.add(key)
                    chunk.records.append(record)
            if chunk.seen >= size:
                writer.submit(chunk, checkpoint, end)
                checkpoint = end
                chunk = _Chunk()
        reader.detach()
        writer.submit(chunk, checkpoint, max(last_line, checkpoint), final=True)
    handler.finish(job=job)


WRITER_SWITCH_INTERVAL = 0.0005  # seconds


class _ChunkWriter:
    """Commits chunks in order on a second thread while this one parses the next chunk, so the
    database writes one chunk while Python reads the next (two cores instead of one, taking turns).

    The writer thread borrows this thread's database connection (Django's thread sharing, as its
    live test server does), so a chunk commits exactly as it would here, inside any transaction the
    caller holds.  At most one chunk is in flight, and this thread does not touch the database
    until it has been waited for: `submit` and leaving the block wait, and re-raise its error.
    """

    def __init__(self, job: ImportJob, handler: ImportHandler, progress: Callable[[ImportJob], None] | None):
        self.job = job
        self.handler = handler
        self.progress = progress
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.language = translation.get_language()
        self.pending: Future[int] | None = None

    def __enter__(self) -> _ChunkWriter:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
        self.connection.inc_thread_sharing()
        # Each answer from the database wakes the writer, which then waits for the GIL while the
        # parser holds it: by default up to 5 ms, per statement.  Switching more often keeps the
        # database busy (measured: a tenth off a 100,000-row import).
        self.switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self.switch_interval, WRITER_SWITCH_INTERVAL))
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: Any) -> None:
        try:
            if kind is None:
                self.wait()
            elif self.pending is not None:
                # this thread failed: let the chunk in flight finish (or fail) before the caller
                # uses the connection again; this thread's error is the one that propagates
                wait_for([self.pending])
        finally:
            self.executor.shutdown(wait=True)
            self.connection.dec_thread_sharing()
            sys.setswitchinterval(self.switch_interval)

    def submit(self, chunk: _Chunk, checkpoint: int, upto: int, *, final: bool = False) -> None:
        chunk.staged = self.handler.stage(chunk.records) if chunk.records else None
        self.wait()
        self.pending = self.executor.submit(self._commit, chunk, checkpoint, upto, final)

    def wait(self) -> None:
        if self.pending is None:
            return
        pending, self.pending = self.pending, None
        pending.result()
        if self.progress is not None:
            self.progress(self.job)

    def _commit(self, chunk: _Chunk, checkpoint: int, upto: int, final: bool) -> int:
        connections[DEFAULT_DB_ALIAS] = self.connection
        with translation.override(self.language):
            return _commit_chunk(self.job, self.handler, chunk, checkpoint, upto, final=final)


def _commit_chunk(
    job: ImportJob, handler: ImportHandler, chunk: _Chunk, checkpoint: int, upto: int, *, final: bool = False
) -> int:
    """Write a chunk, its rejected rows and the new checkpoint in one transaction.

    On PostgreSQL the chunk commits without waiting for its WAL to reach the disk
    (`synchronous_commit = off`, this transaction only).  Safe here: the chunk and its checkpoint
    commit together, so a database crash can only lose whole chunks *and* their checkpoints (the
    re-run redoes them), and the job's final status update is an ordinary commit, which flushes
    every chunk's WAL before the job is reported done.  Foreign keys (deferred to the commit by
    Django) are checked row by row as the chunk is written, which is cheaper than queueing a
    check per row for the commit; the default mode is restored at the end.  (The report table's
    own references are checked once per statement, by triggers: migration 0024.)  JIT compilation
    is off for the chunk: a bulk insert's time is index and trigger work that JIT does not speed
    up, and compiling one statement of the writer's size took 0.8 s (bench/ingest.py's `whole`).
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET LOCAL synchronous_commit = off; SET CONSTRAINTS ALL IMMEDIATE; SET LOCAL jit = off"
                )
        locked = ImportJob.objects.select_for_update().only("processed_lines").get(pk=job.pk)
        if locked.processed_lines != checkpoint:
            raise ConcurrentRun
        written = handler.write(chunk.staged, job=job) if chunk.records else 0
        inserted, refused = (written, []) if isinstance(written, int) else written
        rejected = chunk.rejected + [
            ImportRejectedRow(job_id=job.pk, line=line, reason=mask_personal_numbers(reason)[:500], raw="")
            for line, reason in refused
        ]
        if rejected:
            ImportRejectedRow.objects.bulk_create(rejected, ignore_conflicts=True, batch_size=1000)
        updates: dict[str, Any] = {
            "processed_lines": upto,
            "rows_seen": F("rows_seen") + chunk.seen,
            "inserted": F("inserted") + inserted,
            "duplicates": F("duplicates")
            + (len(chunk.records) - inserted - len(refused))
            + chunk.duplicates_in_file,
            "rejected": F("rejected") + len(rejected),
            "heartbeat_at": timezone.now(),  # a sign of life (recovery.py)
        }
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        if final:
            updates["total_lines"] = upto
        ImportJob.objects.filter(pk=job.pk).update(**updates)
    job.processed_lines = upto
    return upto


def rejected_rows_csv(job: ImportJob) -> Iterator[str]:
    """The rejected rows as CSV lines (UTF-8 with BOM so Excel opens it), formula-injection safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=LINE_END)
    yield BOM
    writer.writerow([_("line"), _("reason"), _("row as read")])
    for row in job.rejected_rows.order_by("line").iterator(chunk_size=2000):
        writer.writerow([row.line, safe_cell(row.reason), safe_cell(row.raw)])
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


__all__ = [
    "ConcurrentRun",
    "ImportFileError",
    "ImportHandler",
    "RowRejected",
    "TargetField",
    "TimeParser",
    "handler_for",
    "import_job_create",
    "import_job_preview",
    "import_job_run",
    "import_job_set_mapping",
    "import_job_start",
    "register_handler",
]
