"""Reports API: file one or a batch (partial success per item), list with filters, retrieve; issues
(read); import jobs (analysts: upload a CSV, start it, watch it).  Input serializer → service →
output serializer; cursor pagination, never a COUNT(*) over the table."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework import serializers
from rest_framework import status
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.permissions import BasePermission
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from cxops.api.inputs import MomentField
from cxops.api.inputs import StrictInputSerializer
from cxops.api.parsers import BoundedJSONParser
from cxops.errors import ApplicationError
from cxops.inputs import parse_id
from cxops.models import MANUAL_SOURCE_SYSTEM
from cxops.models import Channel
from cxops.models import ExperienceIssue
from cxops.models import ExperienceLayer
from cxops.models import ExperienceReport
from cxops.models import ImportJob
from cxops.models import ImportKind
from cxops.models import IssueStatus
from cxops.models import LifecycleStage
from cxops.models import Product
from cxops.models import Region
from cxops.models import Segment
from cxops.models import Severity
from cxops.models import SourceType
from cxops.presenters.reports import REPORT_ROW
from cxops.presenters.reports import Shown
from cxops.presenters.reports import report_row_of
from cxops.presenters.reports import report_rows
from cxops.presenters.reports import report_rows_queryset
from cxops.roles import Role
from cxops.roles import has_role
from cxops.roles import roles_permission
from cxops.selectors.filters import IssueFilterSet
from cxops.selectors.filters import ReportFilterSet
from cxops.selectors.reference import reference_by_code
from cxops.selectors.reports import import_jobs_visible_to
from cxops.selectors.reports import issue_regions
from cxops.selectors.reports import reports_visible_to
from cxops.services.imports.core import import_job_create
from cxops.services.imports.core import import_job_start
from cxops.services.imports.core import upload_size_check
from cxops.services.reports import BATCH_MAX
from cxops.services.reports import DETAIL_MAX
from cxops.services.reports import report_create
from cxops.services.reports import report_create_batch
from cxops.services.triage import DESCRIPTION_MAX
from cxops.services.triage import issue_create


class ReferenceCodeField(serializers.SlugRelatedField):
    """A product, channel or segment by code, read from the per-process reference table
    (`cxops.selectors.reference`) instead of a query per request."""

    def to_internal_value(self, data: Any) -> Any:
        queryset = self.get_queryset()
        row = (
            reference_by_code(queryset.model, str(data))
            if isinstance(data, str) and queryset is not None
            else None
        )
        if row is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:100])
        return row


class ReportInputSerializer(StrictInputSerializer):
    source_type = serializers.ChoiceField(choices=SourceType.choices)
    product = ReferenceCodeField(slug_field="code", queryset=Product.objects.all())
    channel = ReferenceCodeField(slug_field="code", queryset=Channel.objects.all())
    layer = serializers.ChoiceField(choices=ExperienceLayer.choices)
    stage = serializers.ChoiceField(choices=LifecycleStage.choices)
    summary = serializers.CharField(max_length=200)
    detail = serializers.CharField(required=False, allow_blank=True, default="", max_length=DETAIL_MAX)
    occurred_at = MomentField(
        help_text="ISO 8601; without an offset it is read as Asia/Shanghai time. "
        "From 2000-01-01 to a day from now."
    )
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, default=Severity.MEDIUM)
    customer = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=40,
        help_text="Phone number; stored masked + hashed.",
    )
    segments = ReferenceCodeField(
        slug_field="code", queryset=Segment.objects.all(), many=True, required=False, default=list
    )
    source_system = serializers.CharField(required=False, default=MANUAL_SOURCE_SYSTEM, max_length=50)
    external_id = serializers.CharField(required=False, allow_null=True, default=None, max_length=100)
    issue = serializers.PrimaryKeyRelatedField(
        queryset=ExperienceIssue.objects.exclude(status=IssueStatus.CLOSED),
        required=False,
        allow_null=True,
        default=None,
    )
    region = ReferenceCodeField(
        slug_field="code",
        queryset=Region.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A region code (guangzhou, foshan, …); by default the filer's home city, else the "
        "default region.  A city member files only in their city.",
    )


# A report as the API answers it, for the OpenAPI schema (and the tests that prove the answers
# equal to it).  Its fields are `REPORT_ROW`'s columns (cxops.presenters.reports), the one
# declaration the answers are built from, so the schema cannot drift from them.  (A comment, not
# a docstring: drf-spectacular would publish a docstring as the schema's description.)
class ReportOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExperienceReport
        fields = REPORT_ROW.names

    def build_field(
        self, field_name: str, info: Any, model_class: Any, nested_depth: int
    ) -> tuple[type[serializers.Field], dict[str, Any]]:
        slug = REPORT_ROW.column(field_name).shown.slug
        if slug is None:
            return super().build_field(field_name, info, model_class, nested_depth)
        kwargs: dict[str, Any] = {"slug_field": slug, "read_only": True}
        if REPORT_ROW.column(field_name).shown is Shown.CODES:
            kwargs["many"] = True
        return serializers.SlugRelatedField, kwargs


def _report_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    occurred_at = data["occurred_at"]
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    return {**data, "occurred_at": occurred_at, "severity": int(data["severity"])}


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Experience reports.  Frontline members see and file their own; analysts see all."""

    serializer_class = ReportOutputSerializer
    permission_classes = [roles_permission(Role.FRONTLINE)]
    queryset = ExperienceReport.objects.none()
    filterset_class = ReportFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExperienceReport.objects.none()
        if self.action != "list":
            return reports_visible_to(self.request.user, queryset=report_rows_queryset())
        # the list's rows are the reader's: ReportFilterSet applies reports_visible_to
        return report_rows_queryset()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The busiest read of the API: one query, rows straight from values(), no model instances
        # and no serializer per row.
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(report_rows(page or []))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pk = parse_id(str(kwargs["pk"]))
        rows = list(self.get_queryset().filter(pk=pk)[:1]) if pk is not None else []
        if not rows:  # someone else's report answers like one that does not exist
            raise NotFound
        return Response(report_rows(rows)[0])

    @extend_schema(
        request=ReportInputSerializer,
        responses={201: ReportOutputSerializer, 200: ReportOutputSerializer},
        description="File one report.  Re-sending the same source_system + external_id returns the "
        "report already filed (200) and creates nothing.",
    )
    def create(self, request: Request) -> Response:
        serializer = ReportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report, created = report_create(actor=request.user, **_report_kwargs(serializer.validated_data))
        # a new report has the segments just sent; one filed before has its own
        related = {"segments": serializer.validated_data["segments"]} if created else None
        return Response(
            report_row_of(report, related=related),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request={
            "application/json": {
                "type": "object",
                "properties": {"reports": {"type": "array", "items": {"type": "object"}}},
            }
        },
        responses={200: {"type": "object"}},
        description=f"File up to {BATCH_MAX} reports.  Each item succeeds or fails alone: the answer lists, "
        "in input order, `created` / `duplicate` (with the id) or `error` (with field errors).",
    )
    @action(detail=False, methods=["post"], url_path="batch")
    def batch(self, request: Request) -> Response:
        items = request.data.get("reports") if isinstance(request.data, dict) else request.data
        if not isinstance(items, list) or not items:
            raise serializers.ValidationError({"reports": ["Send a non-empty list of reports."]})
        if len(items) > BATCH_MAX:
            raise serializers.ValidationError({"reports": [f"Send at most {BATCH_MAX} reports per batch."]})
        results: list[dict[str, Any]] = [{} for _ in items]
        valid: list[tuple[int, dict[str, Any]]] = []
        for index, item in enumerate(items):
            serializer = ReportInputSerializer(data=item if isinstance(item, dict) else {})
            if serializer.is_valid():
                valid.append((index, _report_kwargs(serializer.validated_data)))
            else:
                results[index] = {"index": index, "status": "error", "errors": serializer.errors}
        outcomes = report_create_batch(actor=request.user, items=[kwargs for _index, kwargs in valid])
        for (index, _kwargs), outcome in zip(valid, outcomes, strict=True):
            entry: dict[str, Any] = {"index": index, "status": outcome.status}
            if outcome.report is not None:
                entry["id"] = outcome.report.pk
            if outcome.errors:
                entry["errors"] = outcome.errors
            results[index] = entry
        summary = {
            key: sum(1 for r in results if r["status"] == key) for key in ("created", "duplicate", "error")
        }
        return Response({**summary, "results": results})


class IssueOutputSerializer(serializers.ModelSerializer):
    # An issue may have no product (one created in the API without it): null, not a string.
    product: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    regions = serializers.SerializerMethodField(help_text="The region codes of the issue's reports.")

    def get_regions(self, issue: ExperienceIssue) -> list[str]:
        regions = self.context.get("regions")
        if regions is None:
            regions = issue_regions([issue.pk])
        return regions.get(issue.pk, [])

    class Meta:
        model = ExperienceIssue
        fields = [
            "id",
            "title",
            "description",
            "product",
            "regions",
            "layer",
            "stage",
            "status",
            "report_count",
            "first_reported_at",
            "last_reported_at",
            "created_at",
        ]


class IssueInputSerializer(StrictInputSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=DESCRIPTION_MAX
    )
    product = ReferenceCodeField(
        slug_field="code", queryset=Product.objects.all(), required=False, default=None
    )
    layer = serializers.ChoiceField(
        choices=ExperienceLayer.choices, required=False, allow_blank=True, default=""
    )
    stage = serializers.ChoiceField(
        choices=LifecycleStage.choices, required=False, allow_blank=True, default=""
    )


class _AnalystsWriteIssues(BasePermission):
    """Every member reads issues; analysts create them (the service checks again)."""

    message = _("Your role does not allow this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or has_role(request.user, Role.ANALYST)


class IssueViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Experience issues: every member reads them; analysts create them here or in triage."""

    serializer_class = IssueOutputSerializer
    permission_classes = [IsAuthenticated, _AnalystsWriteIssues]
    queryset = ExperienceIssue.objects.none()
    # list and retrieve (get_object) read through IssueFilterSet, which applies issues_visible_to
    filterset_class = IssueFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExperienceIssue.objects.none()
        return ExperienceIssue.objects.select_related("product")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page) if page is not None else list(queryset)
        context = {**self.get_serializer_context(), "regions": issue_regions([issue.pk for issue in rows])}
        data = IssueOutputSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(request=IssueInputSerializer, responses={201: IssueOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = IssueInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issue = issue_create(actor=request.user, **serializer.validated_data)
        return Response(IssueOutputSerializer(issue).data, status=status.HTTP_201_CREATED)


class ImportJobInputSerializer(StrictInputSerializer):
    file = serializers.FileField()
    source_system = serializers.CharField(max_length=50)
    kind = serializers.ChoiceField(choices=ImportKind.choices, default=ImportKind.REPORTS)
    start = serializers.BooleanField(
        default=True, help_text="Start at once with the source system's saved mapping."
    )

    def validate_file(self, value: Any) -> Any:
        try:
            upload_size_check(value.size)
        except ApplicationError as error:
            raise serializers.ValidationError(error.message, code="too_large") from error
        return value


class ImportJobOutputSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "source_system",
            "status",
            "original_name",
            "encoding",
            "header",
            "column_map",
            "total_lines",
            "processed_lines",
            "rows_seen",
            "inserted",
            "duplicates",
            "rejected",
            "error",
            "progress_percent",
            "created_at",
            "started_at",
            "finished_at",
        ]


class ImportJobViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """CSV import jobs (analysts).  Upload with the saved mapping and start, then poll the job."""

    serializer_class = ImportJobOutputSerializer
    permission_classes = [roles_permission(Role.ANALYST)]
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]
    queryset = ImportJob.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        return import_jobs_visible_to(self.request.user, ImportJob.objects.defer("data").order_by("-id"))

    @extend_schema(
        request={"multipart/form-data": ImportJobInputSerializer}, responses={201: ImportJobOutputSerializer}
    )
    def create(self, request: Request) -> Response:
        serializer = ImportJobInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # One request, one outcome: a start that is refused (a required column unmapped) leaves no
        # job behind, as any refused write.
        with transaction.atomic():
            job = import_job_create(
                actor=request.user,
                kind=data["kind"],
                source_system=data["source_system"],
                original_name=data["file"].name,
                upload=data["file"],
            )
            if data["start"]:
                job = import_job_start(actor=request.user, job=job)
        job.refresh_from_db()
        return Response(ImportJobOutputSerializer(job).data, status=status.HTTP_201_CREATED)
