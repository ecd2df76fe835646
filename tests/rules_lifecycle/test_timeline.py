"""A rule's traceability timeline: reports → issue → strategy discussion, votes, answer → rule moves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from cxops.roles import Role
from proposals.models import Comment
from proposals.models import Revision
from proposals.models import StatusChange
from proposals.models import Vote
from rules_lifecycle import presenters as timeline_module
from rules_lifecycle.presenters import TimelineEntry
from rules_lifecycle.presenters import register_timeline_source
from rules_lifecycle.presenters import rule_timeline
from rules_lifecycle.transitions import rule_transition
from tests.factories import IssueFactory
from tests.factories import ProductFactory
from tests.factories import ReportFactory
from tests.rules_lifecycle.factories import StrategyFactory
from tests.rules_lifecycle.factories import make_rule
from tests.rules_lifecycle.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


def day(n: int, hour: int = 0) -> dt.datetime:
    return T0 + dt.timedelta(days=n, hours=hour)


@pytest.fixture
def story():
    """A rule with its whole history on known dates."""
    analyst, manager = user_with_role(Role.ANALYST), user_with_role(Role.MANAGER)
    supporter, opponent = user_with_role(Role.PRODUCT_OWNER), user_with_role(Role.PRODUCT_OWNER)
    frontline = user_with_role(Role.FRONTLINE, first_name="张敏")
    product = ProductFactory()
    issue = IssueFactory(
        product=product, title="飞信申请失败", created_by=analyst, created_at=day(3), first_reported_at=day(0)
    )
    reports = [
        ReportFactory(
            product=product, issue=issue, status="linked", summary=f"申请失败{n}", occurred_at=day(n)
        )
        for n in range(7)
    ]
    ReportFactory(product=product, issue=issue, status="dismissed", summary="重复的报告", occurred_at=day(-5))
    issue.report_count = 7
    issue.save()
    strategy = StrategyFactory(
        product=product,
        issues=[issue],
        created_by=analyst,
        created_at=day(10),
        title="申请失败时告知原因",
        official_answer="同意实施",
        official_answer_by=manager,
        official_answer_at=day(20),
    )
    Revision.objects.create(
        strategy=strategy,
        number=1,
        title=strategy.title,
        product=product,
        layer="functional",
        experience_event="e",
        strategy_text="s",
        author=analyst,
        created_at=day(10),
    )
    StatusChange.objects.create(
        strategy=strategy, from_status="draft", to_status="discussion", actor=analyst, created_at=day(11)
    )
    StatusChange.objects.create(
        strategy=strategy, from_status="discussion", to_status="voting", actor=analyst, created_at=day(15)
    )
    StatusChange.objects.create(
        strategy=strategy,
        from_status="voting",
        to_status="accepted",
        actor=manager,
        reason="同意实施",
        created_at=day(20),
    )
    Comment.objects.create(strategy=strategy, author=frontline, body="客户经常问这个问题", created_at=day(12))
    Comment.objects.create(
        strategy=strategy,
        author=frontline,
        body="广告内容",
        created_at=day(13),
        is_hidden=True,
        hidden_reason="灌水",
        hidden_by=analyst,
        hidden_at=day(13, 1),
    )
    Vote.objects.create(
        strategy=strategy, voter=supporter, choice="support", reason="值得做", updated_at=day(16)
    )
    Vote.objects.create(
        strategy=strategy, voter=opponent, choice="oppose", reason="排期紧", updated_at=day(17)
    )
    owner = user_with_role(Role.PRODUCT_OWNER)
    rule = make_rule(strategy=strategy, owner=owner, created_at=day(22))
    rule_transition(rule=rule, to_status="approved", actor=manager, occurred_at=day(23))
    rule_transition(rule=rule, to_status="implementing", actor=owner, occurred_at=day(24))
    rule_transition(rule=rule, to_status="live", actor=owner, reason="规则已上线运行", occurred_at=day(30))
    return {"rule": rule, "reports": reports, "frontline": frontline}


def test_the_timeline_tells_the_story_in_order(story):
    entries = rule_timeline(story["rule"])
    assert [(e.kind, e.title) for e in entries] == [
        ("report", "申请失败0"),
        ("issue", "飞信申请失败"),  # dated by its first report, listed after it
        ("report", "申请失败1"),
        ("report", "申请失败2"),
        ("report", "申请失败3"),
        ("report", "申请失败4"),
        ("report", "7 reports in all; the latest on this date"),
        ("strategy", "申请失败时告知原因"),
        ("strategy", "Strategy is now “In discussion”"),
        ("comment", "客户经常问这个问题"),
        ("strategy", "Strategy is now “Voting”"),
        ("vote", "Support"),
        ("vote", "Oppose"),
        ("decision", "Strategy Accepted"),
        ("rule", f"Rule “{story['rule'].name}” proposed"),
        ("transition", "Proposed → Approved"),
        ("transition", "Approved → Implementing"),
        ("transition", "Implementing → Live"),
    ]
    times = [e.at for e in entries]
    assert times == sorted(times)


def test_the_entries_carry_who_why_and_links(story):
    entries = {(e.kind, e.title): e for e in rule_timeline(story["rule"])}
    comment = entries[("comment", "客户经常问这个问题")]
    assert comment.actor == "张敏"
    assert comment.url.startswith(f"/pool/{story['rule'].strategy_id}/#comment-")
    assert entries[("vote", "Oppose")].detail == "排期紧"
    assert entries[("vote", "Oppose")].tone == "bad"
    assert entries[("decision", "Strategy Accepted")].detail == "同意实施"
    live = entries[("transition", "Implementing → Live")]
    assert (live.detail, live.actor, live.at, live.tone) == (
        "规则已上线运行",
        story["rule"].owner.username,
        day(30),
        "ok",
    )
    assert entries[("report", "7 reports in all; the latest on this date")].at == day(6)


def test_hidden_comments_and_dismissed_reports_are_left_out(story):
    titles = [e.title for e in rule_timeline(story["rule"])]
    assert "广告内容" not in titles
    assert "重复的报告" not in titles


def test_a_registered_source_adds_its_entries():
    rule = make_rule()

    def evaluations(r):
        yield TimelineEntry(at=day(4000), kind="evaluation", title=f"评估 {r.pk}")

    register_timeline_source(evaluations)
    try:
        entries = rule_timeline(rule)
        assert entries[-1].kind == "evaluation" and entries[-1].title == f"评估 {rule.pk}"
        assert entries[-1].kind_label == "Evaluation"
    finally:
        timeline_module._registered.remove(evaluations)
    assert all(e.kind != "evaluation" or e.title != f"评估 {rule.pk}" for e in rule_timeline(rule))


def test_the_rule_page_shows_the_timeline(story, client_for):
    html = client_for(user_with_role(Role.ANALYST)).get(f"/rules/{story['rule'].pk}/").content.decode()
    for text in ("申请失败0", "飞信申请失败", "客户经常问这个问题", "值得做", "同意实施", "规则已上线运行"):
        assert text in html, text
    assert html.index("申请失败0") < html.index("客户经常问这个问题") < html.index("规则已上线运行")


def test_the_rule_page_keeps_other_peoples_reports_from_a_frontline_reader(story, client_for):
    # given a frontline member who filed none of the rule's reports
    html = client_for(story["frontline"]).get(f"/rules/{story['rule'].pk}/").content.decode()
    # then the story is there, but not the text of other people's reports (only their number)
    assert "飞信申请失败" in html and "同意实施" in html
    assert not any(f"申请失败{n}" in html for n in range(7))
    assert "共7条报告" in html


def _entry(html: str, title: str) -> str:
    """The rendered `<li>` of the timeline entry titled `title`."""
    timeline = html[html.index('<ol class="timeline rules-timeline">') :]
    items = [item.split("</li>")[0] for item in timeline.split('<li class="')[1:]]
    found = [item for item in items if f">{title}<" in item.split('class="rules-entry-title"')[1]]
    assert len(found) == 1, (title, found)
    return '<li class="' + found[0]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            {
                "report": "Experience report",
                "where": "Complaint · ",
                "summed": "7 reports in all; the latest on this date",
                "issue": "Experience issue: 7 reports merged into it",
                "opened": "Strategy page opened; 1 revision since.",
                "discussion": "Strategy is now “In discussion”",
                "comment_label": "Discussion",
                "vote": "Vote",
                "oppose": "Oppose",
                "decision": "Strategy Accepted",
                "answer_label": "Official answer",
                "proposed": "Rule “{name}” proposed",
                "live": "Implementing → Live",
                "move": "Rule move",
            },
        ),
        (
            "zh-hans",
            {
                "report": "体验报告",
                "where": "投诉 · ",
                "summed": "共7条报告，最近一条在此日期",
                "issue": "体验问题：已归并7条报告",
                "opened": "策略页面创建，此后共1个版本。",
                "discussion": "策略进入“讨论中”",
                "comment_label": "讨论",
                "vote": "投票",
                "oppose": "反对",
                "decision": "策略已采纳",
                "answer_label": "官方答复",
                "proposed": "提出规则“{name}”",
                "live": "实施中 → 已上线",
                "move": "规则流转",
            },
        ),
    ],
)
def test_the_rule_page_words_links_and_colours_each_entry(story, client_for, language, words):
    rule = story["rule"]
    page = client_for(user_with_role(Role.ANALYST)).get(f"/rules/{rule.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    pool = f"/pool/{rule.strategy_id}/"
    comment = Comment.objects.get(strategy=rule.strategy, is_hidden=False)

    # reports and issues: their kind, where from, no link
    report = _entry(html, "申请失败0")
    assert report.startswith('<li class="rules-entry rules-entry-report">')
    assert f'<span class="tag">{words["report"]}</span>' in report
    assert f'<div class="rules-entry-detail">{words["where"]}' in report
    assert "<a " not in report
    assert "<a " not in _entry(html, words["summed"])
    assert words["issue"] in _entry(html, "飞信申请失败")
    # the strategy's story links to its page; a comment to itself on it
    assert f'<a href="{pool}">申请失败时告知原因</a>' in _entry(html, "申请失败时告知原因")
    assert words["opened"] in _entry(html, "申请失败时告知原因")
    assert f'<a href="{pool}">{words["discussion"]}</a>' in _entry(html, words["discussion"])
    commented = _entry(html, "客户经常问这个问题")
    assert f'<a href="{pool}#comment-{comment.pk}">' in commented
    assert f'<span class="tag">{words["comment_label"]}</span>' in commented
    # votes and the answer are coloured: against is bad, accepted is ok
    oppose = _entry(html, words["oppose"])
    assert oppose.startswith('<li class="rules-entry rules-entry-vote tone-bad">')
    assert f'<span class="tag">{words["vote"]}</span>' in oppose and "排期紧" in oppose
    decision = _entry(html, words["decision"])
    assert decision.startswith('<li class="rules-entry rules-entry-decision tone-ok">')
    assert (
        f'<a href="{pool}">' in decision and f'<span class="tag">{words["answer_label"]}</span>' in decision
    )
    # the rule's own moves: its creation links to it, going live is ok, other moves are plain
    proposed = words["proposed"].format(name=rule.name)
    assert f'<a href="/rules/{rule.pk}/">{proposed}</a>' in _entry(html, proposed)
    live = _entry(html, words["live"])
    assert live.startswith('<li class="rules-entry rules-entry-transition tone-ok">')
    assert f'<span class="tag">{words["move"]}</span>' in live and "规则已上线运行" in live
    assert "<a " not in live
