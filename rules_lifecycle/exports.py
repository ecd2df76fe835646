"""Exports of the rules floor: rules (lifecycle dates and latest verdict) and evaluation results,
filtered like their lists.  Registered with the ground floor's exports in AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import OuterRef
from django.db.models import QuerySet
from django.db.models import Subquery
from django.utils.translation import gettext_lazy as _

from cxops.inputs import DayField
from cxops.inputs import parse_id
from cxops.inputs import query_text
from cxops.models import ExperienceLayer
from cxops.roles import Role
from cxops.selectors.exports import CHUNK_ROWS
from cxops.selectors.exports import ExportDataset
from cxops.selectors.exports import english
from cxops.selectors.exports import export_table
from cxops.selectors.exports import labels
from cxops.selectors.exports import register_export
from rules_lifecycle.models import RuleStatus

from .filters import RuleFilterSet
from .models import EvaluationVerdict
from .models import ExperienceRule
from .models import ImplementingSystem
from .models import RuleEvaluation
from .models import Timing
from .models import VerdictReason


def _choice(params: Any, name: str, choices: Any) -> str:
    value = query_text(params.get(name), limit=30)
    return value if value in choices.values else ""


def _rules(reader: Any, params: Any) -> tuple[list[str], Iterator[tuple[Any, ...]], QuerySet]:
    latest = RuleEvaluation.objects.filter(rule=OuterRef("pk")).order_by("-run_on", "-id")
    queryset = (
        RuleFilterSet(params, user=reader)
        .cleaned_rows()
        .annotate(
            latest_verdict=Subquery(latest.values("verdict")[:1]),
            latest_verdict_on=Subquery(latest.values("run_on")[:1]),
        )
    )
    columns = [
        ("pk", _("id")),
        ("name", _("name")),
        ("status", _("status")),
        (None, _("products")),
        ("implementing_system", _("implementing system")),
        ("timing", _("timing")),
        ("layer", _("target layer")),
        ("trigger_event", _("trigger event")),
        ("trigger_action", _("action")),
        ("owner__username", _("owner")),
        ("strategy_id", _("strategy")),
        ("go_live_on", _("go-live date")),
        ("review_due_on", _("review due")),
        ("retired_on", _("retired on")),
        ("latest_verdict", _("latest verdict")),
        ("latest_verdict_on", _("evaluation date")),
    ]
    mapped = {
        "status": labels(RuleStatus),
        "implementing_system": labels(ImplementingSystem),
        "timing": labels(Timing),
        "layer": labels(ExperienceLayer),
        "latest_verdict": labels(EvaluationVerdict),
    }
    fields = [field for field, _label in columns if field]
    product_name = "product__name_en" if english() else "product__name_zh"
    through = ExperienceRule.products.through

    def rows() -> Iterator[tuple[Any, ...]]:
        source = queryset.values_list(*fields).iterator(chunk_size=CHUNK_ROWS)
        while chunk := list(islice(source, CHUNK_ROWS)):
            names: dict[int, list[str]] = {}
            for rule_id, name in through.objects.filter(
                experiencerule_id__in=[row[0] for row in chunk]
            ).values_list("experiencerule_id", product_name):
                names.setdefault(rule_id, []).append(name)
            for row in chunk:
                values = dict(zip(fields, row, strict=True))
                out = [mapped[f].get(v, v) if f in mapped else v for f, v in values.items()]
                yield (*out[:3], "、".join(sorted(names.get(values["pk"], []))), *out[3:])

    return [str(label) for _field, label in columns], rows(), queryset


def _evaluations(reader: Any, params: Any) -> tuple[list[str], Iterator[tuple[Any, ...]], QuerySet]:
    queryset = RuleEvaluation.objects.all()
    if rule := parse_id(params.get("rule")):
        queryset = queryset.filter(rule_id=rule)
    if run := parse_id(params.get("run")):
        queryset = queryset.filter(run_id=run)
    if verdict := _choice(params, "verdict", EvaluationVerdict):
        queryset = queryset.filter(verdict=verdict)
    for name, lookup in (("date_from", "run_on__gte"), ("date_to", "run_on__lte")):
        raw = query_text(params.get(name), limit=20)
        if raw:
            try:
                queryset = queryset.filter(**{lookup: DayField().clean(raw)})
            except ValidationError as error:
                raise ValidationError({name: error.messages}) from error
    queryset = queryset.order_by("-run_on", "rule_id")
    columns = [
        ("rule_id", _("rule")),
        ("rule__name", _("name")),
        ("run_on", _("evaluation date")),
        ("verdict", _("verdict")),
        ("reason", _("reason")),
        ("primary_measure", _("primary measure")),
        ("primary_lift", _("primary lift")),
        ("primary_ci_low", _("lower bound")),
        ("primary_ci_high", _("upper bound")),
        ("primary_p_adjusted", _("adjusted p-value")),
        ("has_control", _("has a control scope")),
        ("go_live_on", _("go-live date")),
        ("post_days", _("days compared")),
        ("flagged_for_retirement", _("flagged for retirement")),
    ]
    mapped = {"verdict": labels(EvaluationVerdict), "reason": labels(VerdictReason)}
    return export_table(queryset, columns, mapped)


def register() -> None:
    register_export(
        ExportDataset(
            name="rules",
            title=_("Experience rules"),
            roles=tuple(Role.values),
            build=_rules,
            filters=tuple(RuleFilterSet.base_filters),
        )
    )
    register_export(
        ExportDataset(
            name="evaluations",
            title=_("Evaluation results"),
            roles=tuple(Role.values),
            build=_evaluations,
            filters=("rule", "run", "verdict", "date_from", "date_to"),
        )
    )
