"""Sense test helpers: reports filed through the service, so rollups and issue counts stay exact."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from typing import Any

from cxops.models import ExperienceReport
from cxops.services.reports import report_create
from tests.factories import ChannelFactory
from tests.factories import ProductFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_sequence = itertools.count(1)


def file_report(actor: Any, **overrides: Any) -> ExperienceReport:
    """File a report as `actor` with sensible defaults; overrides are report_create's keywords."""
    n = next(_sequence)
    values: dict[str, Any] = {
        "product": overrides.pop("product", None) or ProductFactory(),
        "channel": overrides.pop("channel", None) or ChannelFactory(),
        "source_type": "complaint",
        "layer": "functional",
        "stage": "use",
        "summary": f"客户反映飞信无法登录{n}",
        "occurred_at": dt.datetime(2026, 10, 22, 9, 0, tzinfo=SHANGHAI) - dt.timedelta(minutes=n % 480),
    }
    values.update(overrides)
    report, _created = report_create(actor=actor, **values)
    return report
