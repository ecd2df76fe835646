"""Demo experience reports and issues: two years of Chinese reports over the seed products and
channels, the seed's experience events among them, most already merged into issues.

Reports are written through the import fast path (`reports_bulk_insert`, rollups maintained) and
merged through the triage services, so the demo exercises the same code as production.
Deterministic (fixed random seed) and idempotent: a second run finds the demo reports and stops.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from cxops.models import Channel
from cxops.models import ExperienceIssue
from cxops.models import ExperienceReport
from cxops.models import IssueStatus
from cxops.models import Product
from cxops.models import Region
from cxops.models import Segment
from cxops.phones import customer_reference
from cxops.reference_seed import CITY_WEIGHTS
from cxops.services.imports.reports import ReportRecord
from cxops.services.imports.reports import reports_bulk_insert
from cxops.services.notifications import follow_create
from cxops.services.triage import issue_create
from cxops.services.triage import issue_update
from cxops.services.triage import reports_classify
from cxops.services.triage import reports_dismiss
from cxops.services.triage import reports_merge

DEMO_PREFIX = "demo-"
DAYS = 730
SEED = 20091022


@dataclass
class Theme:
    """An experience problem customers keep reporting: becomes one issue."""

    title: str
    product: str
    layer: str
    stage: str
    sentences: list[str]
    channels: dict[str, int]
    sources: dict[str, int]
    per_day: float  # average reports a day at the baseline
    shape: str = "flat"  # flat | campaign | rising | fading | seasonal
    peak_day: int = 0  # days ago of a campaign peak
    status: str = IssueStatus.OPEN
    details: list[str] = field(default_factory=list)


THEMES = [
    Theme(
        "港澳一卡多号：往返粤港澳客户不知道有这个产品，赴港仍用漫游",
        "hk-macau-multi-number",
        "functional",
        "awareness",
        [
            "客户经常往返香港，每次都用国际漫游，不知道有港澳一卡多号",
            "客户投诉香港漫游话费太高，询问有没有更便宜的办法",
            "广九直通车候车室的客户问去香港怎么打电话便宜",
            "客户从未听说过港澳一卡多号，以为只能买香港本地卡",
            "客户在澳门产生高额漫游费，表示早知道有一卡多号就办了",
            "商务客户每月赴港多次，漫游费用高，希望有合适的产品",
        ],
        {"hotline-10086": 6, "store": 2, "account-manager": 2, "web-forum": 1},
        {"complaint": 4, "consultation": 5, "observation": 2},
        0.9,
        "seasonal",
    ),
    Theme(
        "客户致电10086咨询飞信如何下载和使用",
        "fetion",
        "functional",
        "knowledge",
        [
            "客户来电询问飞信怎么下载到手机上",
            "客户问飞信是什么，和短信有什么区别",
            "客户咨询飞信是否收费，发消息要不要钱",
            "客户不会登录飞信，问账号密码是什么",
            "客户问电脑上怎么用飞信给手机发短信",
            "客户收到飞信好友邀请短信，不知道怎么开通",
        ],
        {"hotline-10086": 10, "sms-hall": 1, "web-forum": 2},
        {"consultation": 9, "complaint": 1},
        1.2,
        "campaign",
        peak_day=400,
        status=IssueStatus.RESOLVED,
    ),
    Theme(
        "飞信号码申请失败，客户不知道失败原因和解决办法",
        "fetion",
        "functional",
        "use",
        [
            "飞信申请失败，提示系统忙请稍后再试",
            "客户多次申请飞信号码都失败，没有任何原因提示",
            "飞信开通失败，客户以为是手机不支持",
            "客户申请飞信时提示号码状态异常，不知道怎么办",
            "飞信注册一直失败，客户很生气要求投诉",
            "客户反映飞信申请后收不到确认短信",
        ],
        {"hotline-10086": 6, "web-hall": 2, "store": 1, "web-forum": 2},
        {"complaint": 7, "consultation": 3},
        0.8,
        "campaign",
        peak_day=380,
        status=IssueStatus.IN_PROGRESS,
    ),
    Theme(
        "网上营业厅找不到想办的业务，导航层级太深",
        "web-hall",
        "convenience",
        "use",
        [
            "客户在网上营业厅找不到套餐变更的入口",
            "网上营业厅找不到积分兑换，点了好几层都没有",
            "客户反映网上营业厅菜单太多，找不到话费详单",
            "网上营业厅搜索不到业务名称，只能打10086",
            "客户想在网上营业厅办停机保号，找了半天找不到",
            "网上营业厅页面跳来跳去，最后也没办成",
        ],
        {"web-hall": 5, "hotline-10086": 4, "web-forum": 2},
        {"complaint": 4, "suggestion": 4, "consultation": 3},
        1.0,
        "fading",
    ),
    Theme(
        "客户资费套餐不是最优，每月多花钱",
        "tariffs",
        "emotional",
        "repeat_use",
        [
            "客户发现自己的套餐比新套餐贵，觉得老客户吃亏",
            "客户每月通话都超出套餐，希望推荐更合适的资费",
            "客户流量用不完，套餐费偏高，询问有没有更便宜的",
            "客户抱怨资费太复杂，不知道哪个套餐最划算",
            "老用户反映新用户优惠多，自己的资费没有优惠",
            "客户希望营业厅主动告知更省钱的套餐",
        ],
        {"hotline-10086": 5, "store": 4, "account-manager": 2, "app": 1},
        {"complaint": 4, "suggestion": 3, "consultation": 3, "survey": 1},
        1.1,
    ),
    Theme(
        "139邮箱垃圾邮件太多，拦截设置难找",
        "mail-139",
        "convenience",
        "use",
        [
            "客户139邮箱每天收到大量垃圾邮件",
            "客户不知道139邮箱怎么设置垃圾邮件拦截",
            "139邮箱广告邮件太多，客户想注销邮箱",
            "客户反映139邮箱垃圾短信提醒太频繁",
        ],
        {"mail-139": 4, "hotline-10086": 3, "web-forum": 2},
        {"complaint": 6, "suggestion": 2},
        0.5,
    ),
    Theme(
        "彩铃被开通后不知道如何取消，扣费不清楚",
        "ringback-tone",
        "functional",
        "use",
        [
            "客户说从没订过彩铃，却每月被扣彩铃费",
            "客户想取消彩铃，不知道发什么短信",
            "客户投诉彩铃包月费用不清楚",
            "客户在营业厅要求退还彩铃费用",
            "客户问彩铃怎么换成自己喜欢的歌",
        ],
        {"hotline-10086": 6, "store": 2, "sms-hall": 1},
        {"complaint": 7, "consultation": 3},
        0.7,
        "fading",
        status=IssueStatus.RESOLVED,
    ),
    Theme(
        "可视电话：大多数客户没听说过这项业务",
        "video-call",
        "functional",
        "awareness",
        [
            "客户问手机能不能视频通话，不知道有可视电话",
            "客户没听说过可视电话业务",
            "营业员观察：介绍可视电话时客户都表示第一次听说",
            "客户以为可视电话需要特别的设备",
        ],
        {"store": 4, "hotline-10086": 2, "account-manager": 1},
        {"observation": 5, "consultation": 3, "survey": 2},
        0.3,
    ),
    Theme(
        "手机上网流量超额后扣费高，客户没有收到提醒",
        "mobile-data",
        "functional",
        "use",
        [
            "客户投诉流量超额后产生高额费用，没有收到任何提醒",
            "客户手机上网流量用超了才知道，要求减免费用",
            "客户反映流量提醒短信来得太晚，已经超额很多",
            "客户看视频流量超额，月底话费是平时的三倍",
            "客户要求开通流量封顶，避免超额扣费",
        ],
        {"hotline-10086": 7, "app": 2, "store": 2, "wechat": 1},
        {"complaint": 8, "consultation": 2},
        0.6,
        "rising",
    ),
    Theme(
        "流量套餐余量查询不方便",
        "mobile-data",
        "convenience",
        "repeat_use",
        [
            "客户不知道怎么查剩余流量",
            "客户在掌上营业厅查不到流量明细",
            "客户希望微信营业厅能直接看到剩余流量",
            "客户反映查流量的短信指令太难记",
        ],
        {"app": 3, "wechat": 3, "hotline-10086": 3, "sms-hall": 1},
        {"consultation": 6, "suggestion": 3},
        0.5,
        "rising",
    ),
    Theme(
        "短信营业厅指令难记，发错指令办不成业务",
        "sms",
        "convenience",
        "use",
        [
            "客户用短信营业厅办业务，发错指令没有提示",
            "客户不记得短信营业厅的查询指令",
            "客户发短信退订业务，回复看不懂",
            "老年客户觉得短信营业厅指令太复杂",
        ],
        {"sms-hall": 4, "hotline-10086": 3, "store": 1},
        {"complaint": 3, "suggestion": 3, "consultation": 3},
        0.4,
    ),
    Theme(
        "客户不了解彩信功能，不会发彩信",
        "mms",
        "functional",
        "knowledge",
        [
            "客户问彩信和短信有什么区别",
            "客户不会用手机发彩信照片",
            "客户收不到彩信，不知道要设置什么",
            "客户以为彩信要另外开通才能用",
        ],
        {"hotline-10086": 4, "store": 3, "kiosk": 1},
        {"consultation": 7, "complaint": 2},
        0.4,
        "fading",
    ),
]

# Reports that are not experience problems or stay single: triaged or dismissed, never merged.
LONE_SENTENCES = [
    ("客户表扬营业员服务热情，办理很快", "emotional", "repeat_use", "suggestion"),
    ("客户建议营业厅周末延长营业时间", "convenience", "use", "suggestion"),
    ("客户反映自助终端打印发票卡纸", "functional", "use", "complaint"),
    ("客户希望账单能用微信推送", "convenience", "repeat_use", "suggestion"),
    ("营业员观察：排队叫号屏幕不显示等待人数", "convenience", "use", "observation"),
]
DISMISS_SENTENCES = ["测试工单，请忽略", "客户来电无声", "重复来电，已在上一张工单处理"]

SOURCE_SYSTEMS = {
    "hotline-10086": "10086客服系统",
    "web-forum": "网站论坛",
    "mail-139": "139邮箱",
    "recharge-platform": "充值平台",
    "mobile-mall": "移动商城",
}
SEGMENT_HINTS = {
    "hk-macau-multi-number": ["cross-border", "roaming", "high-value"],
    "tariffs": ["tariff-sensitive", "churn-risk", "high-value"],
    "mobile-data": ["high-traffic", "student"],
    "fetion": ["new-subscriber", "student"],
    "sms": ["senior", "rural"],
}


def _intensity(theme: Theme, days_ago: int) -> float:
    if theme.shape == "campaign":
        # B-shaped consultation cycle after a campaign: fast rise, fast fall, a low tail
        distance = days_ago - theme.peak_day
        return 0.25 + (4.0 * math.exp(-distance / 12) if distance >= 0 else 4.0 * math.exp(distance / 25))
    if theme.shape == "rising":
        return 0.3 + 1.7 * (1 - days_ago / DAYS) ** 2 + (1.5 if days_ago < 10 else 0)
    if theme.shape == "fading":
        return 0.3 + 1.5 * (days_ago / DAYS)
    if theme.shape == "seasonal":
        # Chinese New Year, summer holidays and Golden Week bring more cross-border travel
        day_of_year = (timezone.localdate() - timedelta(days=days_ago)).timetuple().tm_yday
        return 0.6 + sum(1.2 * math.exp(-(((day_of_year - peak) / 9) ** 2)) for peak in (35, 200, 277))
    return 1.0


def _moment(rng: random.Random, days_ago: int) -> datetime:
    hour = min(22, max(8, int(rng.gauss(14, 3.5))))
    local = timezone.localtime() - timedelta(days=days_ago)
    return local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def load(*, users: dict[str, Any], log: Any) -> None:
    if ExperienceReport.objects.filter(external_id__startswith=DEMO_PREFIX).exists():
        log("reports: demo history already present")
        return
    started = time.monotonic()
    rng = random.Random(SEED)  # noqa: S311 — reproducible demo data, not security
    products = {p.code: p for p in Product.objects.all()}
    channels = {c.code: c for c in Channel.objects.all()}
    segments = {s.code: s.pk for s in Segment.objects.all()}
    analyst = users["analyst"]
    agents = [users[name] for name in ("frontline", "agent2", "agent3") if name in users]
    # Reports come from the 21 cities in proportion to their traffic; Foshan's hotline reports
    # are partly filed by the Foshan agent.

    region_ids = dict(Region.objects.filter(code__in=CITY_WEIGHTS).values_list("code", "pk"))
    city_weights = {code: int(weight * 2) for code, weight in CITY_WEIGHTS.items() if code in region_ids}
    foshan_agent = users.get("frontline_foshan")
    city_rng = random.Random(SEED + 17)  # noqa: S311 — its own stream: the rest of the history is unchanged
    customers = [f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" for _ in range(600)]
    now = timezone.now()

    records: list[ReportRecord] = []
    plan: list[tuple[str, int, Any]] = []  # (kind, theme index or -1, record)
    serial = 0

    def record(
        summary: str,
        theme_product: str,
        layer: str,
        stage: str,
        channel: str,
        source: str,
        days_ago: int,
        detail: str = "",
    ) -> ReportRecord:
        nonlocal serial
        serial += 1
        city = _pick(city_rng, city_weights) if city_weights else None
        reporter = (
            rng.choice(agents).pk
            if channel in ("hotline-10086", "store", "account-manager") and agents and rng.random() < 0.6
            else None
        )
        if reporter is not None and city == "foshan" and foshan_agent is not None:
            reporter = foshan_agent.pk
        masked, hashed = customer_reference(rng.choice(customers)) if rng.random() < 0.55 else ("", "")
        hints = SEGMENT_HINTS.get(theme_product, [])
        chosen = sorted({segments[c] for c in hints if c in segments and rng.random() < 0.3})
        occurred = min(_moment(rng, days_ago), now - timedelta(minutes=5))
        return ReportRecord(
            source_type=source,
            product_id=products[theme_product].pk,
            channel_id=channels[channel].pk,
            layer=layer,
            stage=stage,
            summary=summary,
            detail=detail,
            occurred_at=occurred,
            severity=rng.choices([1, 2, 3, 4], weights=[2, 6, 3, 1])[0],
            customer_masked=masked,
            customer_hash=hashed,
            external_id=f"{DEMO_PREFIX}{serial:06d}",
            segment_ids=",".join(map(str, chosen)),
            reporter_id=reporter,
            region_id=region_ids.get(city) if city else None,
        )

    for days_ago in range(DAYS, -1, -1):
        weekday_factor = 0.75 if (timezone.localdate() - timedelta(days=days_ago)).weekday() >= 5 else 1.0
        for index, theme in enumerate(THEMES):
            expected = theme.per_day * _intensity(theme, days_ago) * weekday_factor * 0.55
            for _ in range(_poisson(rng, expected)):
                channel = _pick(rng, theme.channels)
                summary = rng.choice(theme.sentences)
                if rng.random() < 0.3:
                    summary += rng.choice(
                        ["，客户情绪激动", "，已安抚", "，希望尽快解决", "，第二次来电", ""]
                    )
                records.append(
                    record(
                        summary,
                        theme.product,
                        theme.layer,
                        theme.stage,
                        channel,
                        _pick(rng, theme.sources),
                        days_ago,
                    )
                )
                plan.append(("theme", index, records[-1]))
        if rng.random() < 0.35:
            text, layer, stage, source = rng.choice(LONE_SENTENCES)
            records.append(
                record(
                    text, rng.choice(["web-hall", "tariffs", "sms"]), layer, stage, "store", source, days_ago
                )
            )
            plan.append(("lone", -1, records[-1]))
        if rng.random() < 0.08:
            records.append(
                record(
                    rng.choice(DISMISS_SENTENCES),
                    "tariffs",
                    "functional",
                    "use",
                    "hotline-10086",
                    "complaint",
                    days_ago,
                )
            )
            plan.append(("dismiss", -1, records[-1]))

    # Insert in time order (ids then follow time, as they would have), grouped by source system.
    code_of = {c.pk: code for code, c in channels.items()}
    with transaction.atomic():
        ordered = sorted(records, key=lambda item: item.occurred_at)
        for start in range(0, len(ordered), 500):
            by_system: dict[str, list[ReportRecord]] = {}
            for item in ordered[start : start + 500]:
                system = (
                    "manual"
                    if item.reporter_id
                    else SOURCE_SYSTEMS.get(code_of[item.channel_id], "10086客服系统")
                )
                by_system.setdefault(system, []).append(item)
            for system, items in by_system.items():
                reports_bulk_insert(records=items, source_system=system)
    ids = dict(
        ExperienceReport.objects.filter(external_id__startswith=DEMO_PREFIX).values_list("external_id", "pk")
    )
    log(f"reports: {len(ids)} demo reports over {DAYS} days")

    # Triage the history: merge each theme's reports older than a week into its issue; the last
    # week stays in the queue (new), as it would on a real Monday morning.
    recent = now - timedelta(days=7)
    issues = []
    for index, theme in enumerate(THEMES):
        members = [
            ids[r.external_id]
            for kind, i, r in plan
            if kind == "theme" and i == index and r.occurred_at < recent
        ]
        issue = issue_create(
            actor=analyst,
            title=theme.title,
            product=products[theme.product],
            layer=theme.layer,
            stage=theme.stage,
            description="",
        )
        for start in range(0, len(members), 1000):
            reports_merge(actor=analyst, report_ids=members[start : start + 1000], issue=issue)
        if theme.status != IssueStatus.OPEN:
            issue_update(
                actor=analyst,
                issue=issue,
                title=issue.title,
                description=issue.description,
                status=theme.status,
                product=issue.product,
                layer=issue.layer,
                stage=issue.stage,
            )
        issues.append(issue)
    lone: dict[str, list[int]] = {}
    for kind, _i, r in plan:
        if kind == "lone" and r.occurred_at < recent:
            lone.setdefault(r.layer, []).append(ids[r.external_id])
    for layer, members in lone.items():  # looked at, classified, not (yet) an issue of their own
        reports_classify(actor=analyst, report_ids=members[:1000], layer=layer)
    dismissed = [ids[r.external_id] for kind, _i, r in plan if kind == "dismiss" and r.occurred_at < recent]
    if dismissed:
        reports_dismiss(actor=analyst, report_ids=dismissed, reason="不是体验问题（测试、无声或重复来电）")
    for issue in issues[:3]:
        follow_create(user=analyst, target=issue)
    log(
        f"reports: {ExperienceIssue.objects.count()} issues, "
        f"{ExperienceReport.objects.filter(status='new').count()} new reports waiting in the triage queue "
        f"({time.monotonic() - started:.1f} s)"
    )


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; means here are small."""
    if mean <= 0:
        return 0
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k
