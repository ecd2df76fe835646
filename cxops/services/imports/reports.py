"""The experience-report import handler: CSV columns → reports, through the generic core.

Columns (headers in Chinese or English, or mapped per source system): external id, occurred at,
source type, product, channel, layer, stage, summary, detail, severity, customer number,
segments.  Reference values may be codes or names in either language; the source system's value
mapping translates its own spellings, and the mapping of the empty value is the default.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxops.errors import ApplicationError
from cxops.model_meta import verbose_name
from cxops.models import Channel
from cxops.models import ExperienceLayer
from cxops.models import ExperienceReport
from cxops.models import ImportJob
from cxops.models import ImportKind
from cxops.models import LifecycleStage
from cxops.models import Product
from cxops.models import Region
from cxops.models import ReportStatus
from cxops.models import Segment
from cxops.models import Severity
from cxops.models import SourceType
from cxops.models import default_region_id
from cxops.personal_numbers import mask_personal_numbers
from cxops.phones import InvalidPhone
from cxops.phones import customer_reference
from cxops.reference_seed import CITY_ABBREVIATIONS
from cxops.regions import user_region
from cxops.selectors.reference import reference_by_code
from cxops.services.reports import DETAIL_MAX
from cxops.services.rollups import ReportFacts
from cxops.services.rollups import rollup_upsert_ctes
from cxops.services.rollups import rollups_apply_delta

from .core import ImportHandler
from .core import RowRejected
from .core import TargetField
from .core import TimeParser
from .core import Written
from .core import register_handler
from .core import synthetic_external_id
from .writers import copy_into
from .writers import copy_payload
from .writers import ensure_staging
from .writers import insert_ignoring_conflicts

SUMMARY_MAX = 200
SEGMENT_SEPARATORS = re.compile(r"[,，;；、|/]")

# Words source systems use for our codes, beyond the labels themselves.
SYNONYMS: dict[str, dict[str, str]] = {
    "source_type": {
        "投诉": SourceType.COMPLAINT,
        "申告": SourceType.COMPLAINT,
        "咨询": SourceType.CONSULTATION,
        "查询": SourceType.CONSULTATION,
        "建议": SourceType.SUGGESTION,
        "意见": SourceType.SUGGESTION,
        "观察": SourceType.OBSERVATION,
        "一线观察": SourceType.OBSERVATION,
        "调研": SourceType.SURVEY,
        "调查": SourceType.SURVEY,
        "问卷": SourceType.SURVEY,
    },
    "layer": {
        "功能": ExperienceLayer.FUNCTIONAL,
        "功能性": ExperienceLayer.FUNCTIONAL,
        "便利": ExperienceLayer.CONVENIENCE,
        "便利性": ExperienceLayer.CONVENIENCE,
        "情感": ExperienceLayer.EMOTIONAL,
        "情感性": ExperienceLayer.EMOTIONAL,
    },
    "stage": {"重复使用": LifecycleStage.REPEAT_USE, "repeat use": LifecycleStage.REPEAT_USE},
    "severity": {
        "低": "1",
        "一般": "2",
        "中": "2",
        "高": "3",
        "严重": "4",
        "紧急": "4",
        "重大": "4",
    },
}


class ReportRecord(NamedTuple):
    source_type: str
    product_id: int
    channel_id: int
    layer: str
    stage: str
    summary: str
    detail: str
    occurred_at: Any  # aware datetime
    severity: int
    customer_masked: str
    customer_hash: str
    external_id: str
    segment_ids: str  # "3,7" or ""
    reporter_id: int | None = None  # imports leave it empty; the demo history sets its agents
    region_id: int | None = None  # None: the default region (CXOPS_DEFAULT_REGION)
    line: int = 0  # the file line it was read from (named when the writer refuses it)


FIELDS = (
    TargetField(
        "external_id",
        gettext_lazy("External id"),
        aliases=("工单号", "工单编号", "流水号", "编号", "id", "record id", "ticket id"),
        help=gettext_lazy("The record's id in the source system; re-sending the same id adds nothing."),
    ),
    TargetField(
        "occurred_at",
        gettext_lazy("Occurred at"),
        required=True,
        aliases=("受理时间", "发生时间", "时间", "日期", "创建时间", "time", "date"),
        help=gettext_lazy(
            "Read as Asia/Shanghai time: 2026-10-22 06:50:00, 2026/9/9 21:36, 2026年10月22日 06:50."
        ),
    ),
    TargetField(
        "source_type",
        gettext_lazy("Source type"),
        required=True,
        value_mapped=True,
        aliases=("工单类型", "类型", "来源类型", "type"),
    ),
    TargetField(
        "product",
        gettext_lazy("Product"),
        required=True,
        value_mapped=True,
        aliases=("业务名称", "业务", "产品"),
    ),
    TargetField(
        "channel",
        gettext_lazy("Channel"),
        required=True,
        value_mapped=True,
        aliases=("渠道", "触点", "受理渠道"),
    ),
    TargetField(
        "layer",
        gettext_lazy("Experience layer"),
        required=True,
        value_mapped=True,
        aliases=("体验层次", "层次"),
    ),
    TargetField(
        "stage",
        gettext_lazy("Lifecycle stage"),
        required=True,
        value_mapped=True,
        aliases=("体验生命周期", "阶段"),
    ),
    TargetField(
        "summary",
        gettext_lazy("Summary"),
        required=True,
        aliases=("摘要", "标题", "问题摘要", "主题", "subject"),
    ),
    TargetField(
        "detail", gettext_lazy("Detail"), aliases=("详情", "内容", "问题描述", "描述", "description")
    ),
    TargetField(
        "severity", gettext_lazy("Severity"), value_mapped=True, aliases=("严重程度", "紧急程度", "级别")
    ),
    TargetField(
        "customer",
        gettext_lazy("Customer number"),
        aliases=("客户号码", "用户号码", "手机号码", "号码", "手机号", "phone", "msisdn"),
        help=gettext_lazy("Stored only masked (138****8000) and as a keyed hash."),
    ),
    TargetField(
        "segments",
        gettext_lazy("Customer segments"),
        value_mapped=True,
        aliases=("客户群", "客群", "用户标签"),
    ),
    TargetField(
        "region",
        gettext_lazy("City"),
        value_mapped=True,
        aliases=("地市", "城市", "所属地市", "地区", "区域", "归属地", "region", "city"),
        help=gettext_lazy(
            "A city's name (佛山, 佛山市), code (foshan) or initials (FS); without it, the importer's "
            "home city, else the default region."
        ),
    ),
)


def _label_lookup(choices: Any, field_name: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        lookup[str(value).casefold()] = str(value)
        for language in ("zh-hans", "en"):
            with translation.override(language):
                lookup[str(label).casefold()] = str(value)
    for word, value in SYNONYMS.get(field_name, {}).items():
        lookup[word.casefold()] = str(value)
    return lookup


def _region_lookup() -> tuple[dict[str, int], dict[str, int]]:
    """Region names in either language, with and without 市/省, codes and initials (FS → foshan)."""
    by_name: dict[str, int] = {}
    by_code: dict[str, int] = {}
    for pk, code, name_zh, name_en in Region.objects.filter(is_active=True).values_list(
        "pk", "code", "name_zh", "name_en"
    ):
        by_code[code] = pk
        for name in (code, name_zh, name_en, name_zh.removesuffix("市"), name_zh.removesuffix("省")):
            if name:
                by_name[name.casefold()] = pk
    for initials, code in CITY_ABBREVIATIONS.items():
        if code in by_code:
            by_name.setdefault(initials.casefold(), by_code[code])
    return by_name, by_code


def _reference_lookup(model: Any) -> tuple[dict[str, int], dict[str, int]]:
    by_name: dict[str, int] = {}
    by_code: dict[str, int] = {}
    for pk, code, name_zh, name_en in model.objects.values_list("pk", "code", "name_zh", "name_en"):
        by_code[code] = pk
        for name in (code, name_zh, name_en):
            by_name[name.casefold()] = pk
    return by_name, by_code


@register_handler
class ReportImportHandler(ImportHandler):
    kind = ImportKind.REPORTS
    fields = FIELDS
    # The downloadable template's example row, in the template's column order (first alias of each field).
    EXAMPLE_ROW = [
        "T20261022001",
        "2026-10-22 06:50:00",
        "投诉",
        "飞信",
        "10086热线",
        "功能性",
        "使用",
        "飞信申请失败，提示系统忙",
        "客户多次尝试申请飞信号码均失败",
        "高",
        "",
        "新入网用户",
        "佛山",
    ]

    def prepare(self, *, job: ImportJob | None) -> None:
        self.times = TimeParser()
        self.lookups: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        for name, model in (("product", Product), ("channel", Channel), ("segments", Segment)):
            self.lookups[name], self.codes[name] = _reference_lookup(model)
        self.lookups["region"], self.codes["region"] = _region_lookup()
        # A city importer imports their city's reports only; rows without a city are theirs.

        creator = getattr(job, "created_by", None) if job is not None else None
        self.home = user_region(creator) if creator is not None else None
        default = self.home or reference_by_code(Region, settings.CXOPS_DEFAULT_REGION)
        self.default_region_id = default.pk if default is not None else None
        # the writer's own fallback, looked up here: `stage` runs on the parsing thread, which must
        # not use the connection while the writer thread holds it (it would wait for the chunk)
        self.fallback_region_id = default_region_id()
        for name, choices in (
            ("source_type", SourceType),
            ("layer", ExperienceLayer),
            ("stage", LifecycleStage),
            ("severity", Severity),
        ):
            lookup = _label_lookup(choices, name)
            self.lookups[name] = lookup
            self.codes[name] = {value: value for value in set(lookup.values())}
        if "severity" in self.lookups:
            self.lookups["severity"] = {key: int(value) for key, value in self.lookups["severity"].items()}
            self.codes["severity"] = {value: int(value) for value in self.codes["severity"]}
        # The source system's own spellings win over everything else; exact values first.
        self.exact: dict[str, dict[str, Any]] = {}
        for name, mapping in self.value_maps.items():
            codes = self.codes.get(name, {})
            self.exact[name] = {
                source: codes[target] for source, target in mapping.items() if target in codes
            }
        self.labels = {target.name: str(target.label) for target in self.fields}

    def value_targets(self, field_name: str) -> list[tuple[str, str]]:
        if field_name == "region":
            return [(item.code, item.name) for item in Region.objects.filter(is_active=True)]
        if field_name in ("product", "channel", "segments"):
            model = {"product": Product, "channel": Channel, "segments": Segment}[field_name]
            return [(item.code, item.name) for item in model._default_manager.filter(is_active=True)]
        choices = {
            "source_type": SourceType,
            "layer": ExperienceLayer,
            "stage": LifecycleStage,
            "severity": Severity,
        }
        return [(str(value), str(label)) for value, label in choices[field_name].choices]

    def resolves(self, field_name: str, value: str) -> bool:
        lookup = self.lookups.get(field_name, {})
        if field_name == "segments":
            return all(
                part.strip().casefold() in lookup for part in SEGMENT_SEPARATORS.split(value) if part.strip()
            )
        return value.casefold() in lookup

    def _resolve(self, name: str, value: str) -> Any:
        exact = self.exact.get(name)
        if exact:
            hit = exact.get(value)
            if hit is not None:
                return hit
        if not value:
            raise RowRejected(_("%(field)s is empty.") % {"field": self.labels[name]})
        hit = self.lookups[name].get(value.casefold())
        if hit is None:
            raise RowRejected(
                _("Unknown %(field)s “%(value)s”: add it to the value mapping.")
                % {"field": self.labels[name], "value": value[:50]}
            )
        return hit

    def _field(self, name: str, value: str, errors: list[str]) -> Any:
        """`_resolve`, with a refusal noted in `errors` (the row goes on being read) instead of raised."""
        try:
            return self._resolve(name, value)
        except RowRejected as rejected:
            errors.append(rejected.reason)
            return None

    def parse(self, values: dict[str, str], *, line: int) -> ReportRecord:
        """Read one row.  Every problem of the row is reported at once (an analyst fixing a file
        should not learn of the second mistake only after fixing the first), in column order."""
        get = values.get
        errors: list[str] = []
        summary = get("summary", "")
        if not summary:
            errors.append(_("The summary is empty."))
        detail = get("detail", "")
        summary = mask_personal_numbers(summary)
        detail = mask_personal_numbers(detail)
        if len(summary) > SUMMARY_MAX:
            detail = detail or summary
            summary = summary[: SUMMARY_MAX - 1] + "…"
        if len(detail) > DETAIL_MAX:
            errors.append(
                _("The detail is longer than %(limit)d characters (it has %(length)d).")
                % {"limit": DETAIL_MAX, "length": len(detail)}
            )
        occurred = get("occurred_at", "")
        occurred_at = None
        if not occurred:
            errors.append(_("The time it occurred is empty."))
        else:
            try:
                occurred_at = self.times(occurred)
            except RowRejected as rejected:
                errors.append(rejected.reason)
        severity_text = get("severity", "")
        if severity_text or self.exact.get("severity", {}).get(""):
            severity = self._field("severity", severity_text, errors)
        else:
            severity = int(Severity.MEDIUM)
        customer_masked, customer_hash = "", ""
        try:
            customer_masked, customer_hash = customer_reference(get("customer", ""))
        except InvalidPhone:
            errors.append(_("The customer number is not a valid mobile or landline number."))
        segments_text = get("segments", "")
        segment_ids = ""
        if segments_text:
            exact = self.exact.get("segments", {}).get(segments_text)
            if exact is not None:
                segment_ids = str(exact)
            else:
                ids = {
                    self._field("segments", part.strip(), errors)
                    for part in SEGMENT_SEPARATORS.split(segments_text)
                    if part.strip()
                }
                segment_ids = ",".join(map(str, sorted(i for i in ids if i is not None)))
        region_text = get("region", "").strip()
        if region_text or self.exact.get("region", {}).get(""):
            region_id = self._field("region", region_text, errors)
        else:
            region_id = self.default_region_id
        if self.home is not None and region_id is not None and region_id != self.home.pk:
            errors.append(
                _("This row is for another city (%(value)s); you import %(city)s's reports only.")
                % {"value": region_text[:50], "city": self.home.name}
            )
        external_id = get("external_id", "")
        if not external_id:
            external_id = synthetic_external_id(
                [occurred, summary, detail, get("product", ""), get("channel", "")]
            )
        elif len(external_id) > 100:
            errors.append(_("The external id is longer than 100 characters."))
        source_type = self._field("source_type", get("source_type", ""), errors)
        product_id = self._field("product", get("product", ""), errors)
        channel_id = self._field("channel", get("channel", ""), errors)
        layer = self._field("layer", get("layer", ""), errors)
        stage = self._field("stage", get("stage", ""), errors)
        if errors:
            raise RowRejected(_("; ").join(str(error) for error in errors))
        return ReportRecord(
            source_type=source_type,
            product_id=product_id,
            channel_id=channel_id,
            layer=layer,
            stage=stage,
            summary=summary,
            detail=detail,
            occurred_at=occurred_at,
            severity=severity,
            customer_masked=customer_masked,
            customer_hash=customer_hash,
            external_id=external_id,
            segment_ids=segment_ids,
            region_id=region_id,
            line=line,
        )

    def key(self, record: ReportRecord) -> Hashable:
        return record.external_id

    def stage(self, records: list[ReportRecord]) -> StagedReports:
        payload = (
            reports_copy_payload(records, default_region=self.fallback_region_id)
            if connection.vendor == "postgresql"
            else None
        )
        return StagedReports(records, payload)

    def write(self, records: StagedReports, *, job: ImportJob) -> Written:
        refused: list[tuple[int, str]] = []
        inserted = reports_bulk_insert(
            records=records.records,
            source_system=job.source_system,
            copy_payload=records.copy_payload,
            refused=refused,
        )
        return Written(inserted, refused)

    def finish(self, *, job: ImportJob) -> None:
        reports_search_index_merge()


class StagedReports(NamedTuple):
    records: list[ReportRecord]
    copy_payload: str | None  # PostgreSQL: the records as COPY text, encoded on the parsing thread


# --- the bulk writer ------------------------------------------------------------------------------

REPORT_COLUMNS = (
    "source_type",
    "product_id",
    "channel_id",
    "layer",
    "stage",
    "summary",
    "detail",
    "occurred_at",
    "severity",
    "customer_masked",
    "customer_hash",
    "external_id",
    "reporter_id",
    "region_id",
)
STAGING = "cxops_import_report_staging"
STAGING_COLUMNS_SQL = (
    "line bigint, source_type varchar(20), product_id bigint, channel_id bigint, layer varchar(20), "
    "stage varchar(20), summary varchar(200), detail text, occurred_at timestamptz, severity smallint, "
    "customer_masked varchar(32), customer_hash varchar(64), external_id varchar(100), reporter_id bigint, "
    "region_id bigint, segment_ids text"
)
# The references an imported row carries (issue and triaged-by are never set by an import).  The
# writer checks them once per chunk, so a row whose product, channel, region or reporter was deleted
# after the file was read is refused with its line instead of failing the whole chunk; the table's
# triggers check them again per statement (migration 0024) for every other writer.
IMPORT_REFERENCES = ("product_id", "channel_id", "region_id", "reporter_id")


def _referenced_model(column: str) -> Any:
    return ExperienceReport._meta.get_field(column.removesuffix("_id")).related_model


def _refusal(column: str, value: int) -> str:
    return _("The %(field)s this row refers to (id %(id)s) no longer exists.") % {
        "field": verbose_name(ExperienceReport, column.removesuffix("_id")),
        "id": value,
    }


def reports_bulk_insert(
    *,
    records: list[ReportRecord],
    source_system: str,
    copy_payload: str | None = None,
    refused: list[tuple[int, str]] | None = None,
) -> int:
    """Insert reports that are not there yet (by source system + external id), with their segments
    and rollups, in the caller's transaction.  Returns how many were added.

    Records whose product, channel, region or reporter no longer exists are not written: their
    (line, reason) go to `refused` when the caller passes a list, else the call raises
    `ApplicationError` naming the first of them.

    Precondition: external ids are unique within `records` (the import core de-duplicates a file).
    """
    if not records:
        return 0
    missing: list[tuple[int, str]] = []
    if connection.vendor == "postgresql":
        inserted = _insert_postgresql(copy_payload or reports_copy_payload(records), source_system, missing)
    else:
        inserted = _insert_generic(records, source_system, missing)
    if missing:
        if refused is None:
            line, reason = missing[0]
            raise ApplicationError(
                _("Line %(line)s: %(reason)s") % {"line": line, "reason": reason}, code="missing_reference"
            )
        refused.extend(missing)
    return inserted


def reports_copy_payload(records: list[ReportRecord], *, default_region: int | None = None) -> str:
    """The records as COPY text for the staging table (`REPORT_COLUMNS` + segment_ids); a record
    without a region gets `default_region` (looked up when not given)."""
    default = default_region if default_region is not None else default_region_id()
    return copy_payload(
        (*_column_values(r, r.occurred_at.isoformat(), default), r.segment_ids, r.line) for r in records
    )


def _column_values(r: ReportRecord, occurred_at: Any, default_region: int) -> tuple:
    """A record's values in `REPORT_COLUMNS` order (the time as the writer needs it)."""
    return (
        r.source_type,
        r.product_id,
        r.channel_id,
        r.layer,
        r.stage,
        r.summary,
        r.detail,
        occurred_at,
        r.severity,
        r.customer_masked,
        r.customer_hash,
        r.external_id,
        r.reporter_id,
        r.region_id or default_region,
    )


SEARCH_INDEX = "report_summary_trgm"


def reports_search_index_merge() -> None:
    """PostgreSQL: merge the trigram search index's pending list into the index, in bulk.

    The index takes new entries into a pending list (`gin_pending_list_limit`, raised to 256 MB by
    migration 0024) instead of updating the index row by row; merging a whole import's entries
    at once costs a fraction of merging them 4 MB at a time inside the import's chunks
    (bench/ingest.py, "trigram").  Searches read the pending list sequentially until it is
    merged, so an import merges it as soon as its last chunk is in; autovacuum merges what single
    reports add."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [SEARCH_INDEX])
        (index,) = cursor.fetchone()
        if index is not None:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [SEARCH_INDEX])


def _refuse_missing_references(cursor: Any, refused: list[tuple[int, str]]) -> None:
    """One set-based look-up per chunk: the distinct ids of each reference that are not in their
    table; rows carrying one leave the staging table, refused with their line."""
    cursor.execute(
        " UNION ALL ".join(
            f"SELECT '{column}', staged.id FROM (SELECT DISTINCT {column} AS id FROM {STAGING} "  # noqa: S608 — ours
            f"WHERE {column} IS NOT NULL) staged WHERE NOT EXISTS "
            f"(SELECT 1 FROM {_referenced_model(column)._meta.db_table} referenced WHERE referenced.id = staged.id)"
            for column in IMPORT_REFERENCES
        )
    )
    missing: dict[str, list[int]] = {}
    for column, value in cursor.fetchall():
        missing.setdefault(column, []).append(value)
    if not missing:
        return
    columns = list(missing)
    cursor.execute(
        f"DELETE FROM {STAGING} WHERE {' OR '.join(f'{column} = ANY(%s)' for column in columns)} "  # noqa: S608
        f"RETURNING line, {', '.join(columns)}",
        [missing[column] for column in columns],
    )
    for line, *values in sorted(cursor.fetchall()):
        column, value = next(
            (column, value) for column, value in zip(columns, values, strict=True) if value in missing[column]
        )
        refused.append((line, _refusal(column, value)))


def _insert_postgresql(payload: str, source_system: str, refused: list[tuple[int, str]]) -> int:
    table = ExperienceReport._meta.db_table
    through = ExperienceReport.segments.through._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        ensure_staging(cursor, name=STAGING, like=table, columns_sql=STAGING_COLUMNS_SQL)
        copy_into(cursor, STAGING, [*REPORT_COLUMNS, "segment_ids", "line"], payload)
        _refuse_missing_references(cursor, refused)
        # a chunk's rows are sorted back into file order in memory, not in temporary files
        cursor.execute("SET LOCAL work_mem = '64MB'")
        columns = ", ".join(REPORT_COLUMNS)
        rollups_sql, rollups_params = rollup_upsert_ctes("added")
        # One statement: the reports, their segments and the rollups they add.
        cursor.execute(
            f"""
            WITH added AS (
                INSERT INTO {table} ({columns}, source_system, status, dismiss_reason, created_at, updated_at)
                SELECT {columns}, %s, %s, '', %s, %s FROM {STAGING} ORDER BY line
                ON CONFLICT DO NOTHING
                RETURNING id, external_id, occurred_at, region_id, product_id, channel_id, source_type, layer,
                    stage
            ), linked AS (
                INSERT INTO {through} (experiencereport_id, segment_id)
                SELECT added.id, segment.id::bigint
                FROM added JOIN {STAGING} staged ON staged.external_id = added.external_id
                CROSS JOIN LATERAL unnest(string_to_array(staged.segment_ids, ',')) AS segment(id)
                WHERE staged.segment_ids <> ''
            ), {rollups_sql}
            SELECT count(*) FROM added
            """,  # noqa: S608 — identifiers are ours
            [source_system, ReportStatus.NEW, now, now, *rollups_params],
        )
        (inserted,) = cursor.fetchone()
    return inserted


def _without_missing_references(
    records: list[ReportRecord], default_region: int, refused: list[tuple[int, str]]
) -> list[ReportRecord]:
    """`_refuse_missing_references` for the other databases: one look-up per reference and chunk."""

    def value(record: ReportRecord, column: str) -> int | None:
        if column == "region_id":
            return record.region_id or default_region
        return getattr(record, column)

    missing: dict[str, set[int]] = {}
    for column in IMPORT_REFERENCES:
        wanted = {pk for r in records if (pk := value(r, column)) is not None}
        present = set(
            _referenced_model(column)._base_manager.filter(pk__in=wanted).values_list("pk", flat=True)
        )
        if wanted - present:
            missing[column] = wanted - present
    if not missing:
        return records
    kept = []
    for record in records:
        bad = next(
            ((column, pk) for column in missing if (pk := value(record, column)) in missing[column]), None
        )
        if bad is None:
            kept.append(record)
        else:
            refused.append((record.line, _refusal(*bad)))
    return kept


def _insert_generic(records: list[ReportRecord], source_system: str, refused: list[tuple[int, str]]) -> int:
    table = ExperienceReport._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    adapt = connection.ops.adapt_datetimefield_value
    default = default_region_id()
    records = _without_missing_references(records, default, refused)
    rows = [
        (
            *_column_values(r, adapt(r.occurred_at), default),
            source_system,
            ReportStatus.NEW.value,
            "",
            now,
            now,
        )
        for r in records
    ]
    added = insert_ignoring_conflicts(
        table=table,
        columns=[*REPORT_COLUMNS, "source_system", "status", "dismiss_reason", "created_at", "updated_at"],
        rows=rows,
        returning=("id", "external_id"),
    )
    id_by_external = {external_id: pk for pk, external_id in added}
    inserted = [r for r in records if r.external_id in id_by_external]
    links = [
        (id_by_external[r.external_id], int(segment_id))
        for r in inserted
        if r.segment_ids
        for segment_id in r.segment_ids.split(",")
    ]
    if links:
        insert_ignoring_conflicts(
            table=ExperienceReport.segments.through._meta.db_table,
            columns=("experiencereport_id", "segment_id"),
            rows=links,
        )
    rollups_apply_delta(
        added=(
            ReportFacts(
                day=r.occurred_at.date(),
                product_id=r.product_id,
                channel_id=r.channel_id,
                source_type=r.source_type,
                layer=r.layer,
                stage=r.stage,
                issue_id=None,
                region_id=r.region_id or default,
            )
            for r in inserted
        )
    )
    return len(inserted)
