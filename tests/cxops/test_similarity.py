"""Similar-text matching on Chinese without spaces, with highlighting."""

import pytest

from cxops import similarity
from cxops.selectors.reports import issues_similar_to
from tests.factories import IssueFactory
from tests.factories import UserFactory

ISSUES = [
    (1, "飞信申请失败，提示号码无法开通"),
    (2, "客户来电咨询飞信如何下载安装"),
    (3, "网上营业厅找不到账单查询入口"),
    (4, "客户资费套餐不是最优"),
    (5, "港澳一卡多号客户不知道有这个业务"),
]


def test_chinese_is_cut_into_character_bigrams_and_latin_into_words():
    assert similarity.shingles("飞信申请") == {"飞信", "信申", "申请"}
    assert similarity.shingles("ＡＰＰ登录 app") == {"app", "登录"}
    assert similarity.shingles("!!") == set()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("客户申请飞信一直失败", 1),
        ("飞信怎么下载", 2),
        ("网厅里找不到账单", 3),
        ("套餐资费太贵不划算", 4),
        ("不知道港澳一卡多号", 5),
    ],
)
def test_the_most_similar_issue_comes_first(query, expected):
    matches = similarity.rank(query, ISSUES)
    assert matches[0].key == expected


def test_unrelated_text_matches_nothing():
    assert similarity.rank("天气很好", ISSUES) == []


def test_highlighting_marks_the_shared_part_and_escapes_html():
    marked = similarity.highlight("<b>飞信</b>申请失败", {"申请", "失败"})
    assert str(marked) == "&lt;b&gt;飞信&lt;/b&gt;<mark>申请失败</mark>"


@pytest.mark.django_db
def test_the_selector_ranks_stored_issues_and_skips_closed_ones():
    author = UserFactory()
    wanted = IssueFactory(title="飞信申请失败提示系统忙", created_by=author)
    IssueFactory(title="彩铃无法取消", created_by=author)
    IssueFactory(title="飞信申请失败（已关闭）", status="closed", created_by=author)
    results = issues_similar_to("飞信申请总是失败", user=None)
    assert [r.issue_id for r in results] == [wanted.pk]
    assert str(results[0].highlighted) == "<mark>飞信申请失败</mark>提示系统忙"
