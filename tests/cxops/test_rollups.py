import datetime as dt
import io
import zoneinfo

import pytest
from django.core.management import CommandError
from django.core.management import call_command

from cxops.models import ReportDailyDimensionTotal
from cxops.models import ReportStatus
from cxops.models import RollupDimension
from cxops.services.rollups import ReportFacts
from cxops.services.rollups import local_day
from cxops.services.rollups import rollups_apply_delta
from cxops.services.rollups import rollups_rebuild
from cxops.services.rollups import rollups_verify
from tests.factories import IssueFactory
from tests.factories import ReportFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_days_are_cut_at_shanghai_midnight_not_utc():
    # 16:30 UTC on the 21st is 00:30 on the 22nd in Shanghai
    assert local_day(dt.datetime(2026, 10, 21, 16, 30, tzinfo=dt.UTC)) == dt.date(2026, 10, 22)
    assert local_day(dt.datetime(2026, 10, 21, 15, 59, tzinfo=dt.UTC)) == dt.date(2026, 10, 21)


@pytest.mark.django_db
def test_applied_deltas_match_a_recomputation():
    # given reports written with their rollup deltas, one moved to an issue, one dismissed
    reports = [ReportFactory(occurred_at=dt.datetime(2026, 10, 22, 0, 30, tzinfo=SHANGHAI)) for _ in range(3)]
    rollups_apply_delta(added=[ReportFacts.of(r) for r in reports])
    issue = IssueFactory()
    before = ReportFacts.of(reports[0])
    reports[0].issue = issue
    reports[0].status = ReportStatus.LINKED
    reports[0].save()
    rollups_apply_delta(removed=[before], added=[ReportFacts.of(reports[0])])
    before = ReportFacts.of(reports[1])
    reports[1].status = ReportStatus.DISMISSED
    reports[1].save()
    rollups_apply_delta(removed=[before], added=[ReportFacts.of(reports[1])])
    # then the stored counts equal the raw aggregate
    assert rollups_verify() == []
    counted = ReportDailyDimensionTotal.objects.filter(dimension=RollupDimension.LAYER)
    assert sum(counted.values_list("count", flat=True)) == 2
    assert issue.daily_counts.get().count == 1


@pytest.mark.django_db
def test_verify_reports_drift_and_rebuild_repairs_it():
    ReportFactory()
    assert rollups_verify() != []  # written without its delta
    with pytest.raises(CommandError):
        call_command("rollups", "verify", stdout=io.StringIO(), stderr=io.StringIO())
    rollups_rebuild()
    assert rollups_verify() == []
    call_command("rollups", "verify", stdout=io.StringIO())
