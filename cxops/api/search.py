"""GET /api/search/?q= — the command palette's answer: commands and records the caller may see."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cxops.inputs import parse_id
from cxops.inputs import query_text
from cxops.search import QUERY_MAX
from cxops.search import search_everything

LIMIT_MAX = 20


class GlobalSearchHitSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="command, issue, report, strategy or rule")
    title = serializers.CharField()
    url = serializers.CharField()
    meta = serializers.CharField()
    snippet = serializers.CharField(help_text="HTML-escaped text around the match, terms in <mark>.")


class GlobalSearchGroupSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label
    hits = GlobalSearchHitSerializer(many=True)


class GlobalSearchResultSerializer(serializers.Serializer):
    query = serializers.CharField()
    groups = GlobalSearchGroupSerializer(many=True)


class SearchView(APIView):
    """Everything matching every term of `q`, grouped, within the caller's visibility."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description=f"At most {QUERY_MAX} characters."),
            OpenApiParameter("limit", int, description=f"Hits per group, 1 to {LIMIT_MAX} (default 5)."),
        ],
        responses={200: GlobalSearchResultSerializer},
        summary="Search reports, issues, strategies, rules and pages",
    )
    def get(self, request: Request) -> Response:
        params: Any = request.query_params
        query = query_text(params.get("q"), limit=QUERY_MAX).strip()
        limit = parse_id(params.get("limit") or "5")
        limit = min(max(limit or 5, 1), LIMIT_MAX)
        groups = search_everything(request.user, query, limit=limit) if query else []
        data = {
            "query": query,
            "groups": [{"kind": g.kind, "label": str(g.label), "hits": g.hits} for g in groups],
        }
        return Response(GlobalSearchResultSerializer(data).data)
