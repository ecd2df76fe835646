"""Demo rules in every state, from the seed strategies, with two years of transition history.

The recent rules come from the pool's accepted seed strategies (proposals/demo.py: 港澳一卡多号,
飞信 download guide, 飞信 application failures).  Older rules need strategies accepted long ago, so
this loader adds a few more accepted strategies through the pool's own services under a fake clock
(discussion, votes and the manager's official answer included).  Every rule is created and moved
through the services with backdated times (`created_at`, `occurred_at`), so its page, timeline and
audit trail are real.  Go-live dates are spread over the two years of demo metric data, and scopes
use the scopes that data has (product totals; the hotline, app and store channels; the high-value
and new-subscriber segments), so the evaluation has something to work on.

Idempotent: a rule whose name exists is left alone.  At the end, the evaluation demo
(`rules_lifecycle.demo_evaluation`) runs if it is installed.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from unittest import mock

from django.db import transaction
from django.utils import timezone

from cxops.models import Channel
from cxops.models import ExperienceIssue
from cxops.models import Product
from cxops.models import Region
from cxops.models import Segment
from proposals.models import Strategy
from proposals.models import StrategyStatus
from proposals.services.discussion import comment_create
from proposals.services.strategies import StrategyContent
from proposals.services.strategies import strategy_create
from proposals.services.transitions import strategy_transition
from proposals.services.votes import vote_cast
from rules_lifecycle import demo_evaluation
from rules_lifecycle.models import ExperienceRule
from rules_lifecycle.services.rules import rule_create_from_strategy
from rules_lifecycle.transitions import rule_transition


@contextmanager
def _clock(moment: dt.datetime):
    """The pool's services stamp their rows with timezone.now(); this backdates them."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@dataclass
class OldStrategy:
    """A strategy accepted long ago (the pool's seed strategies are all recent)."""

    title: str
    product: str
    layer: str
    event: str
    strategy: str
    body: str
    days_ago: int  # when the page was opened; accepted three weeks later
    votes: list[tuple[str, str, str]]
    answer: str
    issue_words: list[str]  # the demo issues it is about, found by words in their titles
    comments: list[tuple[str, str]] = field(default_factory=list)


OLD_STRATEGIES = [
    OldStrategy(
        title="网上营业厅首页常用功能入口前置",
        product="web-hall",
        layer="convenience",
        event="客户登录网上营业厅后找不到话费查询、流量查询、缴费等常用功能，点击多次后退出。",
        strategy="根据点击数据把使用最多的五项功能放到首页首屏，并提供搜索框。",
        body="## 数据\n\n点击流分析显示，68% 的会话在三次点击内退出，其中一半在寻找“话费查询”。\n\n## 方案\n\n首页首屏放五个常用功能入口。",
        days_ago=730,
        votes=[
            ("owner", "support", "改动小，见效快。"),
            ("owner2", "support", ""),
            ("owner3", "support", ""),
        ],
        answer="同意。由网厅产品经理负责，上线后以网厅活跃度为主要指标评价。",
        issue_words=["导航"],
        comments=[
            ("frontline", "营业厅每天都有客户来问网厅怎么查话费，这个改了能减轻柜台压力。"),
            ("analyst2", "建议同时看跳出率，防止首页太拥挤。"),
        ],
    ),
    OldStrategy(
        title="139邮箱疑似垃圾邮件时提示一键开启拦截",
        product="mail-139",
        layer="functional",
        event="客户收到大量垃圾邮件，拦截设置藏在三级菜单里找不到，只好打10086投诉。",
        strategy="客户首次收到疑似垃圾邮件时，在邮件顶部提示并提供一键开启拦截。",
        body="## 现状\n\n139邮箱相关投诉中约四成与垃圾邮件有关，客户普遍不知道有拦截设置。\n\n## 方案\n\n识别疑似垃圾邮件后在邮件顶部提示，一键开启拦截。",
        days_ago=700,
        votes=[("owner", "support", ""), ("owner2", "support", "投诉大头，必须做。")],
        answer="同意实施，以投诉率为主要评价指标；提示文案请客服中心一起把关。",
        issue_words=["垃圾邮件"],
        comments=[("agent2", "客户经常问“垃圾邮件怎么屏蔽”，其实设置早就有，只是找不到。")],
    ),
    OldStrategy(
        title="高流量用户流量用到八成时短信提醒",
        product="mobile-data",
        layer="functional",
        event="高流量用户月底超出套餐流量，收到高额账单后投诉“没有提醒”。",
        strategy="套餐内流量用到 80% 时短信提醒，并附流量包订购方式。",
        body="## 方案\n\n由 CMP 每日批量判断用量，到 80% 时发送提醒短信。",
        days_ago=720,
        votes=[("owner", "support", ""), ("owner3", "support", "账单投诉的主要来源。")],
        answer="同意。先面向高流量用户，由 CMP 每日批量下发。",
        issue_words=["流量超额"],
    ),
    OldStrategy(
        title="彩铃开通后首周推送设置和退订指引",
        product="ringback-tone",
        layer="convenience",
        event="客户开通彩铃后不会设置个性铃音，也不知道如何取消、怎么扣费，一段时间后投诉退订。",
        strategy="开通后第 1 天和第 5 天推送图文设置指引、资费说明和退订方式。",
        body="## 方案\n\n开通后推送两次图文指引。",
        days_ago=560,
        votes=[
            ("owner2", "support", ""),
            ("owner3", "oppose", "短信打扰可能引起反感。"),
            ("owner", "support", ""),
        ],
        answer="同意试行，请关注短信打扰类投诉，作为护栏指标。",
        issue_words=["彩铃"],
    ),
    OldStrategy(
        title="港澳漫游客户入境欢迎短信附资费说明",
        product="hk-macau-multi-number",
        layer="functional",
        event="客户到香港后不清楚漫游资费，回来收到账单才发现费用高。",
        strategy="客户入境香港时即时发送欢迎短信，说明漫游资费和一卡多号办理方式。",
        body="## 方案\n\n漫游登记时由 BOSS 即时触发欢迎短信。",
        days_ago=460,
        votes=[("owner", "support", ""), ("owner2", "support", "")],
        answer="同意，由 BOSS 即时触发。短信内容上线前请法务审核。",
        issue_words=["一卡多号"],
    ),
    OldStrategy(
        title="彩信发送失败自动重发并提示客户",
        product="mms",
        layer="functional",
        event="客户不会发彩信，发送失败也不知道原因，对方没收到，客户投诉“彩信丢失”。",
        strategy="发送失败时网络侧自动重发一次，仍失败则短信告知原因和正确的发送方法。",
        body="## 方案\n\n网络侧重发一次；仍失败则短信告知原因（对方关机、号码不支持彩信等）。",
        days_ago=280,
        votes=[("owner3", "support", ""), ("owner", "support", "")],
        answer="同意实施，以彩信投诉率为主要指标。",
        issue_words=["彩信"],
    ),
    OldStrategy(
        title="月度账单附最优套餐建议",
        product="tariffs",
        layer="emotional",
        event="客户多年使用同一套餐，实际用量早已变化，却不知道有更合适的套餐。",
        strategy="在月度电子账单中附上根据近三个月用量测算的最优套餐建议。",
        body="## 方案\n\n由 CMP 每月出账后测算并在电子账单中附建议。",
        days_ago=240,
        votes=[("owner", "support", "替客户省钱，满意度会提升。"), ("owner2", "oppose", "担心 ARPU 下降。")],
        answer="同意先在电子账单中试行，以满意度为主要指标，同时关注收入影响。",
        issue_words=["套餐不是最优"],
    ),
    OldStrategy(
        title="欠费停机前三天提醒缴费",
        product="tariffs",
        layer="functional",
        event="客户欠费被停机后才知道，影响使用，投诉“没有提前通知”。",
        strategy="预计停机前三天短信提醒，并附缴费方式。",
        body="## 方案\n\nCMP 每日批量判断，停机前三天提醒。",
        days_ago=200,
        votes=[("owner", "support", ""), ("owner3", "support", "")],
        answer="同意，以停机相关投诉率为主要指标。",
        issue_words=[],
    ),
    OldStrategy(
        title="营业厅新入网客户可视电话演示短信",
        product="video-call",
        layer="functional",
        event="新入网客户不知道可视电话，知晓率很低。",
        strategy="新入网客户开户当天发送可视电话演示视频链接。",
        body="## 方案\n\n开户当天推送演示短信。",
        days_ago=330,
        votes=[("owner2", "support", "")],
        answer="同意作为提升知晓率的尝试，规则细节由产品经理提出。",
        issue_words=["可视电话"],
    ),
]


@dataclass
class RulePlan:
    name: str
    strategy: str  # title of an accepted strategy
    owner: str
    created_days_ago: int
    trigger_event: str
    trigger_condition: str
    trigger_action: str
    implementing_system: str
    timing: str
    products: list[str]
    channels: list[str] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    control_products: list[str] = field(default_factory=list)
    control_channels: list[str] = field(default_factory=list)
    control_segments: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)  # a pilot's cities (issue 17)
    control_regions: list[str] = field(default_factory=list)
    trigger_notes: str = ""
    # (days ago, to_status, username, reason)
    moves: list[tuple[int, str, str, str]] = field(default_factory=list)


RULES = [
    # --- from the pool's seed strategies (recent) -------------------------------------------------
    RulePlan(
        name="入境香港客户推送一卡多号介绍短信",
        strategy="在广九直通车候车室推广港澳一卡多号",
        owner="owner",
        created_days_ago=40,
        trigger_event="客户手机在香港登记漫游",
        trigger_condition="客户未办理港澳一卡多号，且近一年入境香港 2 次以上",
        trigger_action="发送一卡多号介绍短信，附最近的口岸办理点和所需材料",
        implementing_system="cmp",
        timing="non_instant",
        products=["hk-macau-multi-number"],
        control_products=["video-call"],
        moves=[
            (36, "approved", "manager", "与已采纳策略一致，先做短信渠道。"),
            (33, "implementing", "owner", ""),
            (20, "live", "owner", "CMP 规则已配置，首批发送 1.2 万条。"),
        ],
    ),
    RulePlan(
        name="10086飞信咨询后自动下发下载指引短信",
        strategy="飞信咨询客户自动下发下载链接和使用指引",
        owner="owner2",
        created_days_ago=25,
        trigger_event="坐席在 CRM 中把来电标记为“飞信咨询”",
        trigger_condition="客户尚未登录过飞信",
        trigger_action="通话结束时即时下发短信：下载链接和图文使用指引",
        implementing_system="end_to_end",
        timing="instant",
        products=["fetion"],
        channels=["hotline-10086"],
        control_channels=["store"],
        trigger_notes="短信模板需区分安卓和苹果手机的下载地址。",
        moves=[
            (22, "approved", "manager", ""),
            (12, "implementing", "owner2", "全程系统排期本月开发。"),
        ],
    ),
    RulePlan(
        name="飞信申请失败即时提示原因和解决办法",
        strategy="飞信号码申请失败时识别原因并告知解决办法",
        owner="owner",
        created_days_ago=15,
        trigger_event="客户申请飞信号码失败",
        trigger_condition="失败原因为号码状态异常、未开通短信功能或重复申请",
        trigger_action="在申请页面和短信中即时说明失败原因和对应的解决步骤",
        implementing_system="boss",
        timing="instant",
        products=["fetion"],
        moves=[(9, "approved", "manager", "先覆盖三类最常见的失败原因。")],
    ),
    RulePlan(
        name="飞信申请失败次日回访短信",
        strategy="飞信号码申请失败时识别原因并告知解决办法",
        owner="owner3",
        created_days_ago=4,
        trigger_event="客户前一天申请飞信号码失败且未再次成功申请",
        trigger_condition="客户未拨打 10086 咨询飞信",
        trigger_action="次日发送回访短信，附一键重新申请链接",
        implementing_system="cmp",
        timing="non_instant",
        products=["fetion"],
        segments=["new-subscriber"],
        control_segments=["high-value"],
    ),
    # --- from older accepted strategies ---------------------------------------------------------
    RulePlan(
        name="网厅首页首屏展示五项常用功能",
        strategy="网上营业厅首页常用功能入口前置",
        owner="owner",
        created_days_ago=700,
        trigger_event="客户打开网上营业厅首页",
        trigger_condition="所有客户",
        trigger_action="首屏展示话费查询、流量查询、缴费、套餐变更、账单五个入口和搜索框",
        implementing_system="web_app",
        timing="instant",
        products=["web-hall"],
        control_products=["mail-139"],
        moves=[
            (695, "approved", "manager", ""),
            (690, "implementing", "owner", ""),
            (665, "live", "owner", "首页改版上线。"),
            (572, "under_review", "manager", "上线满 90 天，进入评审。"),
            (565, "kept", "manager", "活跃度提升约 8%，投诉和满意度无恶化，保留。"),
            (200, "under_review", "owner", "年度复审。"),
            (190, "kept", "manager", "效果稳定，继续保留。"),
        ],
    ),
    RulePlan(
        name="139邮箱疑似垃圾邮件一键拦截提示",
        strategy="139邮箱疑似垃圾邮件时提示一键开启拦截",
        owner="owner2",
        created_days_ago=670,
        trigger_event="客户打开一封被识别为疑似垃圾的邮件",
        trigger_condition="客户尚未开启垃圾邮件拦截",
        trigger_action="在邮件顶部即时提示“开启拦截”，一键开启",
        implementing_system="product_platform",
        timing="instant",
        products=["mail-139"],
        channels=["app"],
        control_channels=["store"],
        moves=[
            (665, "approved", "manager", ""),
            (660, "implementing", "owner2", ""),
            (630, "live", "owner2", ""),
            (535, "under_review", "manager", ""),
            (
                528,
                "implementing",
                "manager",
                "投诉率下降不明显：提示太小，客户看不到，请改为醒目的横幅并说明拦截效果。",
            ),
            (480, "live", "owner2", "提示已改为横幅，文案按客服中心意见改写。"),
            (385, "under_review", "owner2", ""),
            (378, "kept", "manager", "第二版上线后垃圾邮件类投诉率下降约 15%，保留。"),
        ],
    ),
    RulePlan(
        name="高流量用户流量达80%短信提醒",
        strategy="高流量用户流量用到八成时短信提醒",
        owner="owner3",
        created_days_ago=690,
        trigger_event="CMP 每日批量计算套餐内流量使用比例",
        trigger_condition="高流量用户，当月使用达到 80%，本月尚未提醒",
        trigger_action="发送提醒短信，附流量包订购指令",
        implementing_system="cmp",
        timing="non_instant",
        products=["mobile-data"],
        segments=["high-value"],
        control_segments=["new-subscriber"],
        moves=[
            (686, "approved", "manager", ""),
            (680, "implementing", "owner3", ""),
            (650, "live", "owner3", ""),
            (555, "under_review", "manager", ""),
            (548, "kept", "manager", "账单类投诉率下降约 11%，保留。"),
            (120, "retired", "manager", "已被“流量超额实时提醒”规则取代，本规则下线。"),
        ],
    ),
    RulePlan(
        name="彩铃开通后首周推送设置指引",
        strategy="彩铃开通后首周推送设置和退订指引",
        owner="owner2",
        created_days_ago=530,
        trigger_event="客户开通彩铃",
        trigger_condition="开通后第 1 天和第 5 天，客户仍使用默认铃音",
        trigger_action="推送图文设置指引、资费说明和退订方式",
        implementing_system="cmp",
        timing="non_instant",
        products=["ringback-tone"],
        control_products=["mms"],
        moves=[
            (526, "approved", "manager", ""),
            (520, "implementing", "owner2", ""),
            (500, "live", "owner2", ""),
            (405, "under_review", "manager", ""),
            (398, "retired", "manager", "活跃度没有可测的提升，短信打扰类投诉有所增加，下线。"),
        ],
    ),
    RulePlan(
        name="入境香港即时欢迎短信附漫游资费",
        strategy="港澳漫游客户入境欢迎短信附资费说明",
        owner="owner",
        created_days_ago=435,
        trigger_event="客户在香港登记漫游",
        trigger_condition="所有漫游客户",
        trigger_action="即时发送欢迎短信，说明漫游资费和一卡多号办理方式",
        implementing_system="boss",
        timing="instant",
        products=["hk-macau-multi-number"],
        moves=[
            (432, "approved", "manager", ""),
            (428, "implementing", "owner", ""),
            (410, "live", "owner", ""),
            (404, "retired", "manager", "短信中的资费写错，导致大量咨询和投诉，立即下线。"),
        ],
    ),
    RulePlan(
        name="彩信发送失败自动重发并短信告知",
        strategy="彩信发送失败自动重发并提示客户",
        owner="owner3",
        created_days_ago=255,
        trigger_event="彩信发送失败",
        trigger_condition="失败原因不是对方号码不存在",
        trigger_action="网络侧自动重发一次；仍失败则即时短信告知原因",
        implementing_system="boss",
        timing="instant",
        products=["mms"],
        control_products=["ringback-tone"],
        moves=[
            (250, "approved", "manager", ""),
            (245, "implementing", "owner3", ""),
            (215, "live", "owner3", ""),
        ],
    ),
    RulePlan(
        name="月度电子账单附最优套餐建议",
        strategy="月度账单附最优套餐建议",
        owner="owner",
        created_days_ago=220,
        trigger_event="每月出账",
        trigger_condition="按近三个月用量测算，换套餐每月可省 10 元以上",
        trigger_action="在电子账单中附最优套餐建议和一键变更入口",
        implementing_system="cmp",
        timing="non_instant",
        products=["tariffs"],
        channels=["app"],
        control_channels=["hotline-10086"],
        moves=[
            (216, "approved", "manager", ""),
            (210, "implementing", "owner", ""),
            (150, "live", "owner", ""),
            (45, "under_review", "manager", "上线已满 90 天。"),
        ],
    ),
    # A pilot in one city, measured against the other twenty (issue 17): the textbook design.
    RulePlan(
        name="佛山试点：欠费停机前三天微信营业厅提醒缴费",
        strategy="欠费停机前三天提醒缴费",
        owner="owner",
        created_days_ago=200,
        trigger_event="BOSS 每日预测三天内将欠费停机的客户",
        trigger_condition="佛山市客户，已绑定微信营业厅，本月尚未提醒",
        trigger_action="微信营业厅推送欠费提醒和一键缴费入口",
        implementing_system="cmp",
        timing="non_instant",
        products=["tariffs"],
        channels=["wechat"],
        regions=["foshan"],
        control_regions=[
            "guangzhou",
            "shenzhen",
            "zhuhai",
            "shantou",
            "shaoguan",
            "zhanjiang",
            "zhaoqing",
            "jiangmen",
            "maoming",
            "huizhou",
            "meizhou",
            "shanwei",
            "heyuan",
            "yangjiang",
            "qingyuan",
            "dongguan",
            "zhongshan",
            "chaozhou",
            "jieyang",
            "yunfu",
        ],  # fmt: skip
        trigger_notes="先在佛山分公司试点；其余 20 个地市不推送，作为对照。",
        moves=[
            (196, "approved", "manager", "先在佛山试点，其余 20 个地市作对照，效果明确后再全省推广。"),
            (190, "implementing", "owner", ""),
            (150, "live", "owner", "佛山分公司微信营业厅已上线推送。"),
        ],
    ),
    RulePlan(
        name="欠费停机前三天短信提醒",
        strategy="欠费停机前三天提醒缴费",
        owner="owner3",
        created_days_ago=180,
        trigger_event="CMP 每日预测客户余额",
        trigger_condition="预计三天内因欠费停机",
        trigger_action="发送缴费提醒短信，附缴费方式",
        implementing_system="cmp",
        timing="non_instant",
        products=["tariffs"],
        segments=["high-value"],
        control_segments=["new-subscriber"],
        moves=[
            (176, "approved", "manager", ""),
            (170, "implementing", "owner3", ""),
            (95, "live", "owner3", ""),
        ],
    ),
    RulePlan(
        name="新入网客户开户当天推送可视电话演示",
        strategy="营业厅新入网客户可视电话演示短信",
        owner="owner2",
        created_days_ago=300,
        trigger_event="客户在营业厅开户",
        trigger_condition="所有新入网客户",
        trigger_action="当天推送可视电话演示视频链接",
        implementing_system="cmp",
        timing="non_instant",
        products=["video-call"],
        channels=["store"],
        moves=[
            (
                296,
                "rejected",
                "manager",
                "与营业厅体验区策略重复，且开户当天短信过多，客户容易忽略。请与体验区方案合并考虑。",
            ),
        ],
    ),
]


def _at(days_ago: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _old_strategy(plan: OldStrategy, users: dict[str, Any]) -> Strategy | None:
    existing = Strategy.objects.filter(title=plan.title).first()
    if existing is not None:
        return existing
    product = Product.objects.filter(code=plan.product).first()
    if product is None:
        return None
    opened = _at(plan.days_ago, 9, 30)
    issues = list(
        ExperienceIssue.objects.filter(product=product, first_reported_at__lt=opened).order_by(
            "first_reported_at"
        )[:2]
    ) or list(ExperienceIssue.objects.filter(product=product).order_by("first_reported_at")[:1])
    content = StrategyContent(
        title=plan.title,
        product=product,
        layer=plan.layer,
        experience_event=plan.event,
        strategy_text=plan.strategy,
        body=plan.body,
        issues=issues,
    )
    with _clock(opened):
        strategy = strategy_create(actor=users["analyst"], content=content, summary="创建")
    with _clock(opened + dt.timedelta(days=1)):
        strategy = strategy_transition(strategy=strategy, to_status="discussion", actor=users["analyst"])
    for index, (username, text) in enumerate(plan.comments, start=2):
        with _clock(opened + dt.timedelta(days=index, hours=3)):
            comment_create(strategy=strategy, actor=users[username], body=text)
    with _clock(opened + dt.timedelta(days=10)):
        strategy = strategy_transition(strategy=strategy, to_status="voting", actor=users["analyst"])
    for index, (username, choice, reason) in enumerate(plan.votes, start=11):
        with _clock(opened + dt.timedelta(days=index, hours=2)):
            vote_cast(strategy=strategy, actor=users[username], choice=choice, reason=reason)
    with _clock(opened + dt.timedelta(days=21)):
        strategy = strategy_transition(
            strategy=strategy, to_status="accepted", actor=users["manager"], reason=plan.answer
        )
    return strategy


def _codes(model: Any, codes: list[str]) -> list[Any]:
    return list(model.objects.filter(code__in=codes))


def _rule(plan: RulePlan, users: dict[str, Any]) -> ExperienceRule | None:
    strategy = Strategy.objects.filter(title=plan.strategy, status=StrategyStatus.ACCEPTED).first()
    if strategy is None:
        return None
    created = _at(plan.created_days_ago, 14, 0)
    # A rule comes after its strategy's official answer.  The pool's seed strategies were answered
    # only days ago, so a plan written against a longer story is compressed into the time since.
    scale = 1.0
    if strategy.official_answer_at and created <= strategy.official_answer_at:
        created = strategy.official_answer_at + dt.timedelta(hours=2)
        scale = max((timezone.now() - created).total_seconds() / 86400 - 1, 0) / plan.created_days_ago
    rule = rule_create_from_strategy(
        strategy=strategy,
        actor=users[plan.owner],
        owner=users[plan.owner],
        name=plan.name,
        trigger_event=plan.trigger_event,
        trigger_condition=plan.trigger_condition,
        trigger_action=plan.trigger_action,
        trigger_notes=plan.trigger_notes,
        implementing_system=plan.implementing_system,
        timing=plan.timing,
        products=_codes(Product, plan.products),
        channels=_codes(Channel, plan.channels),
        segments=_codes(Segment, plan.segments),
        control_products=_codes(Product, plan.control_products),
        control_channels=_codes(Channel, plan.control_channels),
        control_segments=_codes(Segment, plan.control_segments),
        regions=_codes(Region, plan.regions),
        control_regions=_codes(Region, plan.control_regions),
        created_at=created,
    )
    for step, (days_ago, to_status, username, reason) in enumerate(plan.moves, start=1):
        if scale == 1.0:
            at = _at(days_ago, 10, 0)
        else:
            moment = timezone.localtime(
                created + dt.timedelta(days=(plan.created_days_ago - days_ago) * scale)
            )
            at = moment.replace(hour=10, minute=0) + dt.timedelta(minutes=7 * step)  # office hours
        at = max(at, created + dt.timedelta(hours=step))
        rule_transition(rule=rule, to_status=to_status, actor=users[username], reason=reason, occurred_at=at)
    return rule


def load(*, users: dict[str, Any], log: Any) -> None:
    strategies = 0
    for old in OLD_STRATEGIES:
        with transaction.atomic():
            if not Strategy.objects.filter(title=old.title).exists() and _old_strategy(old, users):
                strategies += 1
    existing = set(
        ExperienceRule.objects.filter(name__in=[p.name for p in RULES]).values_list("name", flat=True)
    )
    created = 0
    for plan in RULES:
        if plan.name in existing:
            continue
        with transaction.atomic():  # a rule is loaded with its whole history or not at all
            if _rule(plan, users) is not None:
                created += 1
    log(
        f"rules: {strategies} older strategies added, {created} rules created, {ExperienceRule.objects.count()} in all"
    )
    demo_evaluation.load(users=users, log=log)
