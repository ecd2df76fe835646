"""The CSV import pages, the management command, and a 100k-row file through a real Celery worker."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from cxops.models import ExperienceReport
from cxops.models import ImportJob
from cxops.models import ImportMapping
from cxops.services.rollups import rollups_verify
from tests.conftest import wait_for

HEADER = "工单编号,受理时间,业务,渠道名称,工单类型,问题描述,联系电话\n"
BODY = (
    "W1,2026/9/9 21:36,飞信业务,热线,投诉,飞信申请失败提示系统忙,13800138000\n"
    "W2,2026年10月22日 06:50,彩铃业务,热线,咨询,彩铃怎么取消,+86 139-0013-9000\n"
    "W3,明天,飞信业务,热线,投诉,飞信登录不上,\n"
)
FULL_NUMBER = re.compile(r"1[3-9]\d{9}")


@pytest.mark.django_db
def test_upload_map_preview_run_and_download_rejects(client_for, analyst, reference_data):
    client = client_for(analyst)
    data = (HEADER + BODY).encode("gbk")
    # given an upload from a system that names things its own way (GBK, as Excel writes it)
    response = client.post(
        reverse("reports:imports"),
        {
            "source_system": "客服系统",
            "file": SimpleUploadedFile("w.csv", data, "text/csv"),
            "kind": "reports",
        },
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:import", args=[job.pk])
    page = client.get(reverse("reports:import", args=[job.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "飞信业务" in body  # a value that needs a mapping is offered
    assert FULL_NUMBER.findall(body) == []  # the preview masks numbers too
    # when the analyst maps columns and values and previews again
    client.post(
        reverse("reports:import-mapping", args=[job.pk]),
        {
            "column__external_id": "工单编号",
            "column__occurred_at": "受理时间",
            "column__product": "业务",
            "column__channel": "渠道名称",
            "column__source_type": "工单类型",
            "column__summary": "问题描述",
            "column__customer": "联系电话",
            "source__product": ["飞信业务", "彩铃业务"],
            "target__product": ["fetion", "ringback-tone"],
            "source__channel": ["热线"],
            "target__channel": ["hotline-10086"],
            "default__layer": "functional",
            "default__stage": "use",
        },
    )
    preview = client.get(reverse("reports:import", args=[job.pk])).context["preview"]
    assert [row.rejected == "" for row in preview.rows] == [True, True, False]
    assert ExperienceReport.objects.count() == 0  # nothing written by previewing
    # and starts it
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("reports:import-start", args=[job.pk]))
    progress = client.get(reverse("reports:import-progress", args=[job.pk])).json()
    assert (progress["status"], progress["inserted"], progress["rejected"], progress["percent"]) == (
        "done",
        2,
        1,
        100,
    )
    rejected = client.get(reverse("reports:import-rejected", args=[job.pk]))
    text = b"".join(rejected.streaming_content).decode("utf-8")
    assert text.splitlines()[1].startswith("4,")
    assert FULL_NUMBER.findall(text) == []
    assert ImportMapping.objects.get(source_system="客服系统").value_maps["channel"] == {
        "热线": "hotline-10086"
    }
    assert rollups_verify() == []
    # the finished job page shows the figures and the rejected row
    done = client.get(reverse("reports:import", args=[job.pk])).content.decode()
    assert "明天" in done


@pytest.mark.django_db
def test_an_unreadable_upload_is_refused_on_the_form(client_for, analyst, reference_data):
    response = client_for(analyst).post(
        reverse("reports:imports"),
        {"source_system": "x", "file": SimpleUploadedFile("w.xlsx", b"PK\x03\x04xxxx", "application/zip")},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_frontline_cannot_import(client_for, frontline, analyst, reference_data):
    client = client_for(frontline)
    assert client.get(reverse("reports:imports")).status_code == 403
    response = client.post(
        reverse("reports:imports"),
        {"source_system": "x", "file": SimpleUploadedFile("w.csv", (HEADER + BODY).encode())},
    )
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_the_template_download_lists_the_recognised_headers(client_for, analyst, reference_data):
    response = client_for(analyst).get(reverse("reports:import-template"))
    first_line = response.content.decode("utf-8-sig").splitlines()[0]
    assert first_line.startswith("工单号,受理时间,工单类型,业务名称,渠道")


@pytest.mark.django_db
def test_the_command_imports_a_file_with_mappings_and_a_rerun_adds_nothing(tmp_path, reference_data):
    path = tmp_path / "w.csv"
    path.write_bytes(("\ufeff" + HEADER + BODY).encode("utf-8"))
    args = [
        str(path),
        "--source-system=客服系统",
        "--map=external_id=工单编号",
        "--map=product=业务",
        "--map=channel=渠道名称",
        "--map=summary=问题描述",
        "--map=customer=联系电话",
        "--value=product:飞信业务=fetion",
        "--value=product:彩铃业务=ringback-tone",
        "--value=channel:热线=hotline-10086",
        "--value=layer:=functional",
        "--value=stage:=use",
        "--save-mapping",
    ]
    out = io.StringIO()
    call_command("import_reports", *args, stdout=out)
    assert "2 added, 0 already present, 1 rejected of 3 rows" in out.getvalue()
    again = io.StringIO()
    call_command("import_reports", str(path), "--source-system=客服系统", stdout=again)
    assert "0 added, 2 already present, 1 rejected of 3 rows" in again.getvalue()
    assert ExperienceReport.objects.count() == 2
    assert rollups_verify() == []
    with pytest.raises(CommandError, match="No column for"):
        call_command("import_reports", str(path), "--source-system=另一个系统", stdout=io.StringIO())


def _big_file(rows: int) -> bytes:
    lines = ["工单号,受理时间,工单类型,业务名称,渠道,体验层次,体验生命周期,摘要,用户号码\n"]
    products = ["飞信", "彩铃", "网上营业厅", "139邮箱"]
    for n in range(rows):
        when = (
            "坏时间"
            if n % 1000 == 999
            else f"2026-{1 + n % 9:02d}-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}:00"
        )
        lines.append(
            f"P{n:07d},{when},投诉,{products[n % 4]},10086热线,功能,使用,客户反映{products[n % 4]}问题{n % 97},1380013{n % 10000:04d}\n"
        )
    return "".join(lines).encode("gb18030")


@pytest.mark.celery_worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_100k_row_file_runs_as_a_celery_job_with_progress(celery_worker_process, analyst, reference_data):
    from cxops.services.imports.core import import_job_create
    from cxops.services.imports.core import import_job_start

    # given a 100,000-row GB18030 file (100 bad rows)
    job = import_job_create(
        actor=analyst,
        kind="reports",
        source_system="大文件",
        original_name="big.csv",
        data=_big_file(100_000),
    )
    # when it is started, a worker takes it
    import_job_start(actor=analyst, job=job)
    # then progress is visible while it runs, and it finishes with every row accounted for
    seen_progress = set()

    def finished():
        current = ImportJob.objects.defer("data").get(pk=job.pk)
        seen_progress.add(current.processed_lines)
        return current if current.status in ("done", "failed") else None

    done = wait_for(finished, timeout=600, interval=0.5)
    assert (done.status, done.inserted, done.rejected, done.duplicates) == ("done", 99_900, 100, 0)
    assert len(seen_progress) > 2  # intermediate checkpoints were visible
    assert ExperienceReport.objects.filter(source_system="大文件").count() == 99_900
    assert rollups_verify() == []


@pytest.mark.django_db
def test_the_imports_list_pages_keep_the_chosen_kind(client_for, analyst):
    """'Older' on the imports page was `?before=N` alone, so page 2 switched the upload form back to
    report imports after the user had picked metrics."""
    for n in range(21):  # one more than a page
        ImportJob.objects.create(
            kind="reports", source_system="hotline", original_name=f"{n}.csv", data=b"a\n", created_by=analyst
        )
    first = client_for(analyst).get(reverse("reports:imports"), {"kind": "metrics"})
    older = first.context["page"].next_before
    assert older is not None
    assert f'href="?kind=metrics&amp;before={older}"' in first.content.decode()
    second = client_for(analyst).get(reverse("reports:imports"), {"kind": "metrics", "before": older})
    assert second.context["kind"] == "metrics"
    assert 'href="?kind=metrics"' in second.content.decode()  # "Newest" keeps the kind
