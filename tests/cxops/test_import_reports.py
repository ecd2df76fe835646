"""CSV import of experience reports through the generic core: encodings, mappings, bad rows, re-runs."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test import override_settings

from cxops.errors import ApplicationError
from cxops.models import ExperienceReport
from cxops.models import ImportJob
from cxops.models import ImportMapping
from cxops.models import ImportRejectedRow
from cxops.models import ImportStatus
from cxops.services.imports.core import ImportFileError
from cxops.services.imports.core import RowRejected
from cxops.services.imports.core import TimeParser
from cxops.services.imports.core import detect_encoding
from cxops.services.imports.core import import_job_create
from cxops.services.imports.core import import_job_preview
from cxops.services.imports.core import import_job_run
from cxops.services.imports.core import import_job_set_mapping
from cxops.services.imports.core import import_job_start
from cxops.services.imports.core import rejected_rows_csv
from cxops.services.rollups import rollups_verify

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

HEADER = "工单号,受理时间,工单类型,业务名称,渠道,体验层次,体验生命周期,摘要,详情,用户号码,客群\n"
GOOD = (
    "T001,2026-10-22 06:50:00,投诉,飞信,10086热线,功能性体验,使用,飞信申请失败提示系统忙,客户多次申请飞信均失败,+86 138-0013-8000,新入网用户\n"
    "T002,2026/9/9 21:36,咨询,fetion,hotline-10086,functional,knowledge,客户来电询问飞信怎么下载,,８６１３９００１３９０００,\n"
    "T003,2026年10月22日 06:50,建议,网上营业厅,网上营业厅,便利性体验,使用,网上营业厅找不到账单查询,,,高价值用户、资费敏感用户\n"
)


def csv_bytes(body: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + body).encode(encoding)


def start(analyst, job: ImportJob) -> ImportJob:
    """Start the job and run the task queued after commit (inline, as in the embedded mode)."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        import_job_start(actor=analyst, job=job)
    job.refresh_from_db()
    return job


def run(analyst, data: bytes, *, source_system: str = "hotline", name: str = "t.csv") -> ImportJob:
    job = import_job_create(
        actor=analyst, kind="reports", source_system=source_system, original_name=name, data=data
    )
    return start(analyst, job)


@pytest.fixture
def refs(reference_data):
    return reference_data


@pytest.fixture(autouse=True)
def _english_messages():
    """Assertions below read the English messages (the site itself defaults to Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def test_times_in_the_shapes_source_systems_write_are_shanghai_time():
    parse = TimeParser()
    assert parse("2026-10-22 06:50:00") == dt.datetime(2026, 10, 22, 6, 50, tzinfo=SHANGHAI)
    assert parse("2026/9/9 21:36") == dt.datetime(2026, 9, 9, 21, 36, tzinfo=SHANGHAI)
    assert parse("2026年10月22日 06:50") == dt.datetime(2026, 10, 22, 6, 50, tzinfo=SHANGHAI)
    assert parse("2026-10-21T22:50:00Z") == dt.datetime(2026, 10, 22, 6, 50, tzinfo=SHANGHAI)
    with pytest.raises(RowRejected, match="not a valid date"):
        parse("2026-02-30 10:00")
    with pytest.raises(RowRejected, match="Cannot read the time"):
        parse("昨天下午")
    with pytest.raises(RowRejected, match="future"):
        parse("2099-01-01 00:00")


@pytest.mark.django_db
def test_good_rows_land_with_masked_numbers_segments_and_exact_rollups(refs, analyst):
    # given a hotline export with Chinese headers, names, codes and all three time shapes
    # when it is imported
    job = run(analyst, csv_bytes(GOOD))
    # then every row lands, the job says so, and the rollups match the reports
    assert (job.status, job.inserted, job.duplicates, job.rejected, job.rows_seen) == ("done", 3, 0, 0, 3)
    # the uploaded file (full customer numbers) is not kept once the import is done
    assert ImportJob.objects.filter(pk=job.pk, data__isnull=True).exists()
    first = ExperienceReport.objects.get(external_id="T001")
    assert first.source_system == "hotline"
    assert first.product.code == "fetion"
    assert first.channel.code == "hotline-10086"
    assert (first.source_type, first.layer, first.stage, first.status) == (
        "complaint",
        "functional",
        "use",
        "new",
    )
    assert first.occurred_at == dt.datetime(2026, 10, 22, 6, 50, tzinfo=SHANGHAI)
    assert first.customer_masked == "138****8000"
    assert len(first.customer_hash) == 64
    assert list(first.segments.values_list("code", flat=True)) == ["new-subscriber"]
    second = ExperienceReport.objects.get(external_id="T002")
    assert second.customer_masked == "139****9000"
    third = ExperienceReport.objects.get(external_id="T003")
    assert sorted(third.segments.values_list("code", flat=True)) == ["high-value", "tariff-sensitive"]
    assert rollups_verify() == []


@pytest.mark.django_db
def test_re_importing_the_same_file_inserts_nothing(refs, analyst):
    run(analyst, csv_bytes(GOOD))
    # when the same file comes again
    again = run(analyst, csv_bytes(GOOD), name="again.csv")
    # then nothing new is created and the rows are counted as already present
    assert (again.inserted, again.duplicates, again.rejected) == (0, 3, 0)
    assert ExperienceReport.objects.count() == 3
    assert rollups_verify() == []


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_utf8_with_or_without_bom_and_gbk_files_are_read(refs, analyst, encoding):
    job = run(analyst, csv_bytes(GOOD, encoding=encoding))
    assert job.inserted == 3
    assert ExperienceReport.objects.get(external_id="T001").summary == "飞信申请失败提示系统忙"
    assert job.encoding == (
        "utf-8-sig" if encoding == "utf-8-sig" else "utf-8" if encoding == "utf-8" else "gb18030"
    )


@pytest.mark.django_db
def test_a_file_in_no_known_encoding_or_a_workbook_is_refused_with_a_clear_message(refs, analyst):
    import io

    with pytest.raises(ImportFileError, match="neither UTF-8 nor GB18030"):
        detect_encoding(io.BytesIO(b"\x81\x30\xff\xff\xfe" * 10))
    with pytest.raises(ImportFileError, match="Excel workbook"):
        import_job_create(
            actor=analyst, kind="reports", source_system="x", original_name="a.xlsx", data=b"PK\x03\x04rest"
        )
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="en")
def test_every_bad_row_is_rejected_with_its_line_and_reason_and_good_rows_still_land(refs, analyst):
    body = (
        GOOD
        + "T004,not a time,投诉,飞信,10086热线,功能,使用,摘要,,,\n"  # line 5
        + "T005,2026-10-22 06:50,投诉,不存在的业务,10086热线,功能,使用,摘要,,,\n"  # line 6
        + "T006,2026-10-22 06:50,投诉,飞信,10086热线,功能,使用,,,,\n"  # line 7: no summary
        + "T007,2026-10-22 06:50,投诉,飞信,10086热线,功能,使用,摘要,,12345,\n"  # line 8: bad number
        + "T008,2026-10-22 06:50,投诉,飞信\n"  # line 9: too few columns
        + '"T009","2026-10-22 06:50","投诉","飞信","10086热线","功能","使用","摘要,含逗号\n第二行","",13800138000,""\n'  # 10-11 ok
        + "T010,2026-10-22 06:50,吐槽,飞信,10086热线,功能,使用,摘要,,,\n"  # line 12: unknown type
        + "T011,2099-10-22 06:50,投诉,飞信,10086热线,功能,使用,摘要,,13800138000,\n"  # line 13: future
    )
    job = run(analyst, csv_bytes(body))
    assert (job.inserted, job.rejected) == (4, 7)
    rejected = {row.line: row.reason for row in ImportRejectedRow.objects.filter(job=job)}
    assert sorted(rejected) == [5, 6, 7, 8, 9, 12, 13]
    assert "Cannot read the time" in rejected[5]
    assert "Unknown Product “不存在的业务”" in rejected[6]
    assert rejected[7] == "The summary is empty."
    assert rejected[8] == "The customer number is not a valid mobile or landline number."
    assert "Expected 11 columns, found 4" in rejected[9]
    assert "Unknown Source type “吐槽”" in rejected[12]
    assert "future" in rejected[13]
    assert ExperienceReport.objects.get(external_id="T009").summary == "摘要,含逗号\n第二行"
    # the downloadable report never shows a full phone number
    download = "".join(rejected_rows_csv(job))
    assert "13800138000" not in download
    assert "138****8000" in download
    assert download.startswith("\ufeff")
    assert rollups_verify() == []


@pytest.mark.django_db
def test_a_crash_midway_loses_nothing_and_a_re_run_completes_it(refs, analyst, monkeypatch):
    from cxops.services.imports import core
    from cxops.services.imports import reports as report_import

    monkeypatch.setattr(core, "chunk_rows", lambda total_lines=None: 2)
    body = (
        "".join(
            f"C{n:03d},2026-10-22 06:{n % 60:02d},投诉,飞信,10086热线,功能,使用,飞信登录失败{n},,,\n"
            for n in range(9)
        )
        + "C999,bad,投诉,飞信,10086热线,功能,使用,x,,,\n"
    )
    job = import_job_create(
        actor=analyst, kind="reports", source_system="s", original_name="c.csv", data=csv_bytes(body)
    )
    calls = {"n": 0}
    real_insert = report_import.reports_bulk_insert

    def crashing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker lost")
        return real_insert(**kwargs)

    monkeypatch.setattr(report_import, "reports_bulk_insert", crashing)
    # given a run that dies on its third chunk
    with pytest.raises(RuntimeError):
        start(analyst, job)
    job.refresh_from_db()
    # then the two committed chunks are kept, with the checkpoint after them
    assert (job.status, job.inserted, job.processed_lines) == ("failed", 4, 5)
    assert ExperienceReport.objects.count() == 4
    assert rollups_verify() == []
    # when it is re-run
    job = start(analyst, job)
    # then it completes without duplicates
    assert (job.status, job.inserted, job.duplicates, job.rejected) == ("done", 9, 0, 1)
    assert ExperienceReport.objects.count() == 9
    assert rollups_verify() == []
    # and running the finished job again does nothing
    assert import_job_run(job_id=job.pk).inserted == 9
    assert ExperienceReport.objects.count() == 9


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # each chunk its own transaction, as a worker runs it
def test_an_import_chunk_is_written_without_jit_compilation(refs, analyst, monkeypatch):
    from cxops.services.imports import reports as report_import

    def jit() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            return cursor.fetchone()[0]

    before = jit()
    seen = []
    real_insert = report_import.reports_bulk_insert

    def watching(**kwargs):
        seen.append(jit())
        return real_insert(**kwargs)

    monkeypatch.setattr(report_import, "reports_bulk_insert", watching)
    body = "J001,2026-10-22 06:10,投诉,飞信,10086热线,功能,使用,飞信登录失败,,,\n"
    job = import_job_create(
        actor=analyst, kind="reports", source_system="s", original_name="j.csv", data=csv_bytes(body)
    )
    assert start(analyst, job).inserted == 1
    # then the chunk's statement ran with JIT off, and the setting ended with the chunk
    assert seen == ["off"]
    assert jit() == before


@pytest.mark.django_db
def test_saved_column_and_value_mappings_are_previewed_and_reused(refs, analyst):
    header = "流水,时间,业务名称,渠道名称,类别,内容\n"
    body = "A1,2026-10-22 06:50,飞信业务,热线,客户投诉,飞信密码重置收不到短信\nA2,2026-10-22 07:00,彩铃业务,热线,咨询,彩铃怎么取消\n"
    job = import_job_create(
        actor=analyst,
        kind="reports",
        source_system="crm",
        original_name="a.csv",
        data=csv_bytes(body, header),
    )
    preview = import_job_preview(job=job)
    # 业务名称 and 时间 are recognised by name; the rest needs the analyst
    assert job.column_map == {"occurred_at": "时间", "product": "业务名称", "detail": "内容"}
    assert {target.name for target in preview.missing} == {
        "channel",
        "source_type",
        "layer",
        "stage",
        "summary",
    }
    assert preview.unresolved == {"product": ["飞信业务", "彩铃业务"]}
    # when the analyst maps the columns and the values and saves the mapping
    column_map = {
        "external_id": "流水",
        "occurred_at": "时间",
        "product": "业务名称",
        "channel": "渠道名称",
        "source_type": "类别",
        "summary": "内容",
    }
    value_maps = {
        "product": {"飞信业务": "fetion", "彩铃业务": "ringback-tone"},
        "channel": {"热线": "hotline-10086"},
        "source_type": {"客户投诉": "complaint"},
        "layer": {"": "functional"},
        "stage": {"": "use"},
    }
    job = import_job_set_mapping(actor=analyst, job=job, column_map=column_map, value_maps=value_maps)
    preview = import_job_preview(job=job)
    # then the preview shows the rows as they will be imported, before anything is written
    assert [row.rejected for row in preview.rows] == ["", ""]
    assert preview.missing == []
    assert ExperienceReport.objects.count() == 0
    start(analyst, job)
    assert ExperienceReport.objects.get(external_id="A1").product.code == "fetion"
    assert ExperienceReport.objects.get(external_id="A2").source_type == "consultation"
    # and the next file from the same system starts with the saved mapping
    mapping = ImportMapping.objects.get(source_system="crm")
    assert mapping.value_maps["product"]["飞信业务"] == "fetion"
    next_job = import_job_create(
        actor=analyst,
        kind="reports",
        source_system="crm",
        original_name="b.csv",
        data=csv_bytes(body, header),
    )
    assert next_job.column_map == column_map
    assert next_job.value_maps == value_maps


@pytest.mark.django_db
def test_an_import_cannot_start_without_required_fields_or_by_frontline(refs, analyst, frontline):
    job = import_job_create(
        actor=analyst,
        kind="reports",
        source_system="x",
        original_name="a.csv",
        data=csv_bytes("1,2\n", "a,b\n"),
    )
    with pytest.raises(ApplicationError, match="Choose a column"):
        import_job_start(actor=analyst, job=job)
    with pytest.raises(ApplicationError) as refused:
        import_job_create(
            actor=frontline, kind="reports", source_system="x", original_name="a.csv", data=csv_bytes(GOOD)
        )
    assert refused.value.code == "forbidden"
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPING
    assert ImportJob.objects.count() == 1


TRADITIONAL = (
    "T101,2026-10-22 06:50:00,投訴,飛信,10086熱線,功能性體驗,使用,客戶申請飛信一直失敗,提示系統忙請稍後再試,,\n"
    "T102,2026-10-23 09:10:00,諮詢,彩信,網上營業廳,便利性體驗,知識,彩信發送失敗後沒有任何提示,,,\n"
)
TRADITIONAL_HEADER = "工單號,受理時間,工單類型,業務名稱,渠道,體驗層次,體驗生命週期,摘要,詳情,用戶號碼,客群\n"


@pytest.mark.django_db
def test_a_big5_file_is_read_as_big5_not_as_gb18030_mojibake(refs, analyst):
    """Big5 bytes mostly decode as GB18030 without an error — into nonsense.  The file is read as
    Big5, so the mapping pickers show 業務名稱, not 藩叭嘿穡."""
    import io

    data = csv_bytes(TRADITIONAL, header=TRADITIONAL_HEADER, encoding="cp950")
    data.decode("gb18030")  # the trap: GB18030 decodes it without complaint
    assert detect_encoding(io.BytesIO(data)) == "cp950"
    job = import_job_create(
        actor=analyst, kind="reports", source_system="hk", original_name="hk.csv", data=data
    )
    assert job.encoding == "cp950"
    assert job.header[:4] == ["工單號", "受理時間", "工單類型", "業務名稱"]
    # simplified and traditional text saved as GB18030 stays GB18030
    for text in (GOOD, TRADITIONAL):
        assert detect_encoding(io.BytesIO(csv_bytes(text, encoding="gb18030"))) == "gb18030"


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="en")
def test_a_bad_row_reports_every_problem_at_once(refs, analyst):
    body = GOOD + "T020,not a time,吐槽,不存在的业务,10086热线,功能,使用,,,12345,\n"  # line 5: four problems
    job = run(analyst, csv_bytes(body))
    assert (job.inserted, job.rejected) == (3, 1)
    reason = ImportRejectedRow.objects.get(job=job).reason
    problems = reason.split("; ")
    assert len(problems) == 5, reason
    assert problems[0] == "The summary is empty."
    assert "Cannot read the time" in problems[1]
    assert problems[2] == "The customer number is not a valid mobile or landline number."
    assert "Unknown Source type “吐槽”" in problems[3]
    assert "Unknown Product “不存在的业务”" in problems[4]
