"""CSV import of metric data: same guarantees as reports (line-numbered rejections, idempotent, partial files)."""

import pytest
from django.test import TestCase
from django.utils import translation

from cxops.models import ImportRejectedRow
from cxops.models import ImportStatus
from cxops.models import MetricDaily
from cxops.models import MetricScope
from cxops.services.imports.core import import_job_create
from cxops.services.imports.core import import_job_start

pytestmark = pytest.mark.django_db

HEADER = "日期,产品,渠道,客群,用户数,活跃用户数,投诉量,咨询量\n"


def run(analyst, body: str, header: str = HEADER, encoding: str = "utf-8"):
    job = import_job_create(
        actor=analyst,
        kind="metrics",
        source_system="bi",
        original_name="metrics.csv",
        data=(header + body).encode(encoding),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        import_job_start(actor=analyst, job=job)
    job.refresh_from_db()
    return job


def test_every_bad_row_is_reported_with_its_line_and_the_good_rows_are_applied(analyst, reference_data):
    body = (
        "2026-10-01,飞信,,,6000000,3300000,72,2100\n"  # line 2: good (product by Chinese name)
        "2026-10-01,fetion,10086热线,,3000000,,40,1800\n"  # line 3: good (code, channel by name)
        "2026-13-01,飞信,,,1,,,\n"  # line 4: bad date
        "2026-10-02,不存在的产品,,,1,,,\n"  # line 5: unknown product
        "2026-10-02,飞信,,,100,500,,\n"  # line 6: active > users
        "2026-10-02,飞信,,高价值用户,-5,,,\n"  # line 7: negative
    )
    job = run(analyst, body)
    assert job.status == ImportStatus.DONE
    assert (job.inserted, job.duplicates, job.rejected) == (2, 0, 4)
    rejected = {row.line: row.reason for row in ImportRejectedRow.objects.filter(job=job)}
    assert sorted(rejected) == [4, 5, 6, 7]
    assert "YYYY-MM-DD" in rejected[4]
    assert "不存在的产品" in rejected[5]
    assert "active_users" in rejected[6]
    assert "users" in rejected[7]
    assert MetricDaily.objects.count() == 2
    assert MetricScope.objects.count() == 2


def test_reimporting_the_same_file_changes_nothing(analyst, reference_data):
    body = "2026-10-01,飞信,,,6000000,3300000,72,2100\n"
    first = run(analyst, body)
    before = list(MetricDaily.objects.values_list("users", "complaints", "updated_at"))
    second = run(analyst, body)
    assert (first.inserted, second.inserted, second.duplicates) == (1, 0, 1)
    assert list(MetricDaily.objects.values_list("users", "complaints", "updated_at")) == before


def test_a_complaints_only_file_keeps_users_and_refusals_against_stored_data_are_reported(
    analyst, reference_data
):
    run(analyst, "2026-10-01,飞信,,,6000000,3300000,72,2100\n")
    job = run(
        analyst,
        "2026-10-01,飞信,,,7000000,\n2026-10-01,飞信,,,,9000000\n",
        header="日期,产品,渠道,客群,投诉量,活跃用户数\n",
    )
    # line 2 updates complaints; line 3's active users exceed the stored users
    row = MetricDaily.objects.get()
    assert (row.users, row.active_users, row.complaints) == (6_000_000, 3_300_000, 7_000_000)
    assert (job.inserted, job.duplicates, job.rejected) == (1, 0, 1)
    with translation.override("en"):
        reason = ImportRejectedRow.objects.get(job=job).reason
    assert ImportRejectedRow.objects.get(job=job).line == 3
    assert "9000000" in reason


def test_gbk_file_with_a_satisfaction_histogram(analyst, reference_data):
    header = "日期,产品,满意度量表,满意度1分,满意度2分,满意度3分,满意度4分,满意度5分,发出问卷数\n"
    job = run(analyst, "2026-10-01,彩铃,5,1,2,3,10,20,120\n", header=header, encoding="gbk")
    assert (job.inserted, job.rejected) == (1, 0)
    row = MetricDaily.objects.get()
    assert row.satisfaction_counts == [1, 2, 3, 10, 20]
    assert row.surveys_sent == 120
