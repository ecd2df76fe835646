"""One search across the floors: commands by label, English or pinyin initials; records only as far
as the searcher may see them; the page, the API and the palette's data agree."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cxops.models import HomeRegion
from cxops.models import Region
from cxops.roles import Role
from cxops.search import highlight
from cxops.search import match_commands
from cxops.search import search_everything
from proposals.models import Strategy
from proposals.services.strategies import search_document_for
from tests.factories import IssueFactory
from tests.factories import ProductFactory
from tests.factories import ReportFactory
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import make_rule

pytestmark = pytest.mark.django_db


def _urls(groups, kind):
    return [hit.url for group in groups if group.kind == kind for hit in group.hits]


def test_commands_answer_to_chinese_english_and_pinyin_initials(make_user):
    frontline = make_user(Role.FRONTLINE)
    file_url = reverse("reports:file")
    for query in ("提交", "体验报告", "file a report", "FILE", "tjtybg", "tjty"):
        assert file_url in [hit.url for hit in match_commands(frontline, query)], query
    assert match_commands(frontline, "zzzz") == []


def test_commands_offer_only_pages_the_role_can_open(make_user):
    """Every command a role is offered opens for that role (no link that answers 403)."""
    ProductFactory(code="mms", name_zh="彩信", name_en="MMS")
    for role in (Role.FRONTLINE, Role.ANALYST, Role.PRODUCT_OWNER, Role.MANAGER, Role.ADMIN):
        user = make_user(role)
        client = Client()
        client.force_login(user)
        offered = {
            hit.url
            for query in ("a", "e", "i", "o", "r", "s", "t", "cx", "mms")
            for hit in match_commands(user, query, limit=50)
        }
        assert offered, role
        for url in offered:
            assert client.get(url).status_code == 200, (role, url)
    admin = make_user(Role.ADMIN)
    assert reverse("reports:file") not in {h.url for h in match_commands(admin, "report", limit=50)}
    analyst = make_user(Role.ANALYST)
    assert reverse("dashboard:product", args=["mms"]) in {h.url for h in match_commands(analyst, "cx")}


def test_records_are_found_across_floors_and_every_term_must_match(make_user):
    analyst = make_user(Role.ANALYST)
    issue = IssueFactory(title="飞信下载失败", description="安卓客户端")
    report = ReportFactory(summary="客户说飞信下载总失败", reporter=analyst)
    strategy = StrategyFactory(title="飞信下载引导短信", body="## 方案\n\n- **发送**下载链接")
    Strategy.objects.filter(pk=strategy.pk).update(search_document=search_document_for(strategy))
    rule = make_rule(name="飞信下载失败后推送指引")
    groups = search_everything(analyst, "飞信 下载", limit=10)
    assert _urls(groups, "issue") == [reverse("reports:issue", args=[issue.pk])]
    assert _urls(groups, "report") == [reverse("reports:detail", args=[report.pk])]
    assert strategy.get_absolute_url() in _urls(groups, "strategy")
    assert rule.get_absolute_url() in _urls(groups, "rule")
    assert search_everything(analyst, "飞信 彩铃") == []  # every term must match
    snippets = [str(hit.snippet) for group in groups if group.kind == "strategy" for hit in group.hits]
    assert snippets and not any("##" in s or "**" in s for s in snippets)  # plain words, not Markdown


def test_a_city_member_finds_only_their_citys_reports_and_issues(make_user):
    foshan, zhuhai = Region.objects.get(code="foshan"), Region.objects.get(code="zhuhai")
    analyst_fs = make_user(Role.ANALYST)
    HomeRegion.objects.create(user=analyst_fs, region=foshan)
    here = ReportFactory(summary="佛山宽带断网", region=foshan)
    there = ReportFactory(summary="珠海宽带断网", region=zhuhai)
    issue_there = IssueFactory(title="宽带断网（珠海）")
    ReportFactory(summary="断网", region=zhuhai, issue=issue_there)
    groups = search_everything(analyst_fs, "宽带断网", limit=20)
    assert reverse("reports:detail", args=[here.pk]) in _urls(groups, "report")
    assert reverse("reports:detail", args=[there.pk]) not in _urls(groups, "report")
    assert reverse("reports:issue", args=[issue_there.pk]) not in _urls(groups, "issue")


def test_frontline_finds_only_their_own_reports(make_user):
    mine_user, other = make_user(Role.FRONTLINE), make_user(Role.FRONTLINE)
    mine = ReportFactory(summary="彩铃扣费疑问", reporter=mine_user)
    theirs = ReportFactory(summary="彩铃扣费投诉", reporter=other)
    urls = _urls(search_everything(mine_user, "彩铃扣费", limit=20), "report")
    assert urls == [reverse("reports:detail", args=[mine.pk])] and theirs.pk != mine.pk


def test_the_page_and_the_api_agree_and_escape_what_users_wrote(make_user):
    analyst = make_user(Role.ANALYST)
    IssueFactory(title="<script>alert(1)</script>彩信失败")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(analyst)
    page = client.get(reverse("search"), {"q": "彩信失败"}).content.decode()
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    body = client.get(reverse("api-search"), {"q": "彩信失败", "limit": "999"}).json()
    issues = next(group for group in body["groups"] if group["kind"] == "issue")
    assert "<script>" not in issues["hits"][0]["snippet"] and "<mark>" in issues["hits"][0]["snippet"]
    assert client.get(reverse("api-search"), {"q": "x" * 5000, "limit": "abc"}).status_code == 200
    assert client.get(reverse("api-search")).json() == {"query": "", "groups": []}


def test_highlight_marks_every_term_and_escapes():
    html = str(highlight("彩信发送失败 <b>", ["彩信", "失败"]))
    assert html == "<mark>彩信</mark>发送<mark>失败</mark> &lt;b&gt;"
