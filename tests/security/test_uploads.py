"""Uploads: oversized and malformed CSV files are refused with a clear message and bounded memory;
DRF throttling keeps one client from starving the others."""

from __future__ import annotations

import csv
import io
import tracemalloc

import pytest
from django.core.cache import cache
from django.test.client import BOUNDARY
from django.test.client import MULTIPART_CONTENT
from django.test.client import encode_multipart

from cxops.models import ImportJob
from cxops.models import ImportRejectedRow
from cxops.roles import Role

pytestmark = pytest.mark.django_db

HEADER = "工单号,受理时间,工单类型,业务名称,渠道,体验层次,体验生命周期,摘要\n"
ROW = "T1,2026-11-20 09:00:00,投诉,飞信,10086热线,功能性,使用,客户反映飞信无法登录\n"


def _csv_of(size: int) -> bytes:
    data = HEADER.encode()
    row = ROW.encode()
    return data + row * (size // len(row) + 1)


def _multipart(content: bytes, name: str = "reports.csv", **fields) -> bytes:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return encode_multipart(BOUNDARY, {"file": SimpleUploadedFile(name, content), **fields})


@pytest.fixture
def analyst_client(analyst, client_for, reference_data):
    return client_for(analyst)


def test_an_oversized_file_is_refused_on_the_page_with_the_limit_named(analyst_client, settings):
    # given a 64 KB limit
    settings.CXOPS_MAX_UPLOAD_BYTES = 64 * 1024
    body = _multipart(_csv_of(100 * 1024), source_system="10086客服系统")
    # when an analyst uploads a 100 KB file
    response = analyst_client.generic("POST", "/sense/imports/", body, content_type=MULTIPART_CONTENT)
    # then the form says so, naming the limit, and nothing was recorded
    assert response.status_code == 200
    page = response.content.decode()
    assert "64.0" in page and ("KB" in page or "KB" in page)
    assert ImportJob.objects.count() == 0


def test_an_oversized_file_is_refused_by_the_api(analyst, api_client_for, reference_data, settings):
    settings.CXOPS_MAX_UPLOAD_BYTES = 64 * 1024
    body = _multipart(_csv_of(100 * 1024), source_system="10086客服系统")
    response = api_client_for(analyst).generic(
        "POST", "/api/import-jobs/", body, content_type=MULTIPART_CONTENT
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("invalid", "validation_error", "too_large")
    assert "file" in str(response.json())
    assert ImportJob.objects.count() == 0


def test_refusing_an_oversized_file_does_not_read_it_into_memory(analyst_client, settings):
    # given a 1 MB limit and a 16 MB upload, encoded before measuring
    settings.CXOPS_MAX_UPLOAD_BYTES = 1024 * 1024
    body = _multipart(_csv_of(16 * 1024 * 1024), source_system="10086客服系统")
    # when it is posted, with allocations traced
    tracemalloc.start()
    try:
        response = analyst_client.generic("POST", "/sense/imports/", body, content_type=MULTIPART_CONTENT)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # then it was refused without holding the file: Django spooled it to disk in chunks
    assert response.status_code == 200
    assert ImportJob.objects.count() == 0
    # (the test client's own copy of the request body is the one unavoidable allocation; reading
    # the file, as before the limit was enforced, doubled the peak)
    assert peak < len(body) + 4 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB while refusing a 16 MB upload"


MALFORMED = {
    "empty": b"",
    "a PNG picture": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    "an Excel workbook": b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 1024 + b"xl/workbook.xml",
    "NUL bytes": b"a\x00b\x00c\n\x00\x00\x00\n",
}


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_a_malformed_file_is_refused_with_a_message(analyst_client, kind):
    body = _multipart(MALFORMED[kind], source_system="10086客服系统")
    response = analyst_client.generic("POST", "/sense/imports/", body, content_type=MULTIPART_CONTENT)
    # refused on the form (200 with an error), never a server error, nothing recorded
    assert response.status_code == 200, response.status_code
    assert 'class="errorlist' in response.content.decode() or "errorlist" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_malformed_rows_are_rejected_line_by_line(analyst_client, analyst):
    from cxops.services.imports.core import import_job_create
    from cxops.services.imports.core import import_job_run
    from cxops.services.imports.core import import_job_start

    # given a file whose rows are broken in different ways, and one good row
    rows = [
        HEADER.strip(),
        ROW.strip(),
        "T2,2026-11-20 09:00:00",  # too few cells
        "T3,不是时间,投诉,飞信,10086热线,功能性,使用,摘要",  # not a time
        "=cmd|' /C calc'!A0,2026-11-20 09:00:00,投诉,飞信,10086热线,功能性,使用,摘要,多,出",  # too many
    ]
    job = import_job_create(
        actor=analyst,
        kind="reports",
        source_system="10086客服系统",
        original_name="r.csv",
        data="\n".join(rows).encode(),
    )
    # when it runs
    import_job_start(actor=analyst, job=job)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    # then the good row is in, each bad one is rejected with its line number, and the
    # downloadable rejections cannot carry a formula
    rejected = dict(ImportRejectedRow.objects.filter(job=job).values_list("line", "reason"))
    assert set(rejected) == {3, 4, 5}
    response = analyst_client.get(f"/sense/imports/{job.pk}/rejected.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert any(cell.startswith("'=cmd") for cell in cells)
    assert [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))] == []


# --- throttling ------------------------------------------------------------------------------


def test_a_client_over_its_rate_gets_429_while_another_still_gets_200(make_user, api_client_for, monkeypatch):
    from cxops.api.throttling import FixedWindowUserRateThrottle

    # given a rate of 5 requests a minute per user, and a window that has just begun
    cache.clear()
    monkeypatch.setattr(FixedWindowUserRateThrottle, "THROTTLE_RATES", {"user": "5/min"})
    monkeypatch.setattr(FixedWindowUserRateThrottle, "timer", staticmethod(lambda: 60 * 29_000_000 + 1.0))
    greedy, patient = make_user(Role.ANALYST), make_user(Role.ANALYST)
    greedy_client, patient_client = api_client_for(greedy), api_client_for(patient)
    # when one client sends 8 requests
    statuses = [greedy_client.get("/api/products/").status_code for _ in range(8)]
    # then it is throttled after 5, with Retry-After; the other client is still served
    assert statuses == [200] * 5 + [429] * 3
    refused = greedy_client.get("/api/products/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "throttled"
    assert patient_client.get("/api/products/").status_code == 200
    # and in the next minute the greedy client is served again
    monkeypatch.setattr(FixedWindowUserRateThrottle, "timer", staticmethod(lambda: 60 * 29_000_001 + 1.0))
    assert greedy_client.get("/api/products/").status_code == 200
    cache.clear()
