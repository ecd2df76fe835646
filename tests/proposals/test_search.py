"""Search across strategies (title, scenario, body, comments), issues and reports, in Chinese."""

from __future__ import annotations

import pytest

from proposals.selectors import pool_search
from proposals.selectors import strategy_list
from proposals.services.discussion import comment_create
from proposals.services.discussion import comment_hide
from proposals.services.votes import vote_cast
from tests.factories import IssueFactory
from tests.factories import ReportFactory
from tests.proposals.factories import make_strategy

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(analyst, frontline):
    fetion = make_strategy(
        actor=analyst,
        title="飞信咨询客户自动下发下载链接",
        experience_event="客户致电10086询问飞信怎么下载",
        strategy_text="发送短信附下载链接",
        body="坐席一键下发 WAP 短链接",
        tags=["飞信"],
    )
    web = make_strategy(
        actor=analyst,
        title="分析网上营业厅点击数据优化导航",
        experience_event="客户在网上营业厅找不到业务",
        strategy_text="分析点击流重新设计导航",
        body="套餐变更入口藏在三级菜单",
        tags=["网厅"],
    )
    comment_create(strategy=web, actor=frontline, body="老年客户找不到话费查询")
    return {"fetion": fetion, "web": web}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("飞信", ["fetion"]),  # title
        ("致电10086", ["fetion"]),  # experience event, no spaces
        ("三级菜单", ["web"]),  # Markdown body
        ("话费查询", ["web"]),  # a comment
        ("短链接", ["fetion"]),
        ("wap", ["fetion"]),  # case-insensitive
        ("ＷＡＰ", ["fetion"]),  # full-width folded
        ("客户 导航", ["web"]),  # every term must match
        ("找不到", ["web"]),
        ("直通车", []),
    ],
)
def test_list_search_matches_substrings_in_chinese(pool, query, expected):
    found = [key for key, strategy in pool.items() for s in strategy_list(query=query) if s.pk == strategy.pk]
    assert sorted(found) == sorted(expected)


def test_hidden_comments_are_not_searchable(pool, analyst):
    comment = pool["web"].comments.get()
    comment_hide(comment=comment, actor=analyst, reason="无关")
    assert list(strategy_list(query="话费查询")) == []


def test_sort_by_votes_and_status(pool, analyst, product_owner):
    voting = make_strategy(actor=analyst, status="voting", title="流量超额提醒")
    vote_cast(strategy=voting, actor=product_owner, choice="support")
    assert list(strategy_list(sort="votes"))[0] == voting
    assert list(strategy_list(sort="status"))[0] == voting
    assert [s.pk for s in strategy_list(status="voting")] == [voting.pk]


def test_pool_search_spans_issues_and_reports_with_report_visibility(pool, analyst, frontline):
    issue = IssueFactory(title="飞信申请失败无提示", description="客户只看到申请失败")
    mine = ReportFactory(summary="客户反映飞信下载链接打不开", reporter=frontline)
    theirs = ReportFactory(summary="飞信登录失败", reporter=analyst)
    # an analyst sees every report
    results = pool_search(user=analyst, query="飞信")
    assert [hit.object for hit in results.issues] == [issue]
    assert {hit.object for hit in results.reports} == {mine, theirs}
    assert [hit.object for hit in results.strategies if not hit.similar] == [pool["fetion"]]
    assert "<mark>飞信</mark>" in results.strategies[0].snippet
    # frontline staff see only their own reports
    assert [hit.object for hit in pool_search(user=frontline, query="飞信").reports] == [mine]


def test_similar_strategies_are_found_by_character_pairs(pool, analyst):
    results = pool_search(user=analyst, query="飞信下载链接发送")
    assert [(hit.object, hit.similar) for hit in results.strategies] == [(pool["fetion"], True)]


def test_search_page_escapes_the_query(pool, client_for, frontline):
    page = client_for(frontline).get("/pool/search/", {"q": "<b>飞信</b>"}).content.decode()
    assert "<b>飞信</b>" not in page and "&lt;b&gt;飞信&lt;/b&gt;" in page


def test_list_page_filters(pool, client_for, frontline):
    page = client_for(frontline).get("/pool/", {"q": "导航", "layer": "functional"}).content.decode()
    assert pool["web"].title in page and pool["fetion"].title not in page
