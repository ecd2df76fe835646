"""Similar open issues for a text (the filing page's suggestions, as an API): selector → output."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cxops.errors import ApplicationError
from cxops.inputs import parse_id
from cxops.inputs import query_text
from cxops.selectors.reports import issues_similar_to
from cxops.selectors.reports import reports_visible_to

SIMILAR_TEXT_MAX = 500
SIMILAR_LIMIT_MAX = 20


class SimilarIssueSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="issue_id")
    title = serializers.CharField()
    score = serializers.FloatField()
    terms = serializers.ListField(
        child=serializers.CharField(), help_text="What the text and the issue share."
    )
    highlighted = serializers.CharField(help_text="The title, HTML-escaped, shared parts in <mark>.")
    report_count = serializers.IntegerField()
    status = serializers.CharField()
    product = serializers.CharField()


class SimilarIssuesSerializer(serializers.Serializer):
    results = SimilarIssueSerializer(many=True)


class IssueSimilarView(APIView):
    """Open issues that mean what `text` means, best first (issues are visible to every member)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "text", str, required=True, description=f"At most {SIMILAR_TEXT_MAX} characters."
            ),
            OpenApiParameter("limit", int, description=f"1 to {SIMILAR_LIMIT_MAX} (default 5)."),
            OpenApiParameter(
                "report", int, description="Leave out issues triage decided are not this report's."
            ),
        ],
        responses={200: SimilarIssuesSerializer},
    )
    def get(self, request: Request) -> Response:
        params: Any = request.query_params
        text = query_text(params.get("text"), limit=SIMILAR_TEXT_MAX).strip()
        if not text:
            raise ApplicationError(_("Give the text to match (?text=)."), code="invalid")
        limit = parse_id(params.get("limit", "5") or "5")
        if limit is None or not 1 <= limit <= SIMILAR_LIMIT_MAX:
            raise ApplicationError(
                _("The limit is a whole number from 1 to %(max)d.") % {"max": SIMILAR_LIMIT_MAX},
                code="invalid",
            )
        report = params.get("report", "")
        report_id = parse_id(report) if report else None
        if report_id is not None and not reports_visible_to(request.user).filter(pk=report_id).exists():
            report_id = None  # someone else's report: answered as if not given (ids are not probed)
        matches = issues_similar_to(text, user=request.user, limit=limit, report_id=report_id)
        return Response({"results": SimilarIssueSerializer(matches, many=True).data})
