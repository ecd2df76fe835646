"""An issue's clock, no ORM: the due time its severity gives and where it stands against it.

settings.CXOPS_ISSUE_SLA_HOURS maps each severity to the hours an issue may stay open
(`CXOPS_ISSUE_SLA_HOURS="4:24,3:72,2:168,1:336"`: critical 24 h, high 3 days, medium a week, low two).
"""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from django.conf import settings

ON_TRACK, DUE_SOON, BREACHED = "", "due_soon", "breached"
# "Due soon" is the last quarter of the allowed time.
DUE_SOON_FRACTION = 0.25


def sla_hours(severity: int) -> int:
    table = settings.CXOPS_ISSUE_SLA_HOURS
    return int(table.get(int(severity), max(table.values())))


def due_at_for(*, severity: int, start: datetime) -> datetime:
    return start + timedelta(hours=sla_hours(severity))


def sla_state(*, due_at: datetime | None, severity: int, open: bool, now: datetime) -> str:
    """ON_TRACK, DUE_SOON or BREACHED; a closed issue or one without a clock is on track."""
    if not open or due_at is None:
        return ON_TRACK
    if now >= due_at:
        return BREACHED
    if due_at - now <= timedelta(hours=sla_hours(severity) * DUE_SOON_FRACTION):
        return DUE_SOON
    return ON_TRACK


def parse_sla_hours(text: str) -> dict[int, int]:
    """ "4:24,3:72" → {4: 24, 3: 72}; raises ValueError on anything else (settings fail fast)."""
    table: dict[int, int] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        try:
            severity, hours = (int(part) for part in item.split(":"))
        except ValueError as error:
            raise ValueError(f"CXOPS_ISSUE_SLA_HOURS: {item!r} is not severity:hours") from error
        if severity not in (1, 2, 3, 4) or hours <= 0:
            raise ValueError(f"CXOPS_ISSUE_SLA_HOURS: {item!r} is not severity:hours")
        table[severity] = hours
    if set(table) != {1, 2, 3, 4}:
        raise ValueError("CXOPS_ISSUE_SLA_HOURS needs hours for severities 1, 2, 3 and 4")
    return table
