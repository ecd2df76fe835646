"""Demo strategies: the five seed scenarios of PRODUCT.md and more, in every state.

Built through the services (so revisions, tallies, timelines and notifications are real) under a
fake clock, so the history reads like weeks of work.  Idempotent: a strategy whose title exists is
left alone.
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

from cxops.models import ExperienceIssue
from cxops.models import Product

from .models import Comment
from .models import Strategy
from .services.discussion import comment_create
from .services.discussion import comment_edit
from .services.discussion import comment_hide
from .services.strategies import StrategyContent
from .services.strategies import current_content
from .services.strategies import strategy_create
from .services.strategies import strategy_update
from .services.transitions import strategy_transition
from .services.votes import vote_cast


@contextmanager
def _clock(moment: dt.datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@dataclass
class Plan:
    title: str
    product: str
    layer: str
    event: str
    strategy: str
    body: str
    tags: list[str]
    issue_words: list[str]
    days_ago: int
    author: str = "analyst"
    # ("edit", user, {field: new value} or callable(body)->body, summary) | ("comment", user, text, reply_to_index)
    # | ("status", user, to_status, reason) | ("vote", user, choice, reason) | ("hide", user, comment_index, reason)
    # | ("edit_comment", user, comment_index, new text)
    steps: list[tuple] = field(default_factory=list)


def _plans() -> list[Plan]:
    return [
        Plan(
            title="在广九直通车候车室推广港澳一卡多号",
            product="hk-macau-multi-number",
            layer="functional",
            event="往返粤港澳的客户不知道有“一卡多号”产品，到了香港仍用漫游，话费高、投诉多。",
            strategy="在目标客户等候的地方宣传：广九直通车候车室、口岸候车区投放海报和现场办理点。",
            body=(
                "## 背景\n\n广州东站广九直通车每天发送旅客约 1.2 万人次，其中大部分是往返两地的商务和探亲客户，"
                "正是港澳一卡多号的目标客户。10086 热线记录显示，漫游话费投诉中有相当比例的客户表示"
                "“不知道有更便宜的办法”。\n\n## 做法\n\n1. 候车室设置宣传展架和二维码\n2. 周五、周日高峰安排"
                "营业员现场办理\n3. 上车前发送欢迎短信，附一卡多号介绍\n\n## 衡量\n\n- 产品知晓率（调研）\n"
                "- 候车室点位办理量\n- 漫游话费投诉量"
            ),
            tags=["漫游", "宣传", "跨境"],
            issue_words=["港澳", "漫游"],
            days_ago=75,
            steps=[
                (
                    "comment",
                    "agent2",
                    "我在东站营业厅值班时，常有客户问香港怎么用卡更便宜，这个点位非常合适。",
                    None,
                ),
                (
                    "edit",
                    "agent3",
                    {
                        "body": lambda b: b.replace(
                            "3. 上车前发送欢迎短信，附一卡多号介绍",
                            "3. 上车前发送欢迎短信，附一卡多号介绍和办理网点\n4. 深圳罗湖、福田口岸同步试点",
                        )
                    },
                    "补充口岸试点",
                ),
                ("status", "analyst", "discussion", ""),
                (
                    "comment",
                    "owner",
                    "@agent2 现场办理需要带身份证和港澳通行证吗？如果要，宣传物料上一定写清楚。",
                    None,
                ),
                ("comment", "agent2", "需要，两证都要。我建议海报上直接列出“办理所需材料”。", 1),
                (
                    "edit",
                    "analyst",
                    {
                        "strategy_text": "在目标客户等候的地方宣传：广九直通车候车室、罗湖和福田口岸投放海报，设现场办理点，并写明办理所需材料。"
                    },
                    "根据讨论补充口岸和办理材料",
                ),
                ("status", "analyst", "voting", ""),
                ("vote", "owner", "support", "目标客户集中，投入小。"),
                ("vote", "owner2", "support", ""),
                ("vote", "owner3", "oppose", "口岸场地费用较高，建议先做候车室。"),
                ("vote", "owner3", "support", "了解到场地可以和车站置换，改为支持。"),
                (
                    "status",
                    "manager",
                    "accepted",
                    "同意实施。先在广州东站候车室和罗湖口岸试点三个月，以产品知晓率和漫游投诉量为评价指标；由产品部牵头，渠道部配合。",
                ),
            ],
        ),
        Plan(
            title="飞信咨询客户自动下发下载链接和使用指引",
            product="fetion",
            layer="functional",
            event="大量客户致电 10086 询问飞信是什么、怎么下载、怎么登录。",
            strategy="客户咨询飞信后，自动发送短信或邮件，附下载链接和图文使用指引。",
            body=(
                "## 现状\n\n上月 10086 飞信相关咨询约 3.8 万次，其中“怎么下载”“怎么登录”两类占 62%。"
                "坐席口头说明链接，客户很难记住。\n\n## 方案\n\n- 坐席在 CRM 中点选“飞信下载指引”，系统下发短信\n"
                "- 短信包含 WAP 下载链接和 3 步使用说明\n- 有 139 邮箱的客户同时发送图文邮件\n\n"
                "## 预期\n\n重复咨询下降，首次登录成功率上升。"
            ),
            tags=["10086", "短信", "下载"],
            issue_words=["飞信", "下载"],
            days_ago=60,
            steps=[
                ("status", "analyst", "discussion", ""),
                ("comment", "frontline", "坐席这边很需要！现在每通电话都要念一遍网址，客户经常记错。", None),
                ("comment", "analyst2", "建议短信里不要放太长的链接，用短链接，避免被识别为垃圾短信。", None),
                (
                    "edit",
                    "analyst2",
                    {
                        "body": lambda b: b.replace(
                            "- 短信包含 WAP 下载链接和 3 步使用说明",
                            "- 短信包含 WAP 短链接和 3 步使用说明（短链接避免被拦截）",
                        )
                    },
                    "改为短链接",
                ),
                ("comment", "owner2", "同意。另外能否在客户同意的前提下自动发送，不需要坐席点选？", None),
                (
                    "comment",
                    "analyst",
                    "@owner2 自动发送需要识别咨询意图，第一期先由坐席点选，二期接入语音识别。",
                    2,
                ),
                ("status", "analyst", "voting", ""),
                ("vote", "owner", "support", ""),
                ("vote", "owner2", "support", "第一期够用。"),
                ("vote", "owner3", "support", ""),
                (
                    "status",
                    "manager",
                    "accepted",
                    "通过。由业务支撑系统实现坐席一键下发，即时生效；两个月后评价飞信重复咨询率和首次登录成功率。",
                ),
            ],
        ),
        Plan(
            title="飞信号码申请失败时识别原因并告知解决办法",
            product="fetion",
            layer="functional",
            event="客户申请飞信号码失败，只看到“申请失败”，不知道原因，只能打 10086。",
            strategy="系统识别申请失败的具体原因（停机、欠费、未开通短信、已注册），通过短信告诉客户怎么解决。",
            body=(
                "## 失败原因分布（近 30 天）\n\n| 原因 | 占比 |\n|---|---|\n| 号码欠费停机 | 34% |\n"
                "| 未开通短信功能 | 27% |\n| 已注册过飞信 | 21% |\n| 其他 | 18% |\n\n"
                "## 方案\n\n申请接口返回错误码后，由全程系统匹配原因模板并下发短信。"
            ),
            tags=["飞信", "失败提示"],
            issue_words=["飞信", "申请"],
            days_ago=50,
            steps=[
                (
                    "comment",
                    "agent3",
                    "“已注册过飞信”的客户最多，他们往往是换了手机忘了密码，短信里最好附上找回密码的方法。",
                    None,
                ),
                (
                    "edit",
                    "agent3",
                    {"body": lambda b: b + "\n\n## 补充\n\n已注册客户的短信附上找回密码方法。"},
                    "补充找回密码",
                ),
                ("status", "analyst", "discussion", ""),
                ("comment", "owner", "错误码需要平台侧配合改造，我来对接飞信平台。", None),
                ("status", "analyst", "voting", ""),
                ("vote", "owner", "support", "平台侧已确认可行。"),
                ("vote", "owner2", "support", ""),
                (
                    "status",
                    "manager",
                    "accepted",
                    "通过。由全程系统按错误码下发原因和解决办法，即时性规则；评价指标为飞信申请相关投诉率。",
                ),
            ],
        ),
        Plan(
            title="分析网上营业厅点击数据优化导航",
            product="web-hall",
            layer="convenience",
            event="客户在网上营业厅找不到要办的业务，反复点击后放弃，转打 10086。",
            strategy="分析点击流（停留、跳转、办理、退出节点），找出迷路最多的路径，重新设计导航。",
            body=(
                "## 数据\n\n需要埋点数据：页面停留时长、跳转路径、办理完成节点、退出节点。\n\n"
                "## 初步发现\n\n- “套餐变更”入口藏在三级菜单下，退出率 48%\n- 首页搜索框搜“流量”时结果排序不合理\n\n"
                "## 步骤\n\n1. 补齐埋点\n2. 每月出导航体验报告\n3. 改版后做 A/B 对比"
            ),
            tags=["网厅", "导航", "点击流"],
            issue_words=["网上营业厅", "找不到"],
            days_ago=30,
            steps=[
                ("status", "analyst", "discussion", ""),
                ("comment", "agent2", "很多老年客户根本找不到“话费查询”，建议首页放大常用功能。", None),
                ("comment", "owner3", "A/B 对比要有足够样本，建议至少跑两周。", None),
                (
                    "edit",
                    "owner3",
                    {
                        "body": lambda b: b.replace(
                            "3. 改版后做 A/B 对比", "3. 改版后做 A/B 对比（至少两周，按渠道分流）"
                        )
                    },
                    "补充 A/B 对比要求",
                ),
                ("comment", "frontline", "这个和我们营业厅的自助终端界面问题很像，可以一起看。", None),
                ("status", "analyst", "voting", ""),
                ("vote", "owner", "support", ""),
                ("vote", "owner3", "support", "先从套餐变更入口改起。"),
                ("vote", "owner2", "oppose", "埋点改造工作量大，本季度排不上。"),
            ],
        ),
        Plan(
            title="基于话费演算为客户推荐更优资费",
            product="tariffs",
            layer="emotional",
            event="客户用的不是最适合自己的套餐，每月多花钱却不知道。",
            strategy="根据客户近三个月的实际用量做资费演算，主动推荐更省钱的套餐。",
            body=(
                "## 思路\n\n用近三个月通话、短信、流量用量，对所有在售套餐做演算，若某套餐每月可节省 10 元以上，"
                "通过短信或客户经理推荐。\n\n## 风险\n\n- 推荐后 ARPU 下降\n- 客户担心“被营销”\n\n"
                "> 让客户觉得我们在替他省钱，是最好的情感体验。"
            ),
            tags=["资费", "推荐", "忠诚度"],
            issue_words=["资费", "套餐"],
            days_ago=20,
            steps=[
                ("status", "analyst", "discussion", ""),
                ("comment", "owner2", "ARPU 下降的影响需要测算，建议先对离网风险客户试点。", None),
                ("comment", "analyst2", "同意先做离网风险客群，这部分客户本来就可能流失。", 0),
                (
                    "edit",
                    "analyst2",
                    {
                        "strategy_text": "根据客户近三个月的实际用量做资费演算，先对离网风险客户主动推荐更省钱的套餐。"
                    },
                    "先对离网风险客群试点",
                ),
                ("comment", "agent3", "买我们的广告位都不如这个！客户会很感动。", None),
                ("hide", "analyst", 2, "与讨论无关的灌水内容"),
                (
                    "comment",
                    "agent3",
                    "抱歉，刚才说得不清楚：客户经理反馈，主动帮客户省钱的客户满意度明显更高。",
                    None,
                ),
                ("status", "analyst", "voting", ""),
                ("vote", "owner", "support", "离网风险客群先试。"),
                ("vote", "owner3", "support", ""),
            ],
        ),
        Plan(
            title="139邮箱垃圾邮件一键举报并反馈处理结果",
            product="mail-139",
            layer="convenience",
            event="客户收到垃圾邮件，举报入口深，举报后没有任何反馈。",
            strategy="在邮件列表增加一键举报，处理完成后通过站内信告诉客户结果。",
            body="## 做法\n\n- 邮件列表每封邮件右侧加“举报”按钮\n- 处理完成后站内信反馈\n\n## 指标\n\n垃圾邮件投诉量、举报使用率",
            tags=["139邮箱", "垃圾邮件"],
            issue_words=["139", "垃圾"],
            days_ago=12,
            author="analyst2",
            steps=[
                ("status", "analyst2", "discussion", ""),
                ("comment", "frontline", "客户常说举报了也没用，反馈结果很重要。", None),
                ("comment", "owner", "@analyst2 站内信反馈需要邮箱平台排期，我问一下。", None),
            ],
        ),
        Plan(
            title="彩铃到期前提醒并支持短信一键续订",
            product="ringback-tone",
            layer="convenience",
            event="彩铃包月到期自动失效，客户不知道，来电时对方听到普通回铃。",
            strategy="到期前 3 天短信提醒，回复 1 即可续订。",
            body="到期前提醒 + 短信一键续订。\n\n需要注意：回复续订必须二次确认，避免误订投诉。",
            tags=["彩铃", "续订"],
            issue_words=["彩铃"],
            days_ago=40,
            steps=[
                ("status", "analyst", "discussion", ""),
                ("comment", "owner2", "一键续订容易引发误订投诉，之前有过教训。", None),
                ("status", "analyst", "voting", ""),
                ("vote", "owner", "oppose", "误订风险大于收益。"),
                ("vote", "owner2", "oppose", "同上。"),
                ("vote", "owner3", "support", ""),
                (
                    "status",
                    "manager",
                    "rejected",
                    "暂不实施：短信一键续订的误订投诉风险较高。请改为到期提醒中附上网厅续订链接，重新提交。",
                ),
            ],
        ),
        Plan(
            title="可视电话在营业厅设体验区提升知晓率",
            product="video-call",
            layer="functional",
            event="大多数客户没听说过可视电话。",
            strategy="在旗舰营业厅设置可视电话体验区，营业员演示。",
            body="草稿：体验区位置、设备、话术待补充。",
            tags=["可视电话", "体验区"],
            issue_words=["可视电话"],
            days_ago=5,
            author="analyst2",
            steps=[("comment", "agent2", "我们厅可以试点，有空位。", None)],
        ),
        Plan(
            title="流量用尽前短信提醒并推荐流量包",
            product="mobile-data",
            layer="functional",
            event="客户流量超出套餐后产生高额费用才发现。",
            strategy="流量使用到 80% 和 100% 时短信提醒，附加油包办理方式。",
            body="## 方案\n\n- 80% 提醒\n- 100% 提醒并推荐加油包\n",
            tags=["流量", "提醒"],
            issue_words=["流量"],
            days_ago=35,
            steps=[
                ("status", "analyst", "discussion", ""),
                ("comment", "owner", "这个和“流量超额提醒”那条重复了。", None),
            ],
        ),
        Plan(
            title="流量超额实时提醒",
            product="mobile-data",
            layer="functional",
            event="客户超出套餐流量后不知情，月底收到高额账单。",
            strategy="流量使用达到阈值时实时短信提醒，并可一键订购流量包。",
            body="## 阈值\n\n80%、100%、超出 100MB。\n\n## 渠道\n\n短信为主，掌上营业厅推送为辅。",
            tags=["流量", "提醒", "账单"],
            issue_words=["流量", "超额"],
            days_ago=45,
            author="analyst2",
            steps=[
                ("status", "analyst2", "discussion", ""),
                ("comment", "agent3", "月初账单投诉里，流量超额是第一位。", None),
                ("status", "analyst2", "voting", ""),
                ("vote", "owner3", "support", ""),
            ],
        ),
        Plan(
            title="短信营业厅指令说明改为交互式菜单",
            product="sms",
            layer="convenience",
            event="客户记不住短信营业厅的指令代码。",
            strategy="发送任意内容返回交互式菜单，按数字逐级选择。",
            body="交互式菜单方案，待评估短信网关能力。",
            tags=["短信营业厅"],
            issue_words=["短信营业厅"],
            days_ago=25,
            steps=[
                ("status", "analyst", "discussion", ""),
                ("comment", "owner2", "短信业务在衰退期，投入产出比不高。", None),
                ("status", "analyst", "withdrawn", "短信营业厅使用量持续下降，资源优先投入掌上营业厅。"),
            ],
        ),
    ]


def _content(plan: Plan, product: Product, issues: list[ExperienceIssue]) -> StrategyContent:
    return StrategyContent(
        title=plan.title,
        product=product,
        layer=plan.layer,
        experience_event=plan.event,
        strategy_text=plan.strategy,
        body=plan.body,
        issues=issues,
        tags=plan.tags,
    )


def _issues_for(plan: Plan, product: Product) -> list[ExperienceIssue]:
    found: list[ExperienceIssue] = []
    for word in plan.issue_words:
        found += list(ExperienceIssue.objects.filter(product=product, title__icontains=word)[:2])
    return list(dict.fromkeys(found))[:3]


def _working_hours(day_zero: dt.datetime, offset: dt.timedelta) -> dt.datetime:
    """`offset` into the plan, squeezed into 09:00–18:00 of its day (order is kept)."""
    fraction_of_day = offset.seconds / 86_400
    return day_zero + dt.timedelta(days=offset.days, hours=9 + 9 * fraction_of_day)


def _run(plan: Plan, users: dict[str, Any], product: Product) -> Strategy:
    day_zero = timezone.localtime(timezone.now() - dt.timedelta(days=plan.days_ago)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    step_gap = dt.timedelta(days=plan.days_ago) / (len(plan.steps) + 2)
    with _clock(_working_hours(day_zero, dt.timedelta(minutes=30))):
        strategy = strategy_create(
            actor=users[plan.author],
            content=_content(plan, product, _issues_for(plan, product)),
            summary="创建",
        )
    comments: list[Comment] = []
    for index, step in enumerate(plan.steps, start=1):
        kind, username = step[0], step[1]
        actor = users[username]
        with _clock(_working_hours(day_zero, step_gap * index + dt.timedelta(minutes=30 + 7 * index))):
            strategy.refresh_from_db()
            if kind == "edit":
                changes, summary = step[2], step[3]
                current = current_content(strategy)
                values = {
                    name: (value(getattr(current, name)) if callable(value) else value)
                    for name, value in changes.items()
                }
                strategy = strategy_update(
                    strategy=strategy,
                    actor=actor,
                    base_revision=strategy.current_revision,
                    content=StrategyContent(**{**current.__dict__, **values}),
                    summary=summary,
                )
            elif kind == "comment":
                parent = comments[step[3]] if step[3] is not None else None
                comments.append(comment_create(strategy=strategy, actor=actor, body=step[2], parent=parent))
            elif kind == "edit_comment":
                comment_edit(comment=comments[step[2]], actor=actor, body=step[3])
            elif kind == "hide":
                comment_hide(comment=comments[step[2]], actor=actor, reason=step[3])
            elif kind == "status":
                strategy = strategy_transition(
                    strategy=strategy, to_status=step[2], actor=actor, reason=step[3]
                )
            elif kind == "vote":
                vote_cast(strategy=strategy, actor=actor, choice=step[2], reason=step[3])
    return strategy


def load(*, users: dict[str, Any], log: Any) -> None:
    plans = _plans()
    existing = set(
        Strategy.objects.filter(title__in=[p.title for p in plans]).values_list("title", flat=True)
    )
    products = {p.code: p for p in Product.objects.all()}
    created = 0
    for plan in plans:
        if plan.title in existing or plan.product not in products:
            continue
        with transaction.atomic():  # a plan is loaded whole or not at all
            _run(plan, users, products[plan.product])
        created += 1
    # The duplicate: the 80%/100% reminder strategy is merged into the earlier real-time one.
    duplicate = Strategy.objects.filter(title="流量用尽前短信提醒并推荐流量包", status="discussion").first()
    target = Strategy.objects.filter(title="流量超额实时提醒").first()
    if duplicate and target:
        with _clock(timezone.now() - dt.timedelta(days=2)):
            strategy_transition(
                strategy=duplicate,
                to_status="merged",
                actor=users["analyst"],
                reason="与“流量超额实时提醒”重复，合并讨论。",
                merged_into=target,
            )
    # A comment edited by its author, so the page shows an edit history.
    comment = Comment.objects.filter(body__startswith="很多老年客户根本找不到").first()
    if comment and not comment.edits.exists():
        comment_edit(
            comment=comment,
            actor=comment.author,
            body="很多老年客户根本找不到“话费查询”和“流量查询”，建议首页放大常用功能，并提供关怀版页面。",
        )
    log(f"strategies: {created} created, {Strategy.objects.count()} in the pool")
