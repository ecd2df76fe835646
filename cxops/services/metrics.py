"""Writes of touchpoint metric data: one path for the API batch, CSV imports, the demo and commands.

A record names a scope (product code, optional channel and segment codes), a local day and the
metrics it carries (see `cxops.models.metrics`).  `metric_record_parse` turns one raw record into a
`MetricRecord` or raises `ValidationError` with a reason a person can act on; `metric_records_apply`
writes a batch of parsed records atomically and idempotently:

- only the metrics a record carries are written (a file with only complaints never wipes users);
- a metric is written whole (a satisfaction histogram or a funnel survey is never half-updated);
- re-sending the same values changes nothing and is counted as "unchanged";
- cross-metric rules (active users ≤ users) are checked against what is already stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxops.errors import ApplicationError
from cxops.inputs import EARLIEST_DAY
from cxops.models import Channel
from cxops.models import MetricDaily
from cxops.models import MetricScope
from cxops.models import Product
from cxops.models import Region
from cxops.models import Segment
from cxops.models.metrics import ALL_METRIC_COLUMNS
from cxops.models.metrics import FUNNEL_COLUMNS
from cxops.models.metrics import FUNNEL_STAGES
from cxops.models.metrics import METRIC_COLUMNS
from cxops.models.metrics import SATISFACTION_LEVEL_COLUMNS
from cxops.models.metrics import SATISFACTION_SCALES
from cxops.models.metrics import SIMPLE_METRICS
from cxops.personal_numbers import mask_personal_numbers
from cxops.regions import user_region
from cxops.roles import Role
from cxops.roles import require_role

# Columns an import file or API record may carry besides the metrics.
SCOPE_FIELDS = ("date", "product", "channel", "segment", "region")
RECORD_FIELDS = (*SCOPE_FIELDS, *ALL_METRIC_COLUMNS)
MAX_COUNT = 10**12  # larger than any operator's subscriber base; catches unit mistakes


@dataclass(frozen=True, slots=True)
class ScopeKey:
    product_id: int
    channel_id: int | None
    segment_id: int | None
    region_id: int | None = None  # a city; None: the whole province

    @property
    def family(self) -> tuple[int, int | None, int | None]:
        """The (product, channel, segment) it belongs to, whatever the region."""
        return (self.product_id, self.channel_id, self.segment_id)


@dataclass(frozen=True, slots=True)
class MetricRecord:
    """One parsed record: a scope, a day and the columns of the whole metrics it carries."""

    scope: ScopeKey
    day: dt.date
    values: Mapping[str, int | None]

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(name for name, columns in METRIC_COLUMNS.items() if columns[0] in self.values)


@dataclass
class ApplyResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # index in the batch → reason, for records refused against stored data
    rejected: dict[int, str] = field(default_factory=dict)

    @property
    def applied(self) -> int:
        return self.created + self.updated + self.unchanged


class ReferenceLookup:
    """Codes → ids for products, channels and segments, loaded once per import."""

    def __init__(self) -> None:
        self.products = dict(Product.objects.values_list("code", "id"))
        self.channels = dict(Channel.objects.values_list("code", "id"))
        self.segments = dict(Segment.objects.values_list("code", "id"))

        self.regions = dict(Region.objects.filter(parent__isnull=False).values_list("code", "id"))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ValidationError(_("%(field)s must be a whole number.") % {"field": name})
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().replace(",", "")
        if text.endswith(".0"):
            text = text[:-2]
        digits = text.removeprefix("-")
        # ASCII only: "²" passes isdigit() but int() cannot read it; and no 4,300-digit numbers.
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 30):
            raise ValidationError(
                _("%(field)s must be a whole number, not “%(value)s”.") % {"field": name, "value": value}
            )
        number = int(text)
    if number < 0:
        raise ValidationError(_("%(field)s cannot be negative.") % {"field": name})
    if number > MAX_COUNT:
        raise ValidationError(_("%(field)s is implausibly large.") % {"field": name})
    return number


def _parse_day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValidationError(_("date must be a calendar day (YYYY-MM-DD), not a time."))
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(
                _("date must be a calendar day (YYYY-MM-DD), not “%(value)s”.") % {"value": value}
            ) from None
    if day > timezone.localdate():
        raise ValidationError(_("date %(day)s is in the future.") % {"day": day.isoformat()})
    if day < EARLIEST_DAY:
        raise ValidationError(_("date %(day)s is before 2000-01-01.") % {"day": day.isoformat()})
    return day


def metric_record_parse(
    raw: Mapping[str, Any], *, lookup: ReferenceLookup, city: Region | None = None
) -> MetricRecord:
    """Validate one raw record (CSV row or API object); raise ValidationError with every reason.

    `city`: the sender's city (`user_region`), when they are a city member: a record with no region
    is that city's, and one for another region is refused."""
    errors: list[str] = []
    unknown = sorted(k for k in raw if k not in RECORD_FIELDS and not _blank(raw[k]))
    if unknown:
        errors.append(_("unknown columns: %(columns)s") % {"columns": ", ".join(unknown)})
    day = None
    if _blank(raw.get("date")):
        errors.append(_("date is required."))
    else:
        try:
            day = _parse_day(raw["date"])
        except ValidationError as error:
            errors.extend(error.messages)
    product_code = "" if _blank(raw.get("product")) else str(raw["product"]).strip()
    product_id = lookup.products.get(product_code)
    if not product_code:
        errors.append(_("product is required."))
    elif product_id is None:
        errors.append(_("unknown product “%(code)s”.") % {"code": mask_personal_numbers(product_code[:50])})
    channel_id = segment_id = None
    for name, table, label in (
        ("channel", lookup.channels, _("channel")),
        ("segment", lookup.segments, _("customer segment")),
    ):
        if _blank(raw.get(name)):
            continue
        code = str(raw[name]).strip()
        if code not in table:
            errors.append(
                _("unknown %(what)s “%(code)s”.") % {"what": label, "code": mask_personal_numbers(code[:50])}
            )
        elif name == "channel":
            channel_id = table[code]
        else:
            segment_id = table[code]

    region_id = None
    if not _blank(raw.get("region")):
        code = str(raw["region"]).strip()
        region_id = lookup.regions.get(code)
        if region_id is None:
            errors.append(
                _("unknown city “%(code)s” (a city's code, e.g. foshan).")
                % {"code": mask_personal_numbers(code[:50])}
            )
    if city is not None:
        if region_id is None and _blank(raw.get("region")):
            region_id = city.pk
        elif region_id is not None and region_id != city.pk:
            errors.append(_("You send metric data for %(city)s only.") % {"city": city.name})

    values: dict[str, int | None] = {}
    for column in SIMPLE_METRICS:
        if not _blank(raw.get(column)):
            try:
                values[column] = _count(column, raw[column])
            except ValidationError as error:
                errors.extend(error.messages)
    try:
        values.update(_parse_satisfaction(raw))
    except ValidationError as error:
        errors.extend(error.messages)
    try:
        values.update(_parse_funnel(raw))
    except ValidationError as error:
        errors.extend(error.messages)
    if "users" in values and "active_users" in values and values["active_users"] > values["users"]:  # type: ignore[operator]
        errors.append(_("active_users cannot exceed users."))
    if not values and not errors:
        errors.append(_("the record carries no metric."))
    if errors:
        raise ValidationError(errors)
    assert day is not None and product_id is not None  # noqa: S101 — guaranteed by the checks above
    return MetricRecord(scope=ScopeKey(product_id, channel_id, segment_id, region_id), day=day, values=values)


def _parse_satisfaction(raw: Mapping[str, Any]) -> dict[str, int | None]:
    columns = ("satisfaction_scale", "surveys_sent", *SATISFACTION_LEVEL_COLUMNS)
    if all(_blank(raw.get(c)) for c in columns):
        return {}
    errors: list[str] = []
    scale = None
    if _blank(raw.get("satisfaction_scale")):
        errors.append(_("satisfaction_scale (5 or 10) is required with satisfaction counts."))
    else:
        try:
            scale = _count("satisfaction_scale", raw["satisfaction_scale"])
        except ValidationError as error:
            errors.extend(error.messages)
        if scale is not None and scale not in SATISFACTION_SCALES:
            errors.append(_("satisfaction_scale must be 5 or 10."))
            scale = None
    values: dict[str, int | None] = {"satisfaction_scale": scale}
    responses = 0
    for level, column in enumerate(SATISFACTION_LEVEL_COLUMNS, start=1):
        if scale is None:
            break
        if level > scale:
            if not _blank(raw.get(column)):
                errors.append(
                    _("%(column)s is above the scale of %(scale)s.") % {"column": column, "scale": scale}
                )
            values[column] = None
            continue
        if _blank(raw.get(column)):
            errors.append(
                _("%(column)s is required: give every score level of the scale (0 when nobody chose it).")
                % {"column": column}
            )
            continue
        try:
            values[column] = _count(column, raw[column])
            responses += values[column]  # type: ignore[operator]
        except ValidationError as error:
            errors.extend(error.messages)
    values["surveys_sent"] = None
    if not _blank(raw.get("surveys_sent")):
        try:
            values["surveys_sent"] = sent = _count("surveys_sent", raw["surveys_sent"])
            if sent < responses:
                errors.append(
                    _("surveys_sent (%(sent)s) is less than the responses counted (%(responses)s).")
                    % {"sent": sent, "responses": responses}
                )
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return values


def _parse_funnel(raw: Mapping[str, Any]) -> dict[str, int | None]:
    if all(_blank(raw.get(c)) for c in FUNNEL_COLUMNS):
        return {}
    errors: list[str] = []
    values: dict[str, int | None] = {}
    for stage in FUNNEL_STAGES:
        respondents_column, positive_column = f"{stage}_respondents", f"{stage}_positive"
        parsed: dict[str, int] = {}
        for column in (respondents_column, positive_column):
            if _blank(raw.get(column)):
                errors.append(
                    _("%(column)s is required: a funnel survey gives all four stages.") % {"column": column}
                )
                continue
            try:
                parsed[column] = _count(column, raw[column])
            except ValidationError as error:
                errors.extend(error.messages)
        if len(parsed) == 2 and parsed[positive_column] > parsed[respondents_column]:
            errors.append(
                _("%(positive)s cannot exceed %(respondents)s.")
                % {"positive": positive_column, "respondents": respondents_column}
            )
        values.update(parsed)
    if errors:
        raise ValidationError(errors)
    return values


def metric_scopes_resolve(keys: Iterable[ScopeKey]) -> dict[ScopeKey, int]:
    """Scope ids for the keys, creating missing scopes (safe against concurrent creators)."""
    wanted = set(keys)
    found = _existing_scopes(wanted)
    missing = wanted - set(found)
    if missing:
        MetricScope.objects.bulk_create(
            [
                MetricScope(
                    product_id=k.product_id,
                    channel_id=k.channel_id,
                    segment_id=k.segment_id,
                    region_id=k.region_id,
                )
                for k in missing
            ],
            ignore_conflicts=True,
        )
        found = _existing_scopes(wanted)
    return found


def _existing_scopes(keys: set[ScopeKey]) -> dict[ScopeKey, int]:
    if not keys:
        return {}
    product_ids = {k.product_id for k in keys}
    rows = MetricScope.objects.filter(product_id__in=product_ids).values_list(
        "id", "product_id", "channel_id", "segment_id", "region_id"
    )
    by_key = {ScopeKey(p, c, s, r): pk for pk, p, c, s, r in rows}
    return {k: by_key[k] for k in keys if k in by_key}


def metric_scope_get_or_create(
    *, product: Product, channel: Channel | None = None, segment: Segment | None = None, region: Any = None
) -> MetricScope:
    key = ScopeKey(
        product.pk,
        channel.pk if channel else None,
        segment.pk if segment else None,
        region.pk if region else None,
    )
    return MetricScope.objects.get(pk=metric_scopes_resolve([key])[key])


def _stored_levels(records: list[MetricRecord]) -> dict[tuple, set[bool]]:
    """(product, channel, segment, day) → {True if stored for the province, False if by city}."""
    families = {r.scope.family for r in records}
    days = {r.day for r in records}
    rows = MetricDaily.objects.filter(
        scope__product_id__in={f[0] for f in families}, day__in=days
    ).values_list("scope__product_id", "scope__channel_id", "scope__segment_id", "scope__region_id", "day")
    levels: dict[tuple, set[bool]] = {}
    for product_id, channel_id, segment_id, region_id, day in rows:
        if (product_id, channel_id, segment_id) in families:
            levels.setdefault((product_id, channel_id, segment_id, day), set()).add(region_id is None)
    return levels


def metric_records_apply(*, actor: Any, records: list[MetricRecord]) -> ApplyResult:
    """Write a batch of parsed records in one transaction; refused records change nothing.

    Later records win over earlier ones for the same (scope, day, metric).  A record whose values
    contradict what is stored (active users above the stored users) is refused with its reason;
    the others are applied.
    """
    if actor is not None:
        require_role(actor, Role.ANALYST)
    result = ApplyResult()
    if not records:
        return result
    city = user_region(actor) if actor is not None else None
    if city is not None and any(record.scope.region_id != city.pk for record in records):
        # parsed with `city`, a record never gets here: this is the guard for other callers
        raise ApplicationError(
            _("You send metric data for %(city)s only.") % {"city": city.name}, code="forbidden"
        )
    with transaction.atomic():
        scope_ids = metric_scopes_resolve({r.scope for r in records})
        keys = {(scope_ids[r.scope], r.day) for r in records}
        # Lock the existing rows this batch touches so the comparison below stays true until commit.
        existing = {
            (row["scope_id"], row["day"]): row
            for row in MetricDaily.objects.select_for_update()
            .filter(scope_id__in={k[0] for k in keys}, day__in={k[1] for k in keys})
            .values("scope_id", "day", *ALL_METRIC_COLUMNS)
        }
        merged: dict[tuple[int, dt.date], dict[str, int | None]] = {}
        touched: dict[tuple[int, dt.date], set[str]] = {}
        outcome: dict[tuple[int, dt.date], str] = {}
        stored_levels = _stored_levels(records)
        batch_levels: dict[tuple, set[bool]] = {}
        for record in records:
            batch_levels.setdefault((*record.scope.family, record.day), set()).add(
                record.scope.region_id is None
            )
        for index, record in enumerate(records):
            family_day = (*record.scope.family, record.day)
            province = record.scope.region_id is None
            levels = stored_levels.get(family_day, set()) | batch_levels[family_day]
            if (not province) in levels:
                # a province figure beside city figures (or the reverse) would count the day twice
                result.rejected[index] = (
                    _(
                        "The province's figure for this day is stored: send it by city or for the province, not both."
                    )
                    if not province
                    else _(
                        "This day is stored by city: the province's figure is their sum, not stored again."
                    )
                )
                continue
            key = (scope_ids[record.scope], record.day)
            stored = existing.get(key)
            current = merged.get(key) or (
                {c: stored[c] for c in ALL_METRIC_COLUMNS} if stored else dict.fromkeys(ALL_METRIC_COLUMNS)
            )
            candidate = {**current, **record.values}
            if (
                candidate["users"] is not None
                and candidate["active_users"] is not None
                and candidate["active_users"] > candidate["users"]
            ):
                result.rejected[index] = _(
                    "active_users (%(active)s) would exceed the users stored for that day (%(users)s)."
                ) % {"active": candidate["active_users"], "users": candidate["users"]}
                continue
            merged[key] = candidate
            touched.setdefault(key, set()).update(record.values)
            if stored is None:
                outcome[key] = "created"
        for key, columns in touched.items():
            if outcome.get(key) == "created":
                continue
            stored = existing[key]
            changed = any(stored[c] != merged[key][c] for c in columns)
            outcome[key] = "updated" if changed else "unchanged"
        writes: dict[tuple[str, ...], list[MetricDaily]] = {}
        for key, state in outcome.items():
            if state == "unchanged":
                continue
            written = tuple(sorted(touched[key]))
            writes.setdefault(written, []).append(
                MetricDaily(scope_id=key[0], day=key[1], **{c: merged[key][c] for c in written})
            )
        try:
            for written, objs in writes.items():
                # Only the columns this batch carries are updated on conflict: concurrent imports of
                # other metrics for the same day are never overwritten.
                MetricDaily.objects.bulk_create(
                    objs,
                    batch_size=500,
                    update_conflicts=True,
                    unique_fields=["scope", "day"],
                    update_fields=[*written, "updated_at"],
                )
        except IntegrityError as error:
            raise ApplicationError(
                _("The metric data changed while importing; send the batch again."), code="conflict"
            ) from error
        for state in outcome.values():
            setattr(result, state, getattr(result, state) + 1)
    return result
