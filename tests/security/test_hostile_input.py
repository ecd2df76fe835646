"""Hostile input answers a clear 400/404 or a form error, never a 500, and writes nothing.

One test (or table) per class of issue 16: dates out of range (entered, and stored by older code),
non-ASCII digits in ids and cursors, NUL in text, deeply nested JSON, oversized CSV cells, and the
API's error shape and limits.  The property-based sweep over every input is
`tests/security/test_input_fuzz.py`.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY
from django.test.client import MULTIPART_CONTENT
from django.test.client import encode_multipart
from django.utils import translation
from rest_framework.test import APIClient

from cxops.models import ExperienceReport
from cxops.models import ImportJob
from cxops.models import ImportRejectedRow
from cxops.models import MetricDaily
from cxops.roles import Role
from tests.security.matrix import walk_urlconf

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Pass str.isdigit() but not int(): superscripts; and digits int() reads but are not ASCII.
NON_ASCII_DIGITS = ["²", "¹²", "１２", "٣", "৩", "1²"]


def _page(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    client.cookies["django_language"] = "en"  # messages compared in English
    return client


def _api(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    client.cookies["django_language"] = "en"
    return client


def _report_form(world, **changes):
    from cxops.models import Channel
    from cxops.models import Product
    from cxops.models import Region

    return {
        "summary": "客户反映飞信无法登录",
        "product": Product.objects.order_by("pk").first().pk,
        "channel": Channel.objects.order_by("pk").first().pk,
        "source_type": "complaint",
        "layer": "functional",
        "stage": "use",
        "occurred_at": "2026-11-20T09:00",
        "severity": "2",
        "region": Region.objects.get(code="guangzhou").pk,
        **changes,
    }


def _report_api(world, **changes):
    from cxops.models import Channel
    from cxops.models import Product

    return {
        "source_type": "complaint",
        "product": Product.objects.order_by("pk").first().code,
        "channel": Channel.objects.order_by("pk").first().code,
        "layer": "functional",
        "stage": "use",
        "summary": "客户反映飞信无法登录",
        "occurred_at": "2026-11-20T09:00:00+08:00",
        **changes,
    }


# --- 1. dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [("0001-01-01T00:00", "before 2000-01-01"), ("1999-12-31T23:59", "before 2000-01-01")],
)
def test_the_filing_form_refuses_a_time_before_2000(world, value, message):
    # given a frontline agent on the filing page
    before = ExperienceReport.objects.count()
    client = _page(world.users[Role.FRONTLINE])
    # when they file a report that happened in year 1 (or the day before 2000)
    response = client.post("/sense/", _report_form(world, occurred_at=value))
    # then the form says why, and nothing is filed
    assert response.status_code == 200
    assert response.context["form"].errors["occurred_at"] == [f"The time is {message}."]
    assert ExperienceReport.objects.count() == before


def test_the_api_refuses_a_time_before_2000_alone_and_in_a_batch(world):
    before = ExperienceReport.objects.count()
    client = _api(world.users[Role.FRONTLINE])
    # when one report and a batch carry year 1 (with and without an offset)
    single = client.post(
        "/api/reports/", _report_api(world, occurred_at="0001-01-01T00:00:00"), format="json"
    )
    batch = client.post(
        "/api/reports/batch/",
        {"reports": [_report_api(world, occurred_at="0001-01-01T00:00:00+08:00")]},
        format="json",
    )
    # then each is a 400 in the documented shape naming the field, and nothing is filed
    assert single.status_code == 400
    assert single.json()["error"]["fields"] == {"occurred_at": ["The time is before 2000-01-01."]}
    assert batch.status_code in (200, 207, 400)
    assert "occurred_at" in json.dumps(batch.json())
    assert ExperienceReport.objects.count() == before


def test_the_service_refuses_a_time_before_2000(world):
    from django.core.exceptions import ValidationError

    from cxops.models import Channel
    from cxops.models import Product
    from cxops.services.reports import report_create

    before = ExperienceReport.objects.count()
    # when a caller of the service (a command, a task) passes year 1
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        report_create(
            actor=world.users[Role.FRONTLINE],
            product=Product.objects.order_by("pk").first(),
            channel=Channel.objects.order_by("pk").first(),
            source_type="complaint",
            layer="functional",
            stage="use",
            summary="一年",
            occurred_at=dt.datetime(1, 1, 1, 8, 0, tzinfo=SHANGHAI),
        )
    # then it is refused by name, and nothing is filed
    assert refused.value.message_dict == {"occurred_at": ["The time is before 2000-01-01."]}
    assert ExperienceReport.objects.count() == before


@pytest.mark.parametrize(
    ("url", "role"),
    [
        ("/dashboard/?end=0001-01-05", Role.ANALYST),
        ("/dashboard/?start=0001-01-01&end=0001-01-02", Role.ANALYST),
        ("/dashboard/?end=9999-12-31", Role.ANALYST),
        ("/dashboard/products/fetion/?event=0001-01-01", Role.ANALYST),
        ("/sense/triage/?date_from=0001-01-01&date_to=9999-12-31", Role.ANALYST),
        ("/api/dashboard/overview/?end=0001-01-05", Role.ANALYST),
        ("/api/dashboard/overview/?end=9999-12-31", Role.ANALYST),
        ("/api/reports/?date_to=9999-12-31", Role.ANALYST),
        ("/api/reports/?date_from=0001-01-01", Role.ANALYST),
        ("/api/metrics/series/?product=fetion&start=0001-01-01&end=0001-01-05", Role.ANALYST),
    ],
)
def test_a_date_filter_out_of_range_is_a_clear_refusal(world, url, role):
    # when a page or the API is asked for a period around year 1 or 9999
    client = _api(world.users[role]) if url.startswith("/api/") else _page(world.users[role])
    response = client.get(url)
    # then the page shows its default period (the form's error) and the API answers a 400
    if url.startswith("/api/"):
        assert response.status_code == 400, response.content[:300]
        assert response.json()["error"]["code"] == "invalid"
    else:
        assert response.status_code == 200


def test_a_metric_day_before_2000_is_a_rejected_record(world):
    from cxops.models import Product

    client = _api(world.users[Role.ANALYST])
    before = MetricDaily.objects.count()
    code = Product.objects.order_by("pk").first().code
    # when a batch has a record of 1999-12-31
    response = client.post(
        "/api/metrics/batch/",
        {"records": [{"date": "1999-12-31", "product": code, "users": 5}]},
        format="json",
    )
    # then that record is refused with its reason and nothing is stored
    assert response.status_code in (200, 400)
    assert "1999-12-31 is before 2000-01-01" in json.dumps(response.json(), ensure_ascii=False)
    assert MetricDaily.objects.count() == before


def test_the_admin_refuses_a_launch_date_in_year_1(world):
    from cxops.models import Product

    # given an admin on a product's change form
    admin = world.users[Role.ADMIN]
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    product = Product.objects.order_by("pk").first()
    client = _page(admin)
    form = client.get(f"/admin/cxops/product/{product.pk}/change/").context["adminform"].form
    data = {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}
    # when the launch date is set to year 1
    response = client.post(
        f"/admin/cxops/product/{product.pk}/change/", {**data, "launched_on": "0001-01-01"}
    )
    # then the form refuses it, and the product keeps its date
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["launched_on"] == ["The date is before 2000-01-01."]
    product.refresh_from_db()
    assert product.launched_on is None


LEGACY_MOMENTS = {
    # As PostgreSQL stored the filing form's year 1 (local midnight is 1 BC in UTC) and a far future.
    "year 1": dt.datetime(1, 1, 1, 0, 0, tzinfo=SHANGHAI),
    "year 9999": dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC),
}


@pytest.mark.parametrize("moment", list(LEGACY_MOMENTS))
def test_a_stored_date_out_of_range_never_takes_a_list_down(world, moment):
    from django.db import connection

    # given a report whose time was written out of range by older code (straight to the table)
    report = world.objects["report_own"]
    if moment == "year 1":
        # PostgreSQL: local midnight of year 1 is 1 BC in UTC; SQLite holds UTC text.
        stored = "0001-12-31 16:00:00+00 BC" if connection.vendor == "postgresql" else "0001-01-01 00:00:00"
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cxops_experiencereport SET occurred_at = %s WHERE id = %s", [stored, report.pk]
            )
    else:
        ExperienceReport.objects.filter(pk=report.pk).update(occurred_at=LEGACY_MOMENTS[moment])
    frontline, analyst = world.users[Role.FRONTLINE], world.users[Role.ANALYST]
    superuser = world.others[Role.ADMIN]
    superuser.is_superuser = True
    superuser.save(update_fields=["is_superuser"])
    # when every list and page that shows it is read
    answers = {
        url: _page(user).get(url).status_code
        for url, user in [
            ("/sense/mine/", frontline),
            (f"/sense/reports/{report.pk}/", frontline),
            ("/sense/triage/", analyst),
            (f"/sense/reports/{report.pk}/", analyst),
            (f"/sense/issues/{world.objects['issue'].pk}/", analyst),
            ("/admin/cxops/experiencereport/", superuser),
            (f"/admin/cxops/experiencereport/{report.pk}/change/", superuser),
        ]
    }
    for url in ("/api/reports/", f"/api/reports/{report.pk}/"):
        answers[url] = _api(frontline).get(url).status_code
    # then each answers, the report still listed
    assert answers == dict.fromkeys(answers, 200)
    listed = _api(frontline).get("/api/reports/").json()["results"]
    assert report.pk in [row["id"] for row in listed]


@pytest.mark.postgres
def test_a_bc_date_reads_as_the_earliest_python_date_on_postgresql(world):
    from django.db import connection

    report = world.objects["report_own"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cxops_experiencereport SET occurred_at = '0100-06-01 00:00:00+00 BC' WHERE id = %s",
            [report.pk],
        )
    # when the row is read back
    occurred = ExperienceReport.objects.values_list("occurred_at", flat=True).get(pk=report.pk)
    # then it is the earliest moment Python holds (a day in, so local time cannot overflow)
    assert occurred == dt.datetime(1, 1, 2, tzinfo=dt.UTC)


# --- 2. non-ASCII digits -----------------------------------------------------------------------


def _digit_urls(world) -> list[tuple[str, str]]:
    issue, strategy = world.objects["issue"].pk, world.objects["strategy"].pk
    return [
        (Role.FRONTLINE, "/sense/mine/?before={}"),
        (Role.ANALYST, "/sense/triage/?before={}"),
        (Role.ANALYST, "/sense/issues/?before={}&product={}"),
        (Role.ANALYST, f"/sense/issues/{issue}/?before={{}}"),
        (Role.ANALYST, "/sense/issues/search/?q={}"),
        (Role.ANALYST, "/sense/issues/search/?q=%23{}"),
        (Role.ANALYST, "/sense/imports/?before={}"),
        (Role.ANALYST, "/pool/?issue={}"),
        (Role.ANALYST, f"/pool/{strategy}/diff/?from={{}}&to={{}}"),
        (Role.ANALYST, "/api/reports/{}/"),
        (Role.ANALYST, "/api/reports/?issue={}"),
        (Role.ANALYST, "/api/strategies/?issue={}"),
        (Role.ANALYST, f"/api/strategies/{strategy}/diff/?from={{}}&to=1"),
        (Role.ANALYST, "/api/rule-evaluations/?rule={}"),
        (Role.ANALYST, "/api/rule-evaluations/?run={}"),
        (Role.ANALYST, "/api/issues/{}/"),
        (Role.ANALYST, "/api/strategies/{}/"),
        (Role.ANALYST, "/api/notifications/?kind={}"),
    ]


@pytest.mark.parametrize("digits", NON_ASCII_DIGITS)
def test_non_ascii_digits_in_ids_and_cursors_are_never_a_server_error(world, digits):
    # when every id, filter and cursor that reads a number gets digits int() may not read
    answers = {}
    for role, template in _digit_urls(world):
        url = template.replace("{}", digits)
        client = _api(world.users[role]) if url.startswith("/api/") else _page(world.users[role])
        answers[url] = client.get(url).status_code
    # then each answers as for a number that names nothing: the list, a 404 or a 400
    assert {url: status for url, status in answers.items() if status >= 500} == {}
    assert answers["/api/reports/" + digits + "/"] == 404
    assert answers[f"/api/rule-evaluations/?rule={digits}"] == 400


def test_an_id_beyond_the_integer_range_is_no_such_row(world):
    huge = str(2**70)
    client = _page(world.users[Role.ANALYST])
    api = _api(world.users[Role.ANALYST])
    assert client.get(f"/sense/triage/?before={huge}").status_code == 200
    assert client.get(f"/sense/issues/search/?q={huge}").json() == {"results": []}
    assert api.get(f"/api/reports/{huge}/").status_code == 404
    assert api.get(f"/api/rule-evaluations/?rule={huge}").status_code == 400


def test_a_superscript_count_in_a_metric_record_is_a_rejected_record(world):
    from cxops.models import Product

    code = Product.objects.order_by("pk").first().code
    before = MetricDaily.objects.count()
    response = _api(world.users[Role.ANALYST]).post(
        "/api/metrics/batch/",
        {"records": [{"date": "2026-11-20", "product": code, "users": "1²"}, {"users": "9" * 5000}]},
        format="json",
    )
    assert response.status_code in (200, 400)
    assert "must be a whole number" in json.dumps(response.json(), ensure_ascii=False)
    assert MetricDaily.objects.count() == before


def test_the_shared_id_reader():
    from cxops.inputs import MAX_ID
    from cxops.inputs import parse_id
    from cxops.inputs import parse_ids

    assert [parse_id(v) for v in ["12", " 7 ", "0", str(MAX_ID)]] == [12, 7, 0, MAX_ID]
    assert [parse_id(v) for v in ["²", "１２", "٣", "-1", "1.0", "", None, str(MAX_ID + 1), "9" * 5000]] == [
        None
    ] * 9
    assert parse_ids(["3", "²", "x", "4"]) == [3, 4]


# --- 3. NUL ------------------------------------------------------------------------------------


def test_nul_in_search_queries_is_dropped_before_the_database(world):
    # given an issue and a strategy whose titles hold a word
    issue = world.objects["issue"]
    word = issue.title[:2]
    analyst = world.users[Role.ANALYST]
    client, api = _page(analyst), _api(analyst)
    nul = word[0] + "%00" + word[1:]
    # when every search is sent the word with a NUL inside
    issue_search = client.get(f"/sense/issues/search/?q={nul}")
    issues = client.get(f"/sense/issues/?q={nul}")
    pool = client.get(f"/pool/search/?q={nul}")
    api_pool = api.get(f"/api/pool-search/?q={nul}")
    api_reports = api.get(f"/api/reports/?text={nul}")
    api_strategies = api.get(f"/api/strategies/?q={nul}&tag={nul}&product={nul}")
    similar = _page(world.users[Role.FRONTLINE]).get(f"/sense/similar/?q={nul}")
    # then each answers as for the word itself (the NUL is dropped), never a server error
    assert issue_search.status_code == 200
    assert [row["id"] for row in issue_search.json()["results"]] == [issue.pk]
    assert issues.status_code == 200 and issue.title in issues.content.decode()
    assert pool.status_code == 200
    assert api_pool.status_code == 200
    assert api_reports.status_code == 200
    assert api_strategies.status_code == 200
    assert similar.status_code == 200


def test_nul_in_form_and_api_text_is_refused_and_nothing_is_written(world):
    before = ExperienceReport.objects.count()
    page = _page(world.users[Role.FRONTLINE]).post(
        "/sense/", _report_form(world, summary="无法\x00登录", detail="a\x00b")
    )
    api = _api(world.users[Role.FRONTLINE]).post(
        "/api/reports/", _report_api(world, summary="无法\x00登录"), format="json"
    )
    assert page.status_code == 200
    assert page.context["form"].errors["summary"] == ["Null characters are not allowed."]
    assert api.status_code == 400
    assert list(api.json()["error"]["fields"]) == ["summary"]
    assert ExperienceReport.objects.count() == before


# A NUL inside a code or id a relation looks up: PostgreSQL answers it with an error, not a miss
# (a strategy's `regions` answered 500 there).  Every writable relation field of every body.
NUL_RELATION_BODIES = [
    ("/api/reports/", Role.FRONTLINE, "product", "fetion\x00"),
    ("/api/reports/", Role.FRONTLINE, "channel", "\x00"),
    ("/api/reports/", Role.FRONTLINE, "region", "guangzhou\x00"),
    ("/api/reports/", Role.FRONTLINE, "segments", ["a\x00b"]),
    ("/api/issues/", Role.ANALYST, "product", "a\x00b"),
    ("/api/strategies/", Role.ANALYST, "product", "a\x00b"),
    ("/api/strategies/", Role.ANALYST, "regions", ["foshan", "gz\x00"]),
    ("/api/rules/", Role.PRODUCT_OWNER, "regions", ["\x00"]),
    ("/api/rules/", Role.PRODUCT_OWNER, "channels", ["a\x00b"]),
    ("/api/rules/", Role.PRODUCT_OWNER, "control_regions", ["zhuhai\x00"]),
]


@pytest.mark.parametrize(("url", "role", "field", "value"), NUL_RELATION_BODIES)
def test_nul_in_a_code_a_relation_looks_up_is_a_400_naming_the_field(world, url, role, field, value):
    from proposals.models import Strategy
    from rules_lifecycle.models import ExperienceRule

    counts = (ExperienceReport.objects.count(), Strategy.objects.count(), ExperienceRule.objects.count())
    response = _api(world.users[role]).post(url, {field: value}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["fields"][field] == ["Null characters are not allowed."]
    assert (
        ExperienceReport.objects.count(),
        Strategy.objects.count(),
        ExperienceRule.objects.count(),
    ) == counts


# --- 4. nesting ----------------------------------------------------------------------------------

NESTED_ROUTES = [
    "/api/reports/",
    "/api/reports/batch/",
    "/api/metrics/batch/",
    "/api/notifications/mark-read/",
    "/api/strategies/",
    "/api/rules/",
    "/api/import-jobs/",
]


@pytest.mark.parametrize("route", NESTED_ROUTES)
@pytest.mark.parametrize("depth", [100_000, 40])
def test_a_deeply_nested_json_body_is_a_400_in_the_error_shape(world, route, depth):
    before = ExperienceReport.objects.count()
    body = "[" * depth + "]" * depth
    nested = '{"reports": ' + body + "}"
    response = _api(world.users[Role.MANAGER]).generic(
        "POST", route, nested.encode(), content_type="application/json"
    )
    assert response.status_code == 400, response.content[:200]
    assert response.json()["error"]["code"] == "parse_error"
    assert "nested more than 32 levels" in response.json()["error"]["message"]
    assert ExperienceReport.objects.count() == before


def test_a_body_nested_as_deep_as_the_api_uses_still_parses(world):
    from cxops.api.parsers import body_problem

    assert body_problem({"reports": [{"segments": ["a"]}]}, 32) is None
    assert "nested more than 32" in str(body_problem(json.loads("[" * 33 + "]" * 33), 32))
    assert body_problem(json.loads("[" * 32 + "]" * 32), 32) is None


SURROGATE_BODIES = [
    ("/api/reports/", '{"source_type": "\\ud800", "summary": "x"}'),
    ("/api/issues/", '{"product": "\\udfff", "title": "x"}'),
    ("/api/notifications/preferences/", '{"language": "\\ud800"}'),
    ("/api/reports/batch/", '{"reports": [{"channel": "a\\ud800b"}]}'),
    ("/api/strategies/", '{"\\ud800": 1}'),
]


@pytest.mark.parametrize(("route", "body"), SURROGATE_BODIES)
def test_a_lone_surrogate_in_a_json_body_is_a_400_in_the_error_shape(world, route, body):
    """JSON's escapes decode to a lone surrogate, which is no text: quoted back in a "not a valid
    choice" message it could not be encoded, and the answer was a 500."""
    before = ExperienceReport.objects.count()
    method = "PUT" if route.endswith("preferences/") else "POST"
    response = _api(world.users[Role.MANAGER]).generic(
        method, route, body.encode(), content_type="application/json"
    )
    assert response.status_code == 400, response.content[:200]
    assert response.json()["error"]["code"] == "parse_error"
    assert "surrogate" in response.json()["error"]["message"]
    assert ExperienceReport.objects.count() == before


# --- 5. CSV cells beyond the csv module's limit ------------------------------------------------

HEADER = "工单号,受理时间,工单类型,业务名称,渠道,体验层次,体验生命周期,摘要,详情"


def _row(number: int, detail: str = "") -> str:
    return f"T{number},2026-11-20 09:00:00,投诉,飞信,10086热线,功能性,使用,客户反映飞信无法登录 {number},{detail}"


def test_a_header_beyond_the_field_limit_is_refused_on_the_page_and_by_the_api(world):
    analyst = world.users[Role.ANALYST]
    content = ("a" * 200_000 + ",b\n1,2\n").encode()
    body = encode_multipart(
        BOUNDARY, {"file": SimpleUploadedFile("r.csv", content), "source_system": "外部系统"}
    )
    page = _page(analyst).generic("POST", "/sense/imports/", body, content_type=MULTIPART_CONTENT)
    api = _api(analyst).generic("POST", "/api/import-jobs/", body, content_type=MULTIPART_CONTENT)
    assert page.status_code == 200
    assert "The first line (the column headers) cannot be read" in page.content.decode()
    assert api.status_code == 400
    assert "column headers" in json.dumps(api.json())
    assert ImportJob.objects.filter(source_system="外部系统").count() == 0


def test_one_oversized_cell_deep_in_a_file_is_one_rejected_line(world):
    from cxops.services.imports.core import import_job_create
    from cxops.services.imports.core import import_job_run
    from cxops.services.imports.core import import_job_start

    analyst = world.users[Role.ANALYST]
    before = ExperienceReport.objects.count()
    # given a file whose fourth line holds a cell beyond the csv module's limit
    lines = [HEADER, _row(1), _row(2), _row(3, "长" * 200_000), _row(4), _row(5)]
    job = import_job_create(
        actor=analyst,
        kind="reports",
        source_system="外部系统",
        original_name="r.csv",
        data="\n".join(lines).encode(),
    )
    # when it is imported
    import_job_start(actor=analyst, job=job)
    job = import_job_run(job_id=job.pk)
    # then the other four rows are in, and line 4 is rejected with its reason
    assert job.status == "done"
    assert ExperienceReport.objects.count() == before + 4
    rejected = list(ImportRejectedRow.objects.filter(job=job).values_list("line", "reason"))
    # (reasons are stored in the site's language)
    assert rejected == [(4, "有一个单元格超过 131,072 个字符，该行未读取。")]


def test_a_detail_beyond_the_limit_is_a_rejected_line(world):
    from cxops.services.imports.core import import_job_create
    from cxops.services.imports.core import import_job_run
    from cxops.services.imports.core import import_job_start

    analyst = world.users[Role.ANALYST]
    lines = [HEADER, _row(1), _row(2, "长" * 5001)]
    job = import_job_create(
        actor=analyst,
        kind="reports",
        source_system="外部系统",
        original_name="r.csv",
        data="\n".join(lines).encode(),
    )
    import_job_start(actor=analyst, job=job)
    job = import_job_run(job_id=job.pk)
    rejected = list(ImportRejectedRow.objects.filter(job=job).values_list("line", "reason"))
    assert rejected == [(3, "详情超过 5000 个字符（共 5001 个）。")]


# --- 12. the API's error shape and limits -------------------------------------------------------


def test_an_api_server_error_answers_json_in_the_error_shape(world, monkeypatch):
    from cxops.api import reports

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(reports.ReportViewSet, "list", broken)
    response = _api(world.users[Role.ANALYST]).get("/api/reports/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"code": "server_error", "message": "A server error occurred; it has been logged."}
    }


def test_an_unknown_api_route_answers_json_in_the_error_shape(world):
    response = _api(world.users[Role.ANALYST]).get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_a_report_detail_beyond_the_limit_is_refused_everywhere(world):
    before = ExperienceReport.objects.count()
    long_detail = "长" * 5001
    page = _page(world.users[Role.FRONTLINE]).post("/sense/", _report_form(world, detail=long_detail))
    api = _api(world.users[Role.FRONTLINE]).post(
        "/api/reports/", _report_api(world, detail=long_detail), format="json"
    )
    assert page.status_code == 200
    assert page.context["form"].errors["detail"] == [
        "Ensure this value has at most 5000 characters (it has 5001)."
    ]
    assert api.status_code == 400
    assert api.json()["error"]["fields"] == {
        "detail": ["Ensure this field has no more than 5000 characters."]
    }
    assert ExperienceReport.objects.count() == before
    # and exactly the limit is accepted
    accepted = _api(world.users[Role.FRONTLINE]).post(
        "/api/reports/", _report_api(world, detail="长" * 5000), format="json"
    )
    assert accepted.status_code == 201


@pytest.mark.postgres
def test_an_upload_is_stored_without_holding_the_file_in_the_web_process(world, monkeypatch):
    import tracemalloc

    from cxops.services.imports import core

    # given a 16 MB file, written to the job's row in 1 MB pieces
    monkeypatch.setattr(core, "UPLOAD_CHUNK_BYTES", 1024 * 1024)
    row = _row(1).encode() + b"\n"
    content = (HEADER + "\n").encode() + row * (16 * 1024 * 1024 // len(row))
    body = encode_multipart(
        BOUNDARY, {"file": SimpleUploadedFile("r.csv", content), "source_system": "外部系统"}
    )
    client = _page(world.users[Role.ANALYST])
    # when it is uploaded, with allocations traced
    tracemalloc.start()
    try:
        response = client.generic("POST", "/sense/imports/", body, content_type=MULTIPART_CONTENT)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # then the job holds the whole file, and the process never held it beyond the test client's
    # own copy of the request body (and 1 MB blocks read for the encoding, line count and pieces);
    # reading it whole and handing it to the driver added 16 MB and the driver's copies of it
    job = ImportJob.objects.get(source_system="外部系统")
    assert response.status_code == 302
    assert bytes(ImportJob.objects.values_list("data", flat=True).get(pk=job.pk)) == content
    assert peak < len(body) + 12 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for a 16 MB upload"


def test_an_issue_description_beyond_the_limit_is_refused_on_the_page_and_by_the_service(world):
    from cxops.errors import ApplicationError
    from cxops.models import ExperienceIssue
    from cxops.services.triage import issue_create

    issue = world.objects["issue"]
    analyst = world.users[Role.ANALYST]
    before = issue.description
    # when an analyst saves a description of 10,001 characters
    response = _page(analyst).post(
        f"/sense/issues/{issue.pk}/edit/",
        {"title": issue.title, "status": "open", "description": "长" * 10_001},
        follow=True,
    )
    # then the page says why and the issue is unchanged; the service refuses it too
    assert [str(message) for message in response.context["messages"]] == [
        "Ensure this value has at most 10000 characters (it has 10001)."
    ]
    issue.refresh_from_db()
    assert issue.description == before
    count = ExperienceIssue.objects.count()
    with pytest.raises(ApplicationError) as refused, translation.override("en"):
        issue_create(actor=analyst, title="长描述", description="长" * 10_001)
    assert refused.value.message == "Keep the description under 10000 characters (it has 10001)."
    assert ExperienceIssue.objects.count() == count


def test_strategy_texts_beyond_their_limits_are_refused_and_nothing_is_written(world):
    from proposals.models import Strategy

    strategy = world.objects["strategy"]
    body = {
        "title": "长文策略",
        "product": strategy.product.code,
        "layer": strategy.layer,
        "experience_event": "事件",
        "strategy_text": "策略" * 2_501,
        "body": "长" * 100_001,
    }
    before = Strategy.objects.count()
    response = _api(world.users[Role.ANALYST]).post("/api/strategies/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "body": ["At most 100000 characters (this has 100001)."],
        "strategy_text": ["At most 5000 characters (this has 5002)."],
    }
    assert Strategy.objects.count() == before


def test_rule_texts_beyond_their_limits_are_refused_and_nothing_is_written(world):
    from rules_lifecycle.models import ExperienceRule

    rule = world.objects["rule"]
    before = (
        ExperienceRule.objects.filter(pk=rule.pk).values("trigger_notes", "trigger_action", "version").get()
    )
    response = _api(world.users[Role.PRODUCT_OWNER]).patch(
        f"/api/rules/{rule.pk}/",
        {"trigger_notes": "长" * 5_001, "version": rule.version},  # the notes: editable while live
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "trigger_notes": ["At most 5000 characters (this has 5001)."]
    }
    after = (
        ExperienceRule.objects.filter(pk=rule.pk).values("trigger_notes", "trigger_action", "version").get()
    )
    assert after == before


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_nul_in_a_form_value_a_page_reads_itself_never_reaches_the_database(world, encoding):
    from cxops.models import HotSpotAlert

    # given an open alert, acknowledged on its page with a note that holds NUL
    alert = HotSpotAlert.objects.create(
        signal="issue_reports",
        issue=world.objects["issue"],
        day=dt.date(2026, 11, 20),
        observed=90,
        expected=20,
        threshold=45,
        score=9,
    )
    client = _page(world.users[Role.ANALYST])
    url = f"/dashboard/alerts/{alert.pk}/acknowledge/"
    if encoding == "urlencoded":
        response = client.post(
            url, "note=%E5%B7%B2%00%E5%A4%84%E7%90%86", content_type="application/x-www-form-urlencoded"
        )
    else:
        response = client.post(url, {"note": "已\x00处理"})
    # then it is acknowledged with the note, the NUL dropped
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.note) == ("acknowledged", "已处理")


# --- 13. what the frameworks answer on their own ---------------------------------------------------


def _api_routes() -> list[str]:
    """Every API route of the URL conf, its parameters filled with an id or code that may not exist."""
    fill = {
        "{pk}": "1",
        "{delivery_pk}": "1",
        "{code}": "x",
        "{number}": "1",
        "{dataset}": "reports",
        "{ext}": "csv",
    }
    routes = []
    for template in walk_urlconf():
        if template.startswith("/api/"):
            for name, value in fill.items():
                template = template.replace(name, value)
            routes.append(template)
    assert not [route for route in routes if "{" in route]
    return routes


def test_no_api_route_has_a_format_suffix_twin(world):
    """DRF's `/api/strategies.json` twins called handlers that take no `format` argument: 500."""
    client = _api(world.users[Role.MANAGER])
    for route in ("/api/strategies.json", "/api/reports.json", "/api/rules.api", "/api/notifications.csv"):
        assert client.get(route).status_code == 404, route
    assert client.post("/api/reports.json", {}, format="json").status_code == 404


def test_every_api_route_answers_options_and_the_browsable_api_without_a_500(world):
    """OPTIONS (DRF's metadata, which builds each write serializer and asks for the object) and a
    browser's Accept: text/html (the browsable API, which builds the forms) are answered by DRF
    itself from each view's declarations; the notification preferences answered 500 to both."""
    routes = _api_routes()
    assert "/api/notifications/preferences/" in routes and len(routes) > 30
    for role in (Role.FRONTLINE, Role.MANAGER):
        client = _api(world.users[role])
        for route in routes:
            options = client.options(route)
            assert options.status_code < 500, (role, route, options.content[:300])
            if not route.endswith((".csv", "download/")):
                html = client.get(route, HTTP_ACCEPT="text/html")
                assert html.status_code < 500, (role, route, html.content[:300])
    preferences = _api(world.users[Role.FRONTLINE])
    assert preferences.options("/api/notifications/preferences/").status_code == 200
    page = preferences.get("/api/notifications/preferences/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and b"language" in page.content


def test_the_admin_answers_400_to_a_number_the_database_cannot_hold_and_a_selected_row_that_is_no_id(
    world, django_user_model
):
    """Two values get past Django admin's own checks into the database or a primary key field."""
    from django.contrib import admin

    superuser = django_user_model.objects.create_superuser(
        "root-hostile", "root@example.com", "pw-root-12345"
    )
    client = _page(superuser)
    for model in admin.site._registry:
        changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for query in ("?pk__in=99999999999999999999", "?id__gte=-99999999999999999999"):
            response = client.get(changelist + query)
            assert response.status_code in (200, 302, 400), (changelist, query, response.status_code)
    for selected in ("abc", "", "1.5", "NaN"):
        response = client.post(
            "/admin/auth/user/", {"action": "delete_selected", "_selected_action": [selected], "index": 0}
        )
        assert response.status_code in (200, 302, 400), (selected, response.status_code)
    assert django_user_model.objects.filter(pk=superuser.pk).exists()
