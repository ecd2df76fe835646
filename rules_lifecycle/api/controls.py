"""REST API: the control advice for one rule (read-only, every signed-in role, like the rule).

GET /api/rules/<id>/control-advice/   the current control's baseline fit and the suggested
                                      controls with synthetic weights (rules_lifecycle.selectors.controls)
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cxops.roles import ALL_ROLES
from cxops.roles import roles_permission
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.scoring.controls import BaselineFit
from rules_lifecycle.selectors.controls import control_advice


class FitSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    tracking_error = serializers.FloatField(help_text="SD of weekly means of the daily log ratio.")
    correlation = serializers.FloatField(
        allow_null=True, help_text="Of the two scopes' week-on-week changes."
    )
    drift_per_quarter = serializers.FloatField(help_text="Relative drift between the scopes over 91 days.")
    drift_p_value = serializers.FloatField(allow_null=True)
    parallel = serializers.BooleanField()


class CandidateSerializer(serializers.Serializer):
    product = serializers.CharField(allow_null=True, help_text="Product code (a product donor).")
    product_name = serializers.CharField(allow_null=True)
    region = serializers.CharField(allow_null=True, help_text="City code (a city donor of a pilot).")
    region_name = serializers.CharField(allow_null=True)
    fit = FitSerializer()
    weight = serializers.FloatField(help_text="Synthetic-control weight (0: not in the suggestion).")


class ControlAdviceSerializer(serializers.Serializer):
    available = serializers.BooleanField(
        help_text="False: the rule's scope has no metric history to compare."
    )
    message = serializers.CharField(allow_blank=True)
    baseline_start = serializers.DateField(allow_null=True)
    baseline_end = serializers.DateField(allow_null=True)
    measure = serializers.CharField()
    has_control = serializers.BooleanField()
    donors = serializers.ChoiceField(
        choices=["cities", "products"],
        help_text="cities: a pilot's donor pool is the other cities; products: the other products.",
    )
    current = FitSerializer(allow_null=True)
    synthetic = FitSerializer(allow_null=True)
    improves_on_current = serializers.BooleanField()
    candidates = CandidateSerializer(many=True)


def _fit(fit: BaselineFit | None) -> dict[str, Any] | None:
    if fit is None:
        return None
    return {
        "days": fit.days,
        "tracking_error": fit.tracking_error,
        "correlation": fit.correlation,
        "drift_per_quarter": fit.drift_relative,
        "drift_p_value": fit.drift_p_value,
        "parallel": fit.parallel,
    }


class ControlAdviceView(APIView):
    permission_classes = [roles_permission(*ALL_ROLES)]

    @extend_schema(responses=ControlAdviceSerializer, summary="How well the rule's control tracks it")
    def get(self, request: Request, pk: str) -> Response:
        rule = get_object_or_404(ExperienceRule, pk=pk)
        advice = control_advice(rule=rule, today=timezone.localdate())
        if advice is None:
            return Response(
                ControlAdviceSerializer(
                    {
                        "available": False,
                        "message": _(
                            "The rule's own scope has no metric history before go-live to compare controls with."
                        ),
                        "baseline_start": None,
                        "baseline_end": None,
                        "measure": rule.primary_measure,
                        "has_control": rule.has_control,
                        "donors": "cities" if rule.regions.exists() else "products",
                        "current": None,
                        "synthetic": None,
                        "improves_on_current": False,
                        "candidates": [],
                    }
                ).data
            )
        data = {
            "available": True,
            "message": "",
            "baseline_start": advice.baseline_start,
            "baseline_end": advice.baseline_end,
            "measure": advice.measure.value,
            "has_control": advice.has_control,
            "donors": advice.donors,
            "current": _fit(advice.current),
            "synthetic": _fit(advice.synthetic),
            "improves_on_current": advice.improves_on_current,
            "candidates": [
                {
                    "product": c.product.code if c.product is not None else None,
                    "product_name": c.product.name if c.product is not None else None,
                    "region": c.region.code if c.region is not None else None,
                    "region_name": c.region.name if c.region is not None else None,
                    "fit": _fit(c.fit),
                    "weight": c.weight,
                }
                for c in advice.candidates
            ],
        }
        return Response(ControlAdviceSerializer(data).data)
