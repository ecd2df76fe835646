"""`{% sparkline values %}`: a small inline SVG line of a series (the dashboard's KPI cards).

Drawn on the server, so it needs no script and no chart library; decorative (aria-hidden), the
figures it sums up are printed beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.utils.html import format_html

register = template.Library()


def sparkline_points(values: Sequence[float | int | None], *, width: int = 120, height: int = 28) -> str:
    """ "x,y x,y …" for an SVG polyline; gaps (None) count as 0; a flat series is drawn mid-height."""
    numbers = [float(v or 0) for v in values]
    if len(numbers) < 2:
        return ""
    low, high = min(numbers), max(numbers)
    span = high - low
    step = width / (len(numbers) - 1)
    pad = 2
    points = []
    for i, value in enumerate(numbers):
        y = height / 2 if span == 0 else pad + (height - 2 * pad) * (1 - (value - low) / span)
        points.append(f"{i * step:.1f},{y:.1f}")
    return " ".join(points)


@register.simple_tag
def sparkline(values: Sequence[float | int | None], width: int = 120, height: int = 28) -> str:
    points = sparkline_points(values, width=width, height=height)
    if not points:
        return ""
    return format_html(
        '<svg class="sparkline" width="{w}" height="{h}" viewBox="0 0 {w} {h}" aria-hidden="true" '
        'focusable="false"><polyline fill="none" stroke="currentColor" stroke-width="1.5" '
        'stroke-linejoin="round" points="{points}"/></svg>',
        w=width,
        h=height,
        points=points,
    )
