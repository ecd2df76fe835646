"""Regions (issue 17): the province and its 21 cities as reference data, on every report, and as a
dimension of who sees what.  A city member's scope is decided in one place
(`cxops.selectors.reports`); these tests walk the paths that must inherit it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxops.errors import ApplicationError
from cxops.models import AccessChange
from cxops.models import ExperienceReport
from cxops.models import HomeRegion
from cxops.models import Region
from cxops.regions import user_region
from cxops.roles import Role
from cxops.services.access import user_region_set
from cxops.services.imports.core import import_job_create
from cxops.services.imports.core import import_job_start
from cxops.services.reference import region_save
from cxops.services.triage import reports_merge
from tests.cxops.factories import file_report

pytestmark = pytest.mark.django_db

CITY_CODES = [
    "guangzhou", "shenzhen", "zhuhai", "shantou", "foshan", "shaoguan", "zhanjiang", "zhaoqing",
    "jiangmen", "maoming", "huizhou", "meizhou", "shanwei", "heyuan", "yangjiang", "qingyuan",
    "dongguan", "zhongshan", "chaozhou", "jieyang", "yunfu",
]  # fmt: skip


def city(code: str) -> Region:
    return Region.objects.get(code=code)


@pytest.fixture
def city_member(make_user):
    def make(role: str, code: str | None, username: str | None = None):
        user = make_user(role, username=username)
        if code is not None:
            HomeRegion.objects.create(user=user, region=city(code))
        return user

    return make


# --- 1. reference data ------------------------------------------------------------------------------


def test_the_province_and_its_21_cities_are_there_after_migrating():
    province = Region.objects.get(code="guangdong")
    assert (province.level, province.parent, province.name_zh, province.name_en) == (
        "province",
        None,
        "广东省",
        "Guangdong",
    )
    cities = list(Region.objects.filter(parent=province).order_by("sort_order"))
    assert [c.code for c in cities] == CITY_CODES
    assert {c.level for c in cities} == {"city"}
    assert city("foshan").name_zh == "佛山市" and city("foshan").name_en == "Foshan"


def test_the_regions_api_lists_them_for_every_member_and_nobody_else(api_client_for, frontline):
    body = api_client_for(frontline).get("/api/regions/").json()
    assert [row["code"] for row in body] == ["guangdong", *CITY_CODES]
    foshan = next(row for row in body if row["code"] == "foshan")
    assert foshan["parent"] == "guangdong" and foshan["level"] == "city"
    assert api_client_for(None).get("/api/regions/").status_code in (401, 403)
    assert api_client_for(frontline).post("/api/regions/", {"code": "x"}).status_code == 405


def test_region_save_is_for_administrators_and_keeps_the_hierarchy(make_user):
    admin = make_user(Role.ADMIN)
    foshan = city("foshan")
    foshan.name_en = "Foshan City"
    region_save(actor=admin, region=foshan)
    assert city("foshan").name_en == "Foshan City"
    assert city("foshan").history.first().history_user == admin
    with pytest.raises(ApplicationError) as refused:
        region_save(actor=make_user(Role.MANAGER), region=foshan)
    assert refused.value.code == "forbidden"
    orphan = Region(code="nowhere", name_zh="无", name_en="Nowhere", level="city")
    with pytest.raises(Exception, match="地市必须属于一个省"):
        region_save(actor=admin, region=orphan)
    assert not Region.objects.filter(code="nowhere").exists()


def test_a_code_that_reports_carry_is_not_renamed(make_user, frontline):
    file_report(frontline, region=city("foshan"))
    foshan = city("foshan")
    foshan.code = "fs"
    with pytest.raises(Exception, match="已有报告使用此代码"):
        region_save(actor=make_user(Role.ADMIN), region=foshan)
    assert Region.objects.filter(code="foshan").exists()


def test_the_admin_edits_regions_through_the_service(client_for, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-12345")
    foshan = city("foshan")
    response = client_for(root).post(
        f"/admin/cxops/region/{foshan.pk}/change/",
        {
            "code": "foshan",
            "name_zh": "佛山市",
            "name_en": "Foshan",
            "level": "city",
            "parent": city("guangdong").pk,
            "description": "顺德、南海",
            "is_active": "on",
            "sort_order": "5",
        },
    )
    assert response.status_code == 302
    assert city("foshan").description == "顺德、南海"
    assert city("foshan").history.first().history_user == root


def test_a_report_filed_without_a_region_gets_the_default_region(frontline, settings):
    assert file_report(frontline).region.code == "guangdong"
    settings.CXOPS_DEFAULT_REGION = "shenzhen"
    assert file_report(frontline).region.code == "shenzhen"


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_reports_the_province_and_loses_nothing():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("cxops", "0014_matching")]
    plan_target = (
        executor.loader.graph.leaf_nodes()
    )  # every app: going back to 0014 unapplied their later ones
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    Product = old_apps.get_model("cxops", "Product")
    Channel = old_apps.get_model("cxops", "Channel")
    Report = old_apps.get_model("cxops", "ExperienceReport")
    product = Product.objects.create(code="p", name_zh="产品", name_en="P")
    channel = Channel.objects.create(code="c", name_zh="渠道", name_en="C")
    from django.utils import timezone

    Report.objects.create(
        source_type="complaint",
        product_id=product.pk,
        channel_id=channel.pk,
        layer="functional",
        stage="use",
        summary="迁移前的报告",
        occurred_at=timezone.now(),
    )
    executor = MigrationExecutor(connection)
    executor.migrate(plan_target)
    report = ExperienceReport.objects.get(summary="迁移前的报告")
    assert report.region.code == "guangdong"


# --- 2. reports carry a region ----------------------------------------------------------------------


def _filing(reference_data, **changes):
    return {
        "summary": "客户反映飞信无法登录",
        "product": reference_data["products"]["fetion"].pk,
        "channel": reference_data["channels"]["hotline-10086"].pk,
        "source_type": "complaint",
        "layer": "functional",
        "stage": "use",
        "occurred_at": "2026-11-20T09:00",
        "severity": "2",
        **changes,
    }


def test_the_filing_form_asks_for_a_city_and_defaults_to_the_home_city(
    client_for, frontline, city_member, reference_data
):
    page = client_for(frontline).get(reverse("reports:file")).content.decode()
    assert "请选择城市" in page  # a province member chooses
    refused = client_for(frontline).post(reverse("reports:file"), _filing(reference_data))
    assert refused.status_code == 200 and "请选择报告来自哪个城市" in refused.content.decode()
    assert not ExperienceReport.objects.exists()

    agent = city_member(Role.FRONTLINE, "foshan")
    page = client_for(agent).get(reverse("reports:file")).content.decode()
    assert f'<option value="{city("foshan").pk}" selected>佛山市</option>' in page
    assert "广州市" not in page  # a city member files for their city only
    response = client_for(agent).post(
        reverse("reports:file"), _filing(reference_data, region=city("foshan").pk)
    )
    assert response.status_code == 302
    other = client_for(agent).post(
        reverse("reports:file"), _filing(reference_data, region=city("guangzhou").pk)
    )
    assert other.status_code == 200
    assert list(ExperienceReport.objects.values_list("region__code", flat=True)) == ["foshan"]


def test_a_province_member_with_a_home_city_has_it_chosen(client_for, make_user, reference_data):
    user = make_user(Role.FRONTLINE)
    HomeRegion.objects.create(user=user, region=city("guangdong"))
    page = client_for(user).get(reverse("reports:file")).content.decode()
    assert "请选择城市" in page and " selected>佛山市" not in page
    assert user_region(user) is None


def _api_report(reference_data, **changes):
    return {
        "source_type": "complaint",
        "product": "fetion",
        "channel": "hotline-10086",
        "layer": "functional",
        "stage": "use",
        "summary": "飞信登录失败",
        "occurred_at": "2026-11-20T09:00:00+08:00",
        **changes,
    }


def test_the_api_takes_and_gives_the_region_as_a_code(api_client_for, frontline, city_member, reference_data):
    client = api_client_for(frontline)
    created = client.post("/api/reports/", _api_report(reference_data, region="dongguan"), format="json")
    assert created.status_code == 201 and created.json()["region"] == "dongguan"
    assert client.get(f"/api/reports/{created.json()['id']}/").json()["region"] == "dongguan"
    default = client.post("/api/reports/", _api_report(reference_data), format="json")
    assert default.json()["region"] == "guangdong"
    unknown = client.post("/api/reports/", _api_report(reference_data, region="atlantis"), format="json")
    assert unknown.status_code == 400 and "region" in unknown.json()["error"]["fields"]

    agent = city_member(Role.FRONTLINE, "foshan")
    own = api_client_for(agent).post("/api/reports/", _api_report(reference_data), format="json")
    assert own.json()["region"] == "foshan"  # the home city by default
    other = api_client_for(agent).post(
        "/api/reports/", _api_report(reference_data, region="shenzhen"), format="json"
    )
    assert other.status_code == 400 and "region" in other.json()["error"]["fields"]
    assert ExperienceReport.objects.count() == 3


def test_the_api_filters_reports_and_issues_by_city(api_client_for, analyst, frontline, reference_data):
    foshan = file_report(frontline, region=city("foshan"))
    shenzhen = file_report(frontline, region=city("shenzhen"))
    issue = reports_merge(actor=analyst, report_ids=[shenzhen.pk], new_issue_title="深圳的问题")
    client = api_client_for(analyst)
    assert [r["id"] for r in client.get("/api/reports/?region=foshan").json()["results"]] == [foshan.pk]
    assert len(client.get("/api/reports/?region=guangdong").json()["results"]) == 2
    assert client.get("/api/reports/?region=atlantis").status_code == 400
    issues = client.get("/api/issues/?region=shenzhen").json()["results"]
    assert [(i["id"], i["regions"]) for i in issues] == [(issue.pk, ["shenzhen"])]
    assert client.get("/api/issues/?region=foshan").json()["results"] == []
    assert client.get(f"/api/issues/{issue.pk}/").json()["regions"] == ["shenzhen"]


CSV_HEADER = "工单号,受理时间,工单类型,业务名称,渠道,体验层次,阶段,摘要,地市\n"


def _import(actor, rows: list[str]):
    from django.test import TestCase

    text = CSV_HEADER + "".join(rows)
    job = import_job_create(
        actor=actor, kind="reports", source_system="city-crm", original_name="r.csv", data=text.encode()
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        import_job_start(actor=actor, job=job)
    job.refresh_from_db()
    return job


def test_a_csv_with_a_city_column_imports_into_the_right_cities(analyst, reference_data):
    rows = [
        f"T{n},2026-10-22 06:50:00,投诉,飞信,10086热线,功能性,使用,飞信申请失败{n},{city_text}\n"
        for n, city_text in enumerate(
            ["佛山", "佛山市", "FS", "foshan", "深圳", "Dongguan", "湛江市", "火星"]
        )
    ]
    job = _import(analyst, rows)
    assert (job.inserted, job.rejected) == (7, 1)
    regions = dict(ExperienceReport.objects.values_list("external_id", "region__code"))
    assert regions == {
        "T0": "foshan",
        "T1": "foshan",
        "T2": "foshan",
        "T3": "foshan",
        "T4": "shenzhen",
        "T5": "dongguan",
        "T6": "zhanjiang",
    }
    rejected = job.rejected_rows.get()
    assert (rejected.line, rejected.reason) == (9, "未知的地市“火星”：请在取值映射中添加。")


def test_a_city_analyst_imports_only_their_city(city_member, reference_data):
    analyst = city_member(Role.ANALYST, "foshan")
    rows = [
        "A1,2026-10-22 06:50:00,投诉,飞信,10086热线,功能性,使用,飞信申请失败,佛山\n",
        "A2,2026-10-22 06:50:00,投诉,飞信,10086热线,功能性,使用,飞信申请失败,\n",
        "A3,2026-10-22 06:50:00,投诉,飞信,10086热线,功能性,使用,飞信申请失败,广州\n",
    ]
    job = _import(analyst, rows)
    assert (job.inserted, job.rejected) == (2, 1)
    assert set(ExperienceReport.objects.values_list("region__code", flat=True)) == {"foshan"}
    assert job.rejected_rows.get().line == 4


# --- 3. who sees what -------------------------------------------------------------------------------


@pytest.fixture
def two_cities(make_user, city_member, reference_data):
    """A Foshan analyst, a province analyst, a report and an issue in Foshan and in Guangzhou."""
    province = make_user(Role.ANALYST)
    agent_fs = city_member(Role.FRONTLINE, "foshan")
    agent_gz = city_member(Role.FRONTLINE, "guangzhou")
    fetion = reference_data["products"]["fetion"]
    fs = file_report(agent_fs, summary="飞信登录失败佛山", product=fetion)
    gz = file_report(agent_gz, summary="飞信登录失败广州", product=fetion)
    fs_issue = reports_merge(actor=province, report_ids=[fs.pk], new_issue_title="飞信登录失败（佛山）")
    gz_issue = reports_merge(actor=province, report_ids=[gz.pk], new_issue_title="飞信登录失败（广州）")
    return {
        "fs_analyst": city_member(Role.ANALYST, "foshan"),
        "province": province,
        "agent_fs": agent_fs,
        "agent_gz": agent_gz,
        "fs": fs,
        "gz": gz,
        "fs_issue": fs_issue,
        "gz_issue": gz_issue,
    }


def test_a_city_analyst_lists_only_their_city_in_the_api(api_client_for, two_cities):
    w = two_cities
    body = api_client_for(w["fs_analyst"]).get("/api/reports/").json()
    assert [r["id"] for r in body["results"]] == [w["fs"].pk]
    assert {r["region"] for r in body["results"]} == {"foshan"}
    province = api_client_for(w["province"]).get("/api/reports/").json()
    assert {r["region"] for r in province["results"]} == {"foshan", "guangzhou"}
    issues = api_client_for(w["fs_analyst"]).get("/api/issues/").json()["results"]
    assert [i["id"] for i in issues] == [w["fs_issue"].pk]


def test_another_citys_report_and_issue_answer_404_everywhere(client_for, api_client_for, two_cities):
    w = two_cities
    page, api = client_for(w["fs_analyst"]), api_client_for(w["fs_analyst"])
    gz, gz_issue, fs, fs_issue = w["gz"], w["gz_issue"], w["fs"], w["fs_issue"]
    # pages
    assert page.get(reverse("reports:detail", args=[gz.pk])).status_code == 404
    assert page.get(reverse("reports:detail", args=[fs.pk])).status_code == 200
    assert page.get(reverse("reports:issue", args=[gz_issue.pk])).status_code == 404
    assert page.get(reverse("reports:issue", args=[fs_issue.pk])).status_code == 200
    assert page.post(reverse("reports:issue-follow", args=[gz_issue.pk])).status_code == 404
    assert (
        page.post(
            reverse("reports:issue-edit", args=[gz_issue.pk]), {"title": "x", "status": "open"}
        ).status_code
        == 404
    )
    issues_page = page.get(reverse("reports:issues")).content.decode()
    assert "飞信登录失败（佛山）" in issues_page and "飞信登录失败（广州）" not in issues_page
    triage = page.get(reverse("reports:triage") + "?status=linked").content.decode()
    assert "飞信登录失败佛山" in triage and "飞信登录失败广州" not in triage
    # API
    assert api.get(f"/api/reports/{gz.pk}/").status_code == 404
    assert api.get(f"/api/issues/{gz_issue.pk}/").status_code == 404
    assert api.get(f"/api/issues/{fs_issue.pk}/").status_code == 200
    # search (the strategy pool's search page covers issues and reports)
    search = page.get(reverse("proposals:search") + "?q=飞信登录失败").content.decode()
    assert "飞信登录失败佛山" in search and "飞信登录失败广州" not in search
    assert "飞信登录失败（广州）" not in search
    # similar-issue suggestions (page JSON and API)
    similar = page.get(reverse("reports:similar") + "?q=飞信登录失败").json()["results"]
    assert [row["id"] for row in similar] == [fs_issue.pk]
    similar_api = api.get("/api/issues/similar/?text=飞信登录失败").json()["results"]
    assert [row["id"] for row in similar_api] == [fs_issue.pk]
    picker = page.get(reverse("reports:issue-search") + "?q=飞信").json()["results"]
    assert [row["id"] for row in picker] == [fs_issue.pk]
    # the province analyst sees both
    both = client_for(w["province"]).get(reverse("reports:similar") + "?q=飞信登录失败").json()["results"]
    assert {row["id"] for row in both} == {fs_issue.pk, gz_issue.pk}


def test_a_city_analyst_triages_only_their_city(client_for, two_cities):
    from cxops.services.triage import reports_dismiss

    w = two_cities
    with pytest.raises(ApplicationError) as refused:
        reports_dismiss(actor=w["fs_analyst"], report_ids=[w["gz"].pk], reason="不是我们的")
    assert refused.value.code == "not_found"
    with pytest.raises(ApplicationError):
        reports_merge(actor=w["fs_analyst"], report_ids=[w["fs"].pk], issue=w["gz_issue"])
    w["gz"].refresh_from_db()
    assert w["gz"].status == "linked"
    response = client_for(w["fs_analyst"]).post(
        reverse("reports:triage-act"), {"action": "dismiss", "reports": [w["gz"].pk], "reason": "x"}
    )
    assert response.status_code == 302
    w["gz"].refresh_from_db()
    assert w["gz"].status == "linked"
    not_same = client_for(w["fs_analyst"]).post(
        reverse("reports:triage-not-same"), {"report": w["gz"].pk, "issue": w["gz_issue"].pk}
    )
    assert not_same.status_code == 400


def test_a_city_frontline_sees_only_their_own_reports_of_their_city(api_client_for, two_cities):
    w = two_cities
    body = api_client_for(w["agent_fs"]).get("/api/reports/").json()
    assert [r["id"] for r in body["results"]] == [w["fs"].pk]
    # a frontline agent moved to another city no longer sees what they filed in the old one
    HomeRegion.objects.filter(user=w["agent_fs"]).update(region=city("zhuhai"))
    moved = type(w["agent_fs"]).objects.get(pk=w["agent_fs"].pk)
    assert api_client_for(moved).get("/api/reports/").json()["results"] == []


def test_the_province_analyst_filters_by_city_on_the_pages(client_for, two_cities):
    w = two_cities
    page = client_for(w["province"])
    triage = page.get(reverse("reports:triage") + f"?status=linked&region={city('guangzhou').pk}")
    body = triage.content.decode()
    assert "飞信登录失败广州" in body and "飞信登录失败佛山" not in body
    issues = page.get(reverse("reports:issues") + "?region=foshan").content.decode()
    assert "飞信登录失败（佛山）" in issues and "飞信登录失败（广州）" not in issues
    assert 'name="region"' not in client_for(w["fs_analyst"]).get(reverse("reports:triage")).content.decode()


# --- the home region: set by administrators, audited ------------------------------------------------


def test_an_administrator_sets_a_home_region_and_it_is_recorded(make_user):
    admin = make_user(Role.ADMIN)
    agent = make_user(Role.FRONTLINE)
    user_region_set(actor=admin, user=agent, region=city("foshan"), address="10.0.0.1")
    assert user_region(type(agent).objects.get(pk=agent.pk)).code == "foshan"
    user_region_set(actor=admin, user=agent, region=None)
    assert not HomeRegion.objects.filter(user=agent).exists()
    changes = list(AccessChange.objects.order_by("id").values_list("what", "before", "after", "actor_name"))
    assert changes == [("region", "-", "foshan", admin.username), ("region", "foshan", "-", admin.username)]


def test_nobody_moves_their_own_region_or_a_staff_account(make_user):
    admin = make_user(Role.ADMIN)
    HomeRegion.objects.create(user=admin, region=city("foshan"))
    with pytest.raises(ApplicationError) as own:
        user_region_set(actor=admin, user=admin, region=None)
    assert own.value.code == "forbidden"
    staff = make_user(Role.ANALYST, is_staff=True)
    with pytest.raises(ApplicationError):
        user_region_set(actor=admin, user=staff, region=city("foshan"))
    with pytest.raises(ApplicationError):
        user_region_set(actor=make_user(Role.MANAGER), user=make_user(Role.FRONTLINE), region=city("foshan"))
    assert HomeRegion.objects.filter(user=admin).get().region.code == "foshan"
    assert not AccessChange.objects.exists()


def test_the_admin_user_page_sets_the_home_region_through_the_service(client_for, make_user):
    admin = make_user(Role.ADMIN, is_staff=True)
    agent = make_user(Role.FRONTLINE)
    page = client_for(admin).get(f"/admin/auth/user/{agent.pk}/change/")
    assert page.status_code == 200 and 'name="home_region"' in page.content.decode()
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"home_region": city("foshan").pk, "groups": [g.pk for g in agent.groups.all()]})
    data.pop("password", None)
    data["date_joined_0"], data["date_joined_1"] = "2026-01-01", "00:00:00"
    response = client_for(admin).post(f"/admin/auth/user/{agent.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert HomeRegion.objects.get(user=agent).region.code == "foshan"
    assert AccessChange.objects.filter(what="region", after="foshan", user=agent).exists()


def test_another_citys_import_job_answers_404(client_for, api_client_for, city_member, reference_data):
    guangzhou_analyst = city_member(Role.ANALYST, "guangzhou")
    job = _import(guangzhou_analyst, ["G1,2026-10-22 06:50:00,投诉,飞信,10086热线,功能性,使用,广州的报告,\n"])
    foshan_analyst = city_member(Role.ANALYST, "foshan")
    assert client_for(foshan_analyst).get(reverse("reports:import", args=[job.pk])).status_code == 404
    assert api_client_for(foshan_analyst).get(f"/api/import-jobs/{job.pk}/").status_code == 404
    assert api_client_for(foshan_analyst).get("/api/import-jobs/").json()["results"] == []
    assert api_client_for(guangzhou_analyst).get(f"/api/import-jobs/{job.pk}/").status_code == 200
