"""REST API for evaluations: runs (list, read, start), per-rule results, and the portfolio.

GET  /api/evaluation-runs/                 runs, newest first
POST /api/evaluation-runs/  {"rule": id}   evaluate one rule now (manager, analyst, its owner)
POST /api/evaluation-runs/  {}             evaluate every running rule now (manager)
GET  /api/rule-evaluations/?rule=&run=&verdict=   results with every measure's row
GET  /api/evaluation-portfolio/            latest verdict per live / under-review rule, with
                                           Benjamini–Hochberg q-values across the portfolio
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework import serializers
from rest_framework import status
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cxops.api.inputs import StrictInputSerializer
from cxops.errors import ApplicationError
from cxops.inputs import parse_id
from cxops.roles import ALL_ROLES
from cxops.roles import Role
from cxops.roles import has_role
from cxops.roles import roles_permission
from rules_lifecycle.models import EvaluationRun
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.models import RuleEvaluation
from rules_lifecycle.models import RunTrigger
from rules_lifecycle.models.evaluation import RESULT_FIELDS
from rules_lifecycle.presenters import look_sentence
from rules_lifecycle.presenters import verdict_sentence
from rules_lifecycle.selectors.evaluation import evaluation_portfolio
from rules_lifecycle.services.evaluation import evaluation_run_all
from rules_lifecycle.services.evaluation import rule_evaluate_on_demand


class RunOutputSerializer(serializers.ModelSerializer):
    evaluated = serializers.SerializerMethodField()

    class Meta:
        model = EvaluationRun
        fields = ["id", "run_on", "trigger", "rules_planned", "evaluated", "created_at"]

    def get_evaluated(self, run: EvaluationRun) -> int:
        return run.evaluations.count()


class RunInputSerializer(StrictInputSerializer):
    rule = serializers.PrimaryKeyRelatedField(
        queryset=ExperienceRule.objects.all(), required=False, help_text="Evaluate only this rule."
    )


class EvaluationOutputSerializer(serializers.ModelSerializer):
    measures = serializers.JSONField(source="results.measures", read_only=True)
    placebo = serializers.JSONField(source="results.placebo", read_only=True)
    look = serializers.SerializerMethodField(
        help_text="Where this evaluation stands in the rule's sequential plan: look number of planned, "
        "post days, boundary (z) and level of the decision interval, first and concluding days."
    )
    summary = serializers.SerializerMethodField(
        help_text="The verdict in one sentence, in the request's language (zh-hans or en)."
    )
    look_text = serializers.SerializerMethodField(help_text="The look, its boundary and the end, in words.")

    class Meta:
        model = RuleEvaluation
        fields = [
            "id",
            "rule",
            "run",
            *RESULT_FIELDS,
            "measures",
            "placebo",
            "look",
            "summary",
            "look_text",
            "updated_at",
        ]
        extra_kwargs = {
            "primary_ci_low": {
                "help_text": "Decision interval of the primary lift (the look's repeated interval)."
            },
            "primary_ci_high": {
                "help_text": "Decision interval of the primary lift (the look's repeated interval)."
            },
        }

    def get_look(self, evaluation: RuleEvaluation) -> dict[str, Any] | None:
        return evaluation.results.get("look")

    def get_summary(self, evaluation: RuleEvaluation) -> str:
        return verdict_sentence(
            verdict=evaluation.verdict,
            reason=evaluation.reason,
            results=evaluation.results,
            sufficient_by=evaluation.sufficient_by,
        )

    def get_look_text(self, evaluation: RuleEvaluation) -> str:
        return look_sentence(evaluation.results)


class EvaluationRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = RunOutputSerializer
    permission_classes = [
        roles_permission(Role.ANALYST, Role.PRODUCT_OWNER, Role.MANAGER, safe_roles=ALL_ROLES)
    ]
    queryset = EvaluationRun.objects.order_by("-run_on", "-id")

    @extend_schema(request=RunInputSerializer, responses={202: RunOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = RunInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = data.validated_data.get("rule")
        if rule is not None:
            run = rule_evaluate_on_demand(rule=rule, actor=request.user)
        else:
            if not has_role(request.user, Role.MANAGER):
                raise ApplicationError(
                    _("Only managers may start an evaluation of every rule."), code="forbidden"
                )
            run = evaluation_run_all(trigger=RunTrigger.ON_DEMAND)
        return Response(RunOutputSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RuleEvaluationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EvaluationOutputSerializer
    permission_classes = [roles_permission(safe_roles=ALL_ROLES)]

    def get_queryset(self):
        queryset = RuleEvaluation.objects.order_by("-run_on", "-id")
        params = self.request.query_params
        for name in ("rule", "run"):
            value = params.get(name)
            if value:
                number = parse_id(value)
                if number is None:
                    raise ApplicationError(_("%(name)s must be a number.") % {"name": name}, code="invalid")
                queryset = queryset.filter(**{f"{name}_id": number})
        if params.get("verdict"):
            queryset = queryset.filter(verdict=params["verdict"])
        return queryset


class PortfolioRowSerializer(serializers.Serializer):
    rule = serializers.IntegerField(source="rule.pk")
    name = serializers.CharField(source="rule.name")
    status = serializers.CharField(source="rule.status")
    q_value = serializers.FloatField(
        allow_null=True, help_text="Benjamini–Hochberg q of the primary measure."
    )
    discovery = serializers.BooleanField(help_text="Significant with the portfolio's FDR held at 5%.")
    evaluation = EvaluationOutputSerializer(allow_null=True)


class PortfolioView(APIView):
    permission_classes = [roles_permission(safe_roles=ALL_ROLES)]

    @extend_schema(responses=PortfolioRowSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = evaluation_portfolio(
            verdict=request.query_params.get("verdict", ""), measure=request.query_params.get("measure", "")
        )
        return Response(PortfolioRowSerializer(rows, many=True).data)
