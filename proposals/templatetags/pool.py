from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.urls import NoReverseMatch
from django.urls import reverse
from django.utils.safestring import SafeString

from ..markdown import render_markdown

register = template.Library()


@register.filter
def pool_markdown(text: str, mentions: Iterable[str] | None = None) -> SafeString:
    """Sanitised Markdown; `mentions` are the user names to highlight as @mentions."""
    return render_markdown(text, mentions=mentions or ())


@register.simple_tag
def optional_url(name: str, *args: object) -> str:
    """The URL of a page another area provides, or "" while that page does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
