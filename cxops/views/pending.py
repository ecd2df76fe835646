"""Section landing used only until the section's own pages land (issue 2 allows it for empty sections)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def section_pending(request: HttpRequest, *, title: str, description: str) -> HttpResponse:
    return render(
        request, "cxops/section_pending.html", {"section_title": title, "section_description": description}
    )
