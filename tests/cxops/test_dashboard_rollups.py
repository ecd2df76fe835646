"""The dashboard's rollups (fine cells, per-dimension sums, per-issue counts) always equal the raw reports."""

import datetime as dt
import zoneinfo

import pytest
from django.test import TestCase

from cxops.models import ReportDailyDimensionRollup
from cxops.models import ReportStatus
from cxops.models import RollupDimension
from cxops.selectors.dashboard import Period
from cxops.selectors.dashboard import dashboard_volumes
from cxops.services.imports.core import import_job_create
from cxops.services.imports.core import import_job_start
from cxops.services.rollups import ReportFacts
from cxops.services.rollups import rollups_apply_delta
from cxops.services.rollups import rollups_rebuild
from cxops.services.rollups import rollups_verify
from tests.factories import IssueFactory
from tests.factories import ReportFactory

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

CSV = (
    "工单号,受理时间,工单类型,业务名称,渠道,体验层次,体验生命周期,摘要\n"
    "R1,2026-10-22 06:50:00,投诉,飞信,10086热线,功能性体验,使用,飞信申请失败提示系统忙\n"
    "R2,2026-10-22 23:59:00,咨询,飞信,10086热线,功能性体验,知识,客户来电询问飞信怎么下载\n"
    "R3,2026-10-23 00:10:00,建议,网上营业厅,网上营业厅,便利性体验,使用,网上营业厅找不到账单查询\n"
)


def import_reports(analyst, data: str):
    job = import_job_create(
        actor=analyst, kind="reports", source_system="hotline", original_name="r.csv", data=data.encode()
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        import_job_start(actor=analyst, job=job)
    job.refresh_from_db()
    return job


def test_rollups_match_after_import_reimport_move_and_dismiss(analyst, reference_data):
    # given a CSV imported twice (the second run adds nothing)
    assert import_reports(analyst, CSV).inserted == 3
    assert import_reports(analyst, CSV).inserted == 0
    assert rollups_verify() == []
    # when reports are moved into an issue and one is dismissed (as triage does, with its deltas)
    reports = [ReportFactory(occurred_at=dt.datetime(2026, 10, 22, 8, tzinfo=SHANGHAI)) for _ in range(3)]
    rollups_apply_delta(added=[ReportFacts.of(r) for r in reports])
    issue = IssueFactory()
    for report in reports[:2]:
        before = ReportFacts.of(report)
        report.issue, report.status, report.layer = issue, ReportStatus.LINKED, "convenience"
        report.save()
        rollups_apply_delta(removed=[before], added=[ReportFacts.of(report)])
    before = ReportFacts.of(reports[2])
    reports[2].status = ReportStatus.DISMISSED
    reports[2].save()
    rollups_apply_delta(removed=[before], added=[ReportFacts.of(reports[2])])
    # then every rollup, the per-dimension one included, equals a recomputation from the raw table
    assert rollups_verify() == []
    layer_counts = {
        v["code"]: v["count"]
        for v in dashboard_volumes(period=Period(dt.date(2026, 10, 22), dt.date(2026, 10, 23)))["layer"]
    }
    assert layer_counts == {"functional": 2, "convenience": 3, "emotional": 0}


def test_a_dimension_cell_out_of_step_is_found_and_rebuilt(reference_data):
    reports = [ReportFactory() for _ in range(2)]
    rollups_apply_delta(added=[ReportFacts.of(r) for r in reports])
    cell = ReportDailyDimensionRollup.objects.filter(dimension=RollupDimension.STAGE).first()
    ReportDailyDimensionRollup.objects.filter(pk=cell.pk).update(count=cell.count + 5)
    problems = rollups_verify()
    assert len(problems) == 1
    assert problems[0].startswith("dimension ")
    result = rollups_rebuild()
    assert result["dimension_cells"] == ReportDailyDimensionRollup.objects.count()
    assert rollups_verify() == []
    # each report counts once in every dimension
    for dimension in RollupDimension.values:
        assert (
            sum(
                ReportDailyDimensionRollup.objects.filter(dimension=dimension).values_list("count", flat=True)
            )
            == 2
        )


@pytest.mark.parametrize(
    ("model_name", "leading"),
    [("IssueDailyRollup", ["day"]), ("IssueDailyRegionRollup", ["region_id", "day"])],
)
def test_top_issues_can_sum_their_counts_from_one_index_alone(db, model_name, leading):
    """The top and rising issues, province-wide and for one city, filter by (region,) day range and
    sum `count` by issue: one index leads with the filter's columns and holds the other two, so the
    sum is an index-only scan with no heap visit per day and issue (migration 0036)."""
    from django.db import connection

    import cxops.models

    table = getattr(cxops.models, model_name)._meta.db_table
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, table)
    covering = [
        name
        for name, index in indexes.items()
        if index["index"]
        and index["columns"][: len(leading)] == leading
        and {"issue_id", "count"} <= set(index["columns"])
    ]
    assert covering, indexes
