"""The global search page (the header's search box) across reports, issues, strategies and rules."""

from __future__ import annotations

from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import render

from cxops.inputs import query_text
from cxops.search import QUERY_MAX
from cxops.search import search_everything


def search(request: HttpRequest) -> HttpResponse:
    query = query_text(request.GET.get("q"), limit=QUERY_MAX).strip()
    groups = search_everything(request.user, query, limit=20) if query else []
    return render(
        request,
        "cxops/search.html",
        {"query": query, "groups": groups, "total": sum(len(group.hits) for group in groups)},
    )
