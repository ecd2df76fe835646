"""CSV import of daily metric data, on the generic import core (`core.py`).

A row is one scope and day: date, product, optional channel and segment, and any metric columns
(see `cxops.models.metrics`).  Blank cells mean "not in this file" and leave stored values alone, so a
complaints-only file never wipes users.  Rows are parsed by the same `metric_record_parse` as the
API batch, so both refuse the same rows for the same reasons; each bad row is reported with its line.
Writing goes through `metric_records_apply` (whole metrics, idempotent upserts).

Counting on the job: `inserted` = (scope, day) rows created or changed; `duplicates` = rows whose
values were already stored (a re-sent file counts everything here).

Active users may not exceed users.  A row that carries only one of the two is checked at parse time
against what earlier rows of the file and the database hold, so the refusal is reported with the row's
line like every other (the core's `write` hook cannot return per-row rejections).  Should a concurrent
writer change the stored users between parsing and writing, the chunk is refused as a whole with a
conflict and the job can be run again; nothing is half-applied.
"""

from __future__ import annotations

from collections.abc import Hashable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxops.errors import ApplicationError
from cxops.models import Channel
from cxops.models import ImportJob
from cxops.models import ImportKind
from cxops.models import MetricDaily
from cxops.models import MetricScope
from cxops.models import Product
from cxops.models import Region
from cxops.models import Segment
from cxops.models.metrics import FUNNEL_STAGES
from cxops.models.metrics import SATISFACTION_LEVEL_COLUMNS
from cxops.models.metrics import SIMPLE_METRICS
from cxops.regions import user_region
from cxops.services.imports.core import ImportHandler
from cxops.services.imports.core import RowRejected
from cxops.services.imports.core import TargetField
from cxops.services.imports.core import register_handler
from cxops.services.imports.reports import _region_lookup
from cxops.services.metrics import MetricRecord
from cxops.services.metrics import ReferenceLookup
from cxops.services.metrics import ScopeKey
from cxops.services.metrics import metric_record_parse
from cxops.services.metrics import metric_records_apply

_METRIC_ALIASES = {
    "users": ("用户数", "用户总数", "users"),
    "active_users": ("活跃用户数", "活跃用户", "active users", "dau"),
    "complaints": ("投诉量", "投诉数", "投诉"),
    "consultations": ("咨询量", "咨询数", "咨询"),
    "suggestions": ("建议量", "建议数", "建议"),
}
_METRIC_LABELS = {
    "users": gettext_lazy("Users"),
    "active_users": gettext_lazy("Active users"),
    "complaints": gettext_lazy("Complaints"),
    "consultations": gettext_lazy("Consultations"),
    "suggestions": gettext_lazy("Suggestions"),
}
_STAGE_CHINESE = {"awareness": "知晓", "cognition": "认知", "identification": "认同", "approval": "认可"}


def _fields() -> tuple[TargetField, ...]:
    fields = [
        TargetField("date", gettext_lazy("Day"), required=True, aliases=("日期", "统计日期", "day")),
        TargetField(
            "product",
            gettext_lazy("Product"),
            required=True,
            value_mapped=True,
            aliases=("产品", "业务名称", "业务"),
        ),
        TargetField(
            "channel",
            gettext_lazy("Channel"),
            value_mapped=True,
            aliases=("渠道", "触点"),
            help=gettext_lazy("Empty: all channels."),
        ),
        TargetField(
            "segment",
            gettext_lazy("Customer segment"),
            value_mapped=True,
            aliases=("客群", "客户群"),
            help=gettext_lazy("Empty: all segments."),
        ),
        TargetField(
            "region",
            gettext_lazy("City"),
            value_mapped=True,
            aliases=("地市", "城市", "所属地市", "region", "city"),
            help=gettext_lazy(
                "Empty: the whole province (a day is stored for the province or by city, not both)."
            ),
        ),
    ]
    fields += [
        TargetField(name, _METRIC_LABELS[name], aliases=_METRIC_ALIASES[name]) for name in SIMPLE_METRICS
    ]
    fields += [
        TargetField("surveys_sent", gettext_lazy("Surveys sent"), aliases=("发出问卷数", "发送问卷数")),
        TargetField(
            "satisfaction_scale",
            gettext_lazy("Satisfaction scale"),
            aliases=("满意度量表", "满意度分制"),
            help=gettext_lazy("5 or 10; then give the respondents of every score level."),
        ),
    ]
    fields += [
        TargetField(column, column, aliases=(f"满意度{level}分", f"{level}分"))
        for level, column in enumerate(SATISFACTION_LEVEL_COLUMNS, start=1)
    ]
    for stage in FUNNEL_STAGES:
        chinese = _STAGE_CHINESE[stage]
        fields += [
            TargetField(f"{stage}_respondents", f"{stage}_respondents", aliases=(f"{chinese}受访人数",)),
            TargetField(f"{stage}_positive", f"{stage}_positive", aliases=(f"{chinese}人数",)),
        ]
    return tuple(fields)


@dataclass(frozen=True, slots=True)
class LinedRecord:
    line: int
    record: MetricRecord


@register_handler
class MetricImportHandler(ImportHandler):
    kind = ImportKind.METRICS
    fields = _fields()
    # The downloadable template's example row, in the fields' order.
    EXAMPLE_ROW = [
        "2026-10-22",
        "飞信",
        "",
        "",
        "6000000",
        "3300000",
        "72",
        "2100",
        "15",
        "",
        "",
        *[""] * len(SATISFACTION_LEVEL_COLUMNS),
        *[""] * (2 * len(FUNNEL_STAGES)),
    ]

    def prepare(self, *, job: ImportJob | None) -> None:
        self.lookup = ReferenceLookup()
        # a city member's file is their city's: rows for other regions are refused
        self.city = user_region(job.created_by) if job is not None and job.created_by_id else None
        self.names: dict[str, dict[str, str]] = {}
        for name, model in (("product", Product), ("channel", Channel), ("segment", Segment)):
            names: dict[str, str] = {}
            for code, name_zh, name_en in model.objects.values_list("code", "name_zh", "name_en"):
                for spelling in (code, name_zh, name_en):
                    names[spelling.casefold()] = code
            self.names[name] = names

        by_name, by_code = _region_lookup()
        code_of = {pk: code for code, pk in by_code.items()}
        self.names["region"] = {spelling: code_of[pk] for spelling, pk in by_name.items()}
        self.scope_ids = {
            ScopeKey(p, c, s, r): pk
            for pk, p, c, s, r in MetricScope.objects.values_list(
                "pk", "product_id", "channel_id", "segment_id", "region_id"
            )
        }
        # (scope, day) → {"users": n, "active_users": n} as accepted so far in this run.
        self.seen: dict[tuple[ScopeKey, Any], dict[str, int | None]] = {}

    def value_targets(self, field_name: str) -> list[tuple[str, str]]:
        model = {"product": Product, "channel": Channel, "segment": Segment, "region": Region}[field_name]
        return [(item.code, item.name) for item in model._default_manager.filter(is_active=True)]

    def resolves(self, field_name: str, value: str) -> bool:
        return value.casefold() in self.names.get(field_name, {})

    def _code(self, field_name: str, value: str) -> str:
        """A reference value as its code: the source system's mapping first, then code or name."""
        value = self.mapped(field_name, value.strip())
        return self.names[field_name].get(value.casefold(), value)

    def parse(self, values: dict[str, str], *, line: int) -> LinedRecord:
        raw = dict(values)
        for name in ("product", "channel", "segment", "region"):
            if raw.get(name, "").strip() or self.mapped(name, ""):
                raw[name] = self._code(name, raw.get(name, ""))
        try:
            record = metric_record_parse(raw, lookup=self.lookup, city=self.city)
        except ValidationError as error:
            raise RowRejected(" ".join(error.messages)) from None
        self._check_active_users(record)
        return LinedRecord(line=line, record=record)

    def _check_active_users(self, record: MetricRecord) -> None:
        key = (record.scope, record.day)
        carried = {name: record.values[name] for name in ("users", "active_users") if name in record.values}
        known = self.seen.setdefault(key, {})
        if len(carried) == 1 and len(known) < 2:
            scope_id = self.scope_ids.get(record.scope)
            stored: Mapping[str, Any] | None = (
                MetricDaily.objects.filter(scope_id=scope_id, day=record.day)
                .values("users", "active_users")
                .first()
                if scope_id is not None
                else None
            )
            for name, value in (stored or {}).items():
                if value is not None:
                    known.setdefault(name, value)
        candidate = {**known, **carried}
        users, active = candidate.get("users"), candidate.get("active_users")
        if users is not None and active is not None and active > users:
            raise RowRejected(
                _("active_users (%(active)s) would exceed the users stored for that day (%(users)s).")
                % {"active": active, "users": users}
            )
        known.update(carried)

    def key(self, record: LinedRecord) -> Hashable:
        return (record.record.scope, record.record.day, record.record.metrics)

    def write(self, records: list[LinedRecord], *, job: ImportJob) -> int:
        result = metric_records_apply(actor=None, records=[r.record for r in records])
        if result.rejected:  # stored data changed since parsing: refuse the chunk (rolled back by the caller)
            lines = ", ".join(str(records[index].line) for index in sorted(result.rejected))
            raise ApplicationError(
                _("The stored metric data changed while importing (lines %(lines)s); run the import again.")
                % {"lines": lines}
                + " "
                + result.rejected[min(result.rejected)],
                code="conflict",
            )
        return result.created + result.updated
