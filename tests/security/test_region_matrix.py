"""The permission matrix's region dimension (issue 17): region × role × ownership.

Every route of `tests/security/matrix.py` that reads or acts on one report or one issue is walked by
each role as a member of Foshan, against an object of Foshan and one of Guangzhou, their own and a
colleague's.  Another city's object answers 404, whatever the role; within their city a member gets
exactly what the same member gets as a member of the whole province (where the role itself
is refused, 403 comes before any object is looked at, in both cases).  A route of that kind missing
here fails by name, so a new one cannot skip the region check.
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from cxops.models import HomeRegion
from cxops.models import Region
from cxops.roles import Role
from cxops.services.triage import reports_merge
from tests.cxops.factories import file_report
from tests.security import matrix as m

pytestmark = pytest.mark.django_db

ROLES = (Role.FRONTLINE, Role.ANALYST, Role.PRODUCT_OWNER, Role.MANAGER)
OBJECT_KINDS = {m.REPORT: "report", "issue": "issue"}
# the routes of one report or issue, with the requests to make (method, body)
WALKED = {
    "/sense/reports/{pk}/": [("GET", None)],
    "/api/reports/{pk}/": [("GET", None)],
    "/sense/issues/{pk}/": [("GET", None)],
    "/sense/issues/{pk}/follow/": [("POST", {"follow": "1"})],
    "/sense/issues/{pk}/edit/": [("POST", {"title": "改名", "status": "open"})],
    "/sense/issues/{pk}/owner/": [("POST", {"severity": "3"})],
    "/api/issues/{pk}/": [("GET", None)],
}


def _object_routes() -> list[m.Endpoint]:
    return [
        endpoint
        for endpoint in (*m.PAGES, *m.APIS)
        if set(endpoint.params.values()) & set(OBJECT_KINDS) and list(endpoint.params) == ["pk"]
    ]


def test_every_route_of_one_report_or_issue_is_walked():
    assert sorted(endpoint.path for endpoint in _object_routes()) == sorted(WALKED)


@pytest.fixture
def cities(make_user, reference_data):
    foshan, guangzhou = Region.objects.get(code="foshan"), Region.objects.get(code="guangzhou")
    analyst = make_user(Role.ANALYST, username="province_analyst")
    members: dict[str, dict[str, object]] = {}
    objects: dict[tuple[str, str, str], dict[str, object]] = {}
    for role in ROLES:
        me = make_user(role, username=f"{role}_me")
        colleague = make_user(role, username=f"{role}_colleague")
        members[role] = {"me": me, "colleague": colleague}
        for city in (foshan, guangzhou):
            for owner_name, owner in (("own", me), ("other", colleague)):
                report = file_report(owner, region=city, summary=f"{role}{city.code}{owner_name}")
                issue = reports_merge(actor=analyst, report_ids=[report.pk], new_issue_title=report.summary)
                objects[(role, city.code, owner_name)] = {"report": report, "issue": issue}
        # now the members move to Foshan (they filed in both cities before: ownership alone must not show
        # them Guangzhou's)
        for user in (me, colleague):
            HomeRegion.objects.create(user=user, region=foshan)
    return members, objects


def _request(user, path: str, method: str, body, api: bool) -> int:
    client = APIClient() if api else Client()
    client.force_login(user) if not api else client.force_authenticate(user)
    if method == "GET":
        return client.get(path).status_code
    return client.post(path, body or {}).status_code


@pytest.mark.parametrize("role", ROLES)
def test_region_by_role_by_ownership(cities, role):
    from django.contrib.auth import get_user_model

    members, objects = cities
    failures = []
    cells = 0
    for endpoint in _object_routes():
        kind = OBJECT_KINDS[endpoint.params["pk"]]
        for method, body in WALKED[endpoint.path]:
            for city in ("foshan", "guangzhou"):
                for ownership in ("own", "other"):
                    target = objects[(role, city, ownership)][kind]
                    path = endpoint.path.replace("{pk}", str(target.pk))
                    me = get_user_model().objects.get(pk=members[role]["me"].pk)  # nothing cached
                    scoped = _request(me, path, method, body, endpoint.api)
                    # the same member as a member of the whole province
                    home = HomeRegion.objects.get(user=me)
                    home.region = Region.objects.get(code="guangdong")
                    home.save()
                    province = _request(
                        get_user_model().objects.get(pk=me.pk), path, method, body, endpoint.api
                    )
                    home.region = Region.objects.get(code="foshan")
                    home.save()
                    # another city's object: 404 (403 where the role is refused before any object)
                    expected = province if city == "foshan" else (403 if province == 403 else 404)
                    cells += 1
                    if scoped != expected:
                        failures.append(
                            f"{role} {method} {path} ({city}, {ownership}): {scoped}, expected {expected}"
                        )
    assert cells == sum(len(WALKED[e.path]) for e in _object_routes()) * 4
    assert not failures, "\n".join(failures)


# --- hot-spot alerts: a city's alert is its city's and the province's to read ----------------------


@pytest.fixture
def city_alerts(make_user, reference_data):
    import datetime as dt

    from cxops.models import HotSpotAlert

    fetion = reference_data["products"]["fetion"]
    alerts = {}
    for code in ("foshan", "guangzhou", "guangdong"):
        alerts[code] = HotSpotAlert.objects.create(
            signal="product_reports",
            product=fetion,
            region=Region.objects.get(code=code),
            day=dt.date(2026, 11, 20),
            observed=90,
            expected=20,
            threshold=45,
            score=9,
        )
    foshan_analyst = make_user(Role.ANALYST, username="alerts_foshan")
    HomeRegion.objects.create(user=foshan_analyst, region=Region.objects.get(code="foshan"))
    return alerts, foshan_analyst, make_user(Role.ANALYST, username="alerts_province")


def _api_alert_ids(user, query: str = "") -> set[int]:
    client = APIClient()
    client.force_authenticate(user)
    answer = client.get(f"/api/dashboard/alerts/{query}")
    assert answer.status_code == 200, answer.content
    return {row["id"] for row in answer.json()["results"]}


def _page_alert_ids(user, query: str = "") -> set[int]:
    import re

    client = Client()
    client.force_login(user)
    answer = client.get(f"/dashboard/alerts/{query}")
    assert answer.status_code == 200
    return {int(pk) for pk in re.findall(r'id="alert-(\d+)"', answer.content.decode())}


def test_a_city_member_reads_their_citys_and_the_province_wide_alerts_only(city_alerts):
    alerts, foshan_analyst, province_analyst = city_alerts
    ids = {code: alert.pk for code, alert in alerts.items()}
    mine = {ids["foshan"], ids["guangdong"]}
    # lists: page and API, unfiltered and filtered by region (another city's filter gives nothing)
    for read in (_api_alert_ids, _page_alert_ids):
        assert read(foshan_analyst, "?status=all") == mine
        assert read(foshan_analyst, "?status=all&region=guangzhou") == set()
        assert read(foshan_analyst, "?status=all&region=foshan") == {ids["foshan"]}
        assert read(foshan_analyst, "?status=all&region=guangdong") == {ids["guangdong"]}
        assert read(province_analyst, "?status=all") == set(ids.values())
        assert read(province_analyst, "?status=all&region=guangzhou") == {ids["guangzhou"]}
    # the dashboard's open alerts (overview API)
    client = APIClient()
    client.force_authenticate(foshan_analyst)
    overview = client.get("/api/dashboard/overview/").json()
    assert {row["id"] for row in overview["open_alerts"]} == mine
    assert {row["region"] for row in overview["open_alerts"]} == {"foshan", "guangdong"}


def test_another_citys_alert_answers_404_and_cannot_be_acknowledged(city_alerts):
    from cxops.models import AlertStatus

    alerts, foshan_analyst, _province = city_alerts
    theirs = alerts["guangzhou"]
    api = APIClient()
    api.force_authenticate(foshan_analyst)
    page = Client()
    page.force_login(foshan_analyst)
    assert api.get(f"/api/dashboard/alerts/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/dashboard/alerts/{theirs.pk}/acknowledge/", {"note": "x"}).status_code == 404
    assert page.post(f"/dashboard/alerts/{theirs.pk}/acknowledge/", {"note": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.status, theirs.acknowledged_by_id, theirs.note) == (AlertStatus.OPEN, None, "")
    # their own city's alert is theirs to acknowledge
    own = alerts["foshan"]
    assert api.post(f"/api/dashboard/alerts/{own.pk}/acknowledge/", {"note": "看过"}).status_code == 200
    own.refresh_from_db()
    assert own.status == AlertStatus.ACKNOWLEDGED


# --- strategies: the pool is open to every city, another city's issues stay out of sight ------------


@pytest.fixture
def city_strategy(make_user, reference_data):
    from proposals.services.strategies import strategy_create
    from tests.proposals.factories import content

    analyst = make_user(Role.ANALYST, username="strategy_province")
    foshan, guangzhou = Region.objects.get(code="foshan"), Region.objects.get(code="guangzhou")
    issues = {}
    for city, title in ((foshan, "佛山营业厅排队久"), (guangzhou, "广州机密问题标题")):
        report = file_report(analyst, region=city, summary=title)
        issues[city.code] = reports_merge(actor=analyst, report_ids=[report.pk], new_issue_title=title)
    strategy = strategy_create(
        actor=analyst,
        content=content(
            title="广州试点策略", issues=[issues["foshan"], issues["guangzhou"]], regions=[guangzhou]
        ),
    )
    member = make_user(Role.ANALYST, username="strategy_foshan")
    HomeRegion.objects.create(user=member, region=foshan)
    return strategy, issues, member


def test_a_city_member_filters_the_pool_by_another_city_without_seeing_its_issues(city_strategy):
    strategy, issues, member = city_strategy
    client = Client()
    client.force_login(member)
    # the pool is open: filtering by Guangzhou lists the Guangzhou strategy, and it opens
    listing = client.get("/pool/?region=guangzhou").content.decode()
    assert "广州试点策略" in listing and "广州机密问题标题" not in listing
    page = client.get(strategy.get_absolute_url()).content.decode()
    assert "佛山营业厅排队久" in page and "广州机密问题标题" not in page
    assert 'data-hidden-issues="1"' in page
    # the edit form offers only their city's issues
    form = client.get(f"/pool/{strategy.pk}/edit/").content.decode()
    assert "佛山营业厅排队久" in form and "广州机密问题标题" not in form
    # the API's list filtered by city answers the strategy, issue ids only
    api = APIClient()
    api.force_authenticate(member)
    rows = api.get("/api/strategies/?region=guangzhou").json()["results"]
    assert [row["id"] for row in rows] == [strategy.pk]
    assert "广州机密问题标题" not in str(rows)


def test_a_city_members_edit_keeps_another_citys_issue_linked_and_the_diff_hides_its_title(city_strategy):
    strategy, issues, member = city_strategy
    client = Client()
    client.force_login(member)
    answer = client.post(
        f"/pool/{strategy.pk}/edit/",
        {
            "title": "广州试点策略（改）",
            "product": strategy.product.code,
            "layer": strategy.layer,
            "experience_event": strategy.experience_event,
            "strategy_text": strategy.strategy_text,
            "body": strategy.body,
            "issues": [issues["foshan"].pk],
            "tags": "",
            "regions": [Region.objects.get(code="guangzhou").pk],
            "base_revision": strategy.current_revision,
            "summary": "改标题",
        },
    )
    assert answer.status_code == 302
    strategy.refresh_from_db()
    assert strategy.current_revision == 2
    # the Guangzhou issue they could not see is still linked
    assert sorted(strategy.issues.values_list("pk", flat=True)) == sorted(i.pk for i in issues.values())
    # drop the Guangzhou issue as the province's analyst, then the Foshan member reads the diff
    from proposals.services.strategies import current_content
    from proposals.services.strategies import strategy_update

    province = get_user_model_by("strategy_province")
    changed = current_content(strategy)
    strategy_update(
        strategy=strategy,
        actor=province,
        base_revision=2,
        content=type(changed)(**{**changed.__dict__, "issues": [issues["foshan"]]}),
    )
    diff = client.get(f"/pool/{strategy.pk}/diff/?from=2&to=3").content.decode()
    assert f"#{issues['guangzhou'].pk}" in diff and "广州机密问题标题" not in diff
    api = APIClient()
    api.force_authenticate(member)
    body = api.get(f"/api/strategies/{strategy.pk}/diff/?from=2&to=3").json()
    assert "广州机密问题标题" not in str(body) and body["changes"]


def get_user_model_by(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)
