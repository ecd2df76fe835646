"""Absolute links for what leaves the browser (e-mails, robot messages): settings.SITE_URL + path."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """`/rules/7/` → `https://cx.example.com/rules/7/`; an empty or already absolute link is kept."""
    if not path or "://" in path:
        return path
    return settings.SITE_URL + (path if path.startswith("/") else "/" + path)
