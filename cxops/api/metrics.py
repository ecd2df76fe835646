"""Metric data API: send daily aggregates in batches; read a scope's daily series.

A batch is validated record by record: every bad record comes back with its index and reasons,
the good ones are written in one transaction, each whole or not at all (see
`cxops.services.metrics`).  Re-sending a batch changes nothing.  CSV files go through the import
jobs (`/api/import-jobs/` with `kind=metrics`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cxops.api.inputs import DayField
from cxops.api.inputs import StrictInputSerializer
from cxops.forms_period import period_check
from cxops.models import Channel
from cxops.models import Product
from cxops.models import Region
from cxops.models import Segment
from cxops.models.metrics import ALL_METRIC_COLUMNS
from cxops.regions import user_region
from cxops.roles import Role
from cxops.roles import roles_permission
from cxops.selectors.metrics import SERIES_COLUMNS
from cxops.selectors.metrics import metric_daily_series
from cxops.selectors.metrics import metric_scope_find
from cxops.services.metrics import RECORD_FIELDS
from cxops.services.metrics import ReferenceLookup
from cxops.services.metrics import metric_record_parse
from cxops.services.metrics import metric_records_apply

BATCH_MAX = 5000

MetricPermission = roles_permission(Role.ANALYST, safe_roles=[Role.ANALYST, Role.PRODUCT_OWNER])


class MetricBatchInputSerializer(StrictInputSerializer):
    records = serializers.ListField(
        child=serializers.DictField(),
        allow_empty=False,
        max_length=BATCH_MAX,
        help_text=(
            "Objects with `date` (YYYY-MM-DD, local day), `product` (code), optional `channel` and "
            "`segment` (codes), and any of: " + ", ".join(ALL_METRIC_COLUMNS) + ". Omitted metrics are "
            "left as stored. A satisfaction histogram needs `satisfaction_scale` (5 or 10) and every level "
            "of the scale; a funnel survey needs respondents and positives for all four stages."
        ),
    )


class MetricBatchView(APIView):
    """Write daily metric records (analysts)."""

    permission_classes = [MetricPermission]

    @extend_schema(request=MetricBatchInputSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        serializer = MetricBatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lookup = ReferenceLookup()
        city = user_region(request.user)
        rejected: list[dict[str, Any]] = []
        parsed = []
        indexes = []
        for index, raw in enumerate(serializer.validated_data["records"]):
            try:
                parsed.append(metric_record_parse(raw, lookup=lookup, city=city))
                indexes.append(index)
            except ValidationError as error:
                rejected.append({"index": index, "errors": error.messages})
        result = metric_records_apply(actor=request.user, records=parsed)
        for position, reason in result.rejected.items():
            rejected.append({"index": indexes[position], "errors": [reason]})
        return Response(
            {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": sorted(rejected, key=lambda r: r["index"]),
                "fields": list(RECORD_FIELDS),
            }
        )


class SeriesInputSerializer(serializers.Serializer):
    product = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.all())
    channel = serializers.SlugRelatedField(slug_field="code", queryset=Channel.objects.all(), required=False)
    segment = serializers.SlugRelatedField(slug_field="code", queryset=Segment.objects.all(), required=False)
    region = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.filter(parent__isnull=False),
        required=False,
        help_text=(
            "A city's code: that city's series (empty: the province's, as stored). A city member "
            "reads their own city's only (empty: their city)."
        ),
    )
    start = DayField()
    end = DayField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:  # the dashboard's own limits and words
            period_check(attrs["start"], attrs["end"])
        except ValidationError as error:
            raise serializers.ValidationError({"start": error.messages}) from None
        return attrs


def _number(value: float) -> int | None:
    return None if math.isnan(value) else int(value)


class MetricSeriesView(APIView):
    """One scope's daily metrics, every day of the range; null = not reported."""

    permission_classes = [MetricPermission]

    @extend_schema(parameters=[SeriesInputSerializer], responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        serializer = SeriesInputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        channel, segment, region = data.get("channel"), data.get("segment"), data.get("region")
        city = user_region(request.user)
        if city is not None:
            if region is not None and region.pk != city.pk:
                raise serializers.ValidationError(
                    {"region": [_("You read the figures of %(city)s only.") % {"city": city.name}]}
                )
            region = city
        scope = metric_scope_find(
            product_id=data["product"].pk,
            channel_id=channel.pk if channel else None,
            segment_id=segment.pk if segment else None,
            region_id=region.pk if region else None,
        )
        days = [
            (data["start"] + dt.timedelta(days=i)).isoformat()
            for i in range((data["end"] - data["start"]).days + 1)
        ]
        columns: dict[str, list[Any]] = {c: [None] * len(days) for c in (*SERIES_COLUMNS, "satisfaction")}
        if scope is not None:
            series = metric_daily_series(scopes=[scope], start=data["start"], end=data["end"])[scope.pk]
            for column in SERIES_COLUMNS:
                columns[column] = [_number(v) for v in series.values[column]]
            columns["satisfaction"] = [
                None if math.isnan(scale) else [int(n) for n in row[: int(scale)]]
                for scale, row in zip(series.values["satisfaction_scale"], series.satisfaction, strict=True)
            ]
        return Response(
            {
                "scope": {
                    "product": data["product"].code,
                    "channel": channel.code if channel else None,
                    "segment": segment.code if segment else None,
                    "region": region.code if region else None,
                },
                "days": days,
                **columns,
            }
        )
