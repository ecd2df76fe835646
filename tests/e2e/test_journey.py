"""The whole closed loop in real browsers, once in Chinese and once in English: a hotline agent files
a report on a phone, an analyst merges it into an issue and sees it on the dashboard, members edit
the strategy page (with a two-browser edit conflict) and discuss it, a product owner votes, a
manager accepts it, it becomes a rule that goes live, its evaluation shows on the review page, and
the manager retires it — every step through the pages and buttons the people use."""

from __future__ import annotations

import datetime as dt
import re
import time

import numpy as np
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILING_BUDGET_SECONDS = 30  # PRODUCT.md: filing by hand must take under 30 seconds

# What each person reads on the pages, per language (the msgids' zh-hans translations).
TEXT = {
    "zh-hans": {
        "file_heading": "提交体验报告",
        "file_report": "提交报告",
        "filed": "报告已提交。谢谢！",
        "triage_heading": "分拣队列",
        "create_and_merge": "新建问题并合并",
        "merged": "1 条报告已合并到“{title}”（现共 1 条）。",
        "dashboard_heading": "客户体验仪表盘",
        "reports_in_period": "时段内报告量",
        "top_issues": "热门体验问题",
        "propose_strategy": "为此问题提出策略",
        "create_strategy": "创建策略",
        "created": "策略已创建。准备好后请开放讨论。",
        "open_discussion": "开放讨论",
        "edit_page": "编辑页面",
        "save_page": "保存页面",
        "saved_as": "已保存为版本 {number}。",
        "conflict_heading": "你编辑期间，有人保存了这个页面",
        "save_on_top": "在版本 {number} 基础上保存",
        "comment_label": "参与讨论",
        "post_comment": "发表评论",
        "open_voting": "开始投票",
        "support": "支持",
        "vote_reason": "理由（可选）",
        "vote": "投票",
        "vote_recorded": "投票已记录。投票结束前可以修改。",
        "support_count": "支持 1",
        "accept": "采纳（官方答复）",
        "answer_label": "官方答复及理由",
        "accepted_status": "已采纳",
        "rules_awaiting": "尚未落实为规则的已采纳策略",
        "create_rule": "创建规则",
        "rule_form_heading": "由已采纳的策略创建规则",
        "implementing_system": "实施系统",
        "timing": "时效",
        "propose_rule": "提出规则",
        "rule_proposed": "规则已提出，下一步由管理者批准。",
        "approve": "批准",
        "start_implementing": "开始实施",
        "go_live": "上线",
        "submit_for_review": "提交评审",
        "retire": "退出",
        "proposed": "已提出",
        "approved": "已批准",
        "implementing": "实施中",
        "live": "已上线",
        "under_review": "评审中",
        "retired": "已退出",
        "rule_is_now": "规则现在是“{status}”。",
        "review_heading": "效果评价",
        "not_evaluated": "尚未评价",
        "evaluate_now": "立即评价",
        "undecided": "待定",
        "undecided_sentence": "待定：数据",
        "verdict_retire": "退出",
        "harmful_clause": "规则使其变差",
    },
    "en": {
        "file_heading": "File an experience report",
        "file_report": "File report",
        "filed": "Report filed. Thank you!",
        "triage_heading": "Triage queue",
        "create_and_merge": "Create issue and merge",
        "merged": "1 report(s) merged into “{title}” (now 1 reports).",
        "dashboard_heading": "Experience dashboard",
        "reports_in_period": "Reports in the period",
        "top_issues": "Top issues",
        "propose_strategy": "Propose a strategy for this issue",
        "create_strategy": "Create strategy",
        "created": "Strategy created. Open it for discussion when it is ready.",
        "open_discussion": "Open for discussion",
        "edit_page": "Edit page",
        "save_page": "Save page",
        "saved_as": "Saved as revision {number}.",
        "conflict_heading": "Someone saved this page while you were editing",
        "save_on_top": "Save on top of revision {number}",
        "comment_label": "Add to the discussion",
        "post_comment": "Post comment",
        "open_voting": "Open voting",
        "support": "Support",
        "vote_reason": "Reason (optional)",
        "vote": "Vote",
        "vote_recorded": "Your vote was recorded. You can change it while voting is open.",
        "support_count": "Support 1",
        "accept": "Accept (official answer)",
        "answer_label": "Official answer, with the reasons",
        "accepted_status": "Accepted",
        "rules_awaiting": "Accepted strategies without a rule",
        "create_rule": "Create rule",
        "rule_form_heading": "Create a rule from an accepted strategy",
        "implementing_system": "Implementing system",
        "timing": "Timing",
        "propose_rule": "Propose rule",
        "rule_proposed": "Rule proposed. A manager approves it next.",
        "approve": "Approve",
        "start_implementing": "Start implementing",
        "go_live": "Go live",
        "submit_for_review": "Submit for review",
        "retire": "Retire",
        "proposed": "Proposed",
        "approved": "Approved",
        "implementing": "Implementing",
        "live": "Live",
        "under_review": "Under review",
        "retired": "Retired",
        "rule_is_now": "The rule is now “{status}”.",
        "review_heading": "Effectiveness review",
        "not_evaluated": "Not evaluated yet",
        "evaluate_now": "Evaluate now",
        "undecided": "Undecided",
        "undecided_sentence": "Undecided: not enough data",
        "verdict_retire": "Retire",
        "harmful_clause": "the rule makes it worse",
    },
}

# The seed's Fetion scenario (PRODUCT.md, "Scenario"), in the words the people would type.
SUMMARY = {"zh-hans": "客户申请飞信号码一直失败，不知道原因", "en": "Fetion number application keeps failing"}
ISSUE_TITLE = {"zh-hans": "飞信号码申请失败，客户不知原因", "en": "Fetion number applications fail silently"}
STRATEGY_TITLE = {
    "zh-hans": "申请失败时告诉客户原因和办法",
    "en": "Tell customers why a Fetion application failed",
}
RULE_NAME = {"zh-hans": "飞信申请失败即时短信提示", "en": "Instant SMS on a failed Fetion application"}


def _messages(page) -> str:
    return page.locator(".messages").inner_text()


def _heading(page) -> str:
    return page.locator("h1").first.inner_text().strip()


def _rule_state(page) -> str:
    return page.locator(".rules-byline .rule-state").inner_text().strip()


def _follow(page, locator) -> None:
    """Click a link or submit button and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()


def _click(page, name: str) -> None:
    # inside the page's main region: in Chinese the header's sign-out button also reads 退出
    _follow(page, page.locator("#main").get_by_role("button", name=name, exact=True))


def _load_metrics_around_go_live(*, rule, product, control_product, truth) -> None:
    """The daily metrics the touchpoint systems would have sent (the nightly import), for the
    rule's product and its control, from the baseline window up to yesterday."""
    from django.utils import timezone

    from cxops.services.metrics import ScopeKey
    from cxops.services.metrics import metric_records_apply
    from rules_lifecycle.demo_evaluation import metric_records_for_series
    from rules_lifecycle.scoring.synthetic import scope_pair

    start = rule.go_live_on - dt.timedelta(days=rule.pre_window_days)
    end = timezone.localdate() - dt.timedelta(days=1)
    treated, control = scope_pair(
        np.random.default_rng(7),
        start=start,
        days=(end - start).days + 1,
        go_live=rule.go_live_on,
        truth=truth,
    )
    for scope_product, series in ((product, treated), (control_product, control)):
        metric_records_apply(
            actor=None, records=metric_records_for_series(ScopeKey(scope_product.pk, None, None), series)
        )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_whole_loop_from_a_report_to_a_retired_rule(
    open_pages, live_server, make_user, reference_data, record_property, language
):
    from django.db.models import F
    from django.utils import timezone

    from cxops.models import ExperienceIssue
    from cxops.models import ExperienceReport
    from proposals.models import Comment
    from proposals.models import Strategy
    from proposals.models import Vote
    from rules_lifecycle.models import ExperienceRule
    from rules_lifecycle.models import RuleEvaluation
    from rules_lifecycle.models import RuleStatus
    from rules_lifecycle.models import RuleTransition
    from rules_lifecycle.scoring.synthetic import Truth
    from rules_lifecycle.services.evaluation import evaluation_run_all

    t = TEXT[language]
    url = live_server.url
    fetion = reference_data["products"]["fetion"]
    mail = reference_data["products"]["mail-139"]
    fetion_name = fetion.name_en if language == "en" else fetion.name_zh
    from cxops.models import HomeRegion
    from cxops.models import Region

    # the hotline agent works in Foshan: the filing form has the city chosen for them
    HomeRegion.objects.create(
        user=make_user("frontline", username="zhangmin"), region=Region.objects.get(code="foshan")
    )
    make_user("frontline", username="liuyang")
    make_user("analyst", username="lijing")
    make_user("product_owner", username="wanglei")
    make_user("manager", username="chenxiao")

    # --- 1. Sense: a hotline agent files a report on a phone, in under 30 seconds ----------------
    agent = open_pages.sign_in("agent", "zhangmin", language=language, width=390)
    agent.goto(f"{url}/sense/")
    assert agent.locator("html").get_attribute("lang") == language
    assert _heading(agent) == t["file_heading"]
    started = time.monotonic()
    agent.fill("input[name=summary]", SUMMARY[language])
    agent.locator("#id_product").locator("xpath=preceding-sibling::input[1]").fill(fetion_name)
    agent.locator("#id_channel").select_option(str(reference_data["channels"]["hotline-10086"].pk))
    agent.locator("input[name=source_type][value=complaint]").check()
    agent.locator("input[name=layer][value=functional]").check()
    agent.locator("input[name=stage][value=use]").check()
    _follow(agent, agent.get_by_role("button", name=t["file_report"], exact=True))
    assert t["filed"] in _messages(agent)
    filing_seconds = time.monotonic() - started
    record_property("filing_seconds", round(filing_seconds, 2))
    assert filing_seconds < FILING_BUDGET_SECONDS
    report = ExperienceReport.objects.get()
    assert (report.summary, report.product_id, report.layer, report.issue_id) == (
        SUMMARY[language],
        fetion.pk,
        "functional",
        None,
    )

    # --- 2. Watch: an analyst merges it into a new issue and sees the issue on the dashboard -----
    analyst = open_pages.sign_in("analyst", "lijing", language=language)
    analyst.goto(f"{url}/sense/triage/")
    assert _heading(analyst) == t["triage_heading"]
    row = analyst.locator("#triage-table tbody tr", has_text=SUMMARY[language])
    row.locator("input[name=reports]").check()
    analyst.fill("#new-issue-title", ISSUE_TITLE[language])
    _click(analyst, t["create_and_merge"])
    assert t["merged"].format(title=ISSUE_TITLE[language]) in _messages(analyst)
    issue = ExperienceIssue.objects.get()
    report.refresh_from_db()
    assert (issue.title, issue.report_count, report.issue_id) == (ISSUE_TITLE[language], 1, issue.pk)

    analyst.goto(f"{url}/dashboard/")
    assert _heading(analyst) == t["dashboard_heading"]
    top = analyst.locator("section[aria-labelledby=top-title]")
    assert analyst.locator(".kpi", has_text=t["reports_in_period"]).locator(".kpi-value").inner_text() == "1"
    assert top.locator("h2").inner_text().strip() == t["top_issues"]
    issue_row = top.locator("tbody tr", has_text=ISSUE_TITLE[language])
    assert issue_row.locator("td.num").inner_text().strip() == "1"
    assert fetion_name in issue_row.inner_text()

    # --- 3. Incubate: the analyst proposes a strategy for the issue --------------------------------
    analyst.goto(f"{url}/sense/issues/{issue.pk}/")
    _follow(analyst, analyst.get_by_role("link", name=t["propose_strategy"]))
    assert analyst.locator(f"input[name=issues][value='{issue.pk}']").is_checked()
    analyst.fill("input[name=title]", STRATEGY_TITLE[language])
    analyst.locator("select[name=product]").select_option("fetion")
    analyst.locator("select[name=layer]").select_option("functional")
    analyst.fill("textarea[name=experience_event]", SUMMARY[language])
    analyst.fill("textarea[name=strategy_text]", "检测失败原因并短信告知解决办法")
    analyst.fill("textarea[name=body]", "## 做法\n\n- 识别失败原因")
    _click(analyst, t["create_strategy"])
    assert t["created"] in _messages(analyst)
    strategy = Strategy.objects.get()
    assert list(strategy.issues.values_list("pk", flat=True)) == [issue.pk]
    _follow(analyst, analyst.get_by_role("link", name=t["open_discussion"], exact=True))
    _click(analyst, t["open_discussion"])
    strategy.refresh_from_db()
    assert strategy.status == "discussion"

    # two members open the page's editor at the same revision, in two browsers
    editor = open_pages.sign_in("editor", "liuyang", language=language)
    for page in (agent, editor):
        page.goto(f"{url}/pool/{strategy.pk}/")
        _follow(page, page.get_by_role("link", name=t["edit_page"], exact=True))
        assert page.locator("input[name=base_revision]").input_value() == "1"
    theirs = "## 做法\n\n- 识别失败原因\n- 短信告知解决办法"
    agent.fill("textarea[name=body]", theirs)
    _click(agent, t["save_page"])
    assert t["saved_as"].format(number=2) in _messages(agent)
    mine = "## 做法\n\n- 识别失败原因\n- 客服回访"
    editor.fill("textarea[name=body]", mine)
    _click(editor, t["save_page"])
    # the second editor is told, sees the first one's change, and still has their own text
    assert _heading(editor) == t["conflict_heading"]
    assert "短信告知解决办法" in editor.locator("section[aria-labelledby=their-h]").inner_text()
    assert editor.locator("textarea[name=body]").input_value() == mine
    strategy.refresh_from_db()
    assert (strategy.current_revision, strategy.body) == (2, theirs)
    merged = "## 做法\n\n- 识别失败原因\n- 短信告知解决办法\n- 客服回访"
    editor.fill("textarea[name=body]", merged)
    _click(editor, t["save_on_top"].format(number=2))
    assert t["saved_as"].format(number=3) in _messages(editor)
    assert editor.locator(".pool-body li").all_inner_texts() == [
        "识别失败原因",
        "短信告知解决办法",
        "客服回访",
    ]

    # and comments on it
    editor.get_by_label(t["comment_label"]).fill("回访可以放到第二阶段")
    _click(editor, t["post_comment"])
    assert editor.locator(".pool-thread .pool-comment-body").inner_text().strip() == "回访可以放到第二阶段"
    assert Comment.objects.get().author.username == "liuyang"

    # the analyst opens voting; the product owner votes; the manager accepts with an answer
    analyst.goto(f"{url}/pool/{strategy.pk}/")
    _follow(analyst, analyst.get_by_role("link", name=t["open_voting"], exact=True))
    _click(analyst, t["open_voting"])
    owner = open_pages.sign_in("owner", "wanglei", language=language)
    owner.goto(f"{url}/pool/{strategy.pk}/")
    owner.get_by_label(t["support"], exact=True).check()
    owner.get_by_label(t["vote_reason"]).fill("投入小，见效快")
    _click(owner, t["vote"])
    assert t["vote_recorded"] in _messages(owner)
    assert t["support_count"] in owner.locator("#votes .pool-tally .pool-support").inner_text()
    assert list(Vote.objects.values_list("voter__username", "choice")) == [("wanglei", "support")]

    manager = open_pages.sign_in("manager", "chenxiao", language=language)
    manager.goto(f"{url}/pool/{strategy.pk}/")
    _follow(manager, manager.get_by_role("link", name=t["accept"], exact=True))
    manager.get_by_label(t["answer_label"]).fill("理由充分，先在广东试点")
    _click(manager, t["accept"])
    assert t["accepted_status"] in manager.locator(".pool-answer h2").inner_text()
    strategy.refresh_from_db()
    assert strategy.status == "accepted"

    # --- 4. Execute: the accepted strategy becomes a rule that goes live -------------------------
    owner.goto(f"{url}/rules/")
    awaiting = owner.locator(".rules-awaiting")
    assert awaiting.locator("h2").inner_text().strip() == t["rules_awaiting"]
    strategy_item = awaiting.locator("li", has_text=STRATEGY_TITLE[language])
    _follow(owner, strategy_item.get_by_role("link", name=t["create_rule"]))
    assert _heading(owner) == t["rule_form_heading"]
    owner.fill("#id_name", RULE_NAME[language])
    owner.get_by_label(t["implementing_system"]).select_option("boss")
    owner.get_by_label(t["timing"]).select_option("instant")
    owner.locator(f"input[name=control_products][value='{mail.pk}']").check()
    _click(owner, t["propose_rule"])
    assert t["rule_proposed"] in _messages(owner)
    rule = ExperienceRule.objects.get()
    assert _rule_state(owner) == t["proposed"]
    assert list(rule.products.all()) == [fetion] and list(rule.control_products.all()) == [mail]

    manager.goto(f"{url}/rules/{rule.pk}/")
    _click(manager, t["approve"])
    assert _rule_state(manager) == t["approved"]
    owner.reload()
    _click(owner, t["start_implementing"])
    assert _rule_state(owner) == t["implementing"]
    _click(owner, t["go_live"])
    assert _rule_state(owner) == t["live"]
    assert t["rule_is_now"].format(status=t["live"]) in _messages(owner)
    rule.refresh_from_db()
    assert (rule.status, rule.go_live_on) == (RuleStatus.LIVE, timezone.localdate())

    # --- 5. Evaluate: on the review page right away, then after ten weeks of data --------------
    manager.goto(f"{url}/evaluation/")
    assert _heading(manager) == t["review_heading"]
    review_row = manager.locator("tbody.eval-rule", has_text=RULE_NAME[language])
    assert review_row.locator(".eval-verdict-cell").inner_text().strip() == t["not_evaluated"]
    # evaluated at once on the day it went live: no data yet, and the page says so, not "no effect"
    _follow(manager, review_row.get_by_role("link", name=RULE_NAME[language]))
    _click(manager, t["evaluate_now"])
    latest = manager.locator("section[aria-labelledby=verdict-h]")
    assert latest.locator(".eval-headline").inner_text().strip().startswith(t["undecided_sentence"])

    # ten weeks pass (the rule went live 70 days ago) and the complaint rate of Fetion rises by
    # 60 % against 139 Mail's; the nightly batch imports the metrics and evaluates every rule
    go_live_on = timezone.localdate() - dt.timedelta(days=70)
    ExperienceRule.objects.filter(pk=rule.pk).update(
        go_live_on=go_live_on, review_due_on=go_live_on + dt.timedelta(days=rule.review_after_days)
    )
    RuleTransition.objects.filter(rule=rule).update(created_at=F("created_at") - dt.timedelta(days=70))
    rule.refresh_from_db()
    _load_metrics_around_go_live(
        rule=rule, product=fetion, control_product=mail, truth=Truth(complaint_rate=0.60)
    )
    evaluation_run_all()
    evaluation = RuleEvaluation.objects.filter(rule=rule).latest("id")
    assert (evaluation.verdict, evaluation.reason) == ("retire", "harmful")

    manager.goto(f"{url}/evaluation/")
    review_row = manager.locator("tbody.eval-rule", has_text=RULE_NAME[language])
    assert review_row.locator(".eval-verdict").inner_text().strip() == t["verdict_retire"]
    assert t["harmful_clause"] in review_row.locator(".eval-headline-small").inner_text()
    assert review_row.locator("tr").count() == 3  # one row per measure

    # --- 6. The manager sends it to review and retires it, with a reason ------------------------
    manager.goto(f"{url}/rules/{rule.pk}/")
    _click(manager, t["submit_for_review"])
    assert _rule_state(manager) == t["under_review"]
    manager.goto(f"{url}/evaluation/rules/{rule.pk}/")
    manager.fill("#id_reason", "投诉率上升约60%，立即下线")
    _click(manager, t["retire"])
    assert t["rule_is_now"].format(status=t["retired"]) in _messages(manager)
    rule.refresh_from_db()
    assert (rule.status, rule.retired_on) == (RuleStatus.RETIRED, timezone.localdate())
    assert list(
        rule.transitions.order_by("id").values_list("from_status", "to_status", "actor__username")
    ) == [
        ("proposed", "approved", "chenxiao"),
        ("approved", "implementing", "wanglei"),
        ("implementing", "live", "wanglei"),
        ("live", "under_review", "chenxiao"),
        ("under_review", "retired", "chenxiao"),
    ]
    manager.goto(f"{url}/rules/")
    retired = manager.locator("#state-retired")
    assert RULE_NAME[language] in retired.inner_text()
    _follow(manager, retired.get_by_role("link", name=RULE_NAME[language]))
    assert _rule_state(manager) == t["retired"]
    assert re.search(
        rf"{t['under_review']} → {t['retired']}\s+投诉率上升约60%",
        manager.locator(".rules-timeline").inner_text(),
    )
