"""The ground floor's part of the global search: reports, issues, and the commands of its pages.

Registered from `CxopsConfig.ready()`.  Records are read through `reports_visible_to` and
`issues_visible_to`, so a search finds exactly what the person's pages would show.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cxops.models import ExperienceIssue
from cxops.models import ExperienceReport
from cxops.models import Product
from cxops.roles import Role
from cxops.search import Command
from cxops.search import SearchHit
from cxops.search import all_terms_q
from cxops.search import highlight
from cxops.search import register_command_source
from cxops.search import register_commands
from cxops.search import register_search_provider
from cxops.selectors.reports import issues_visible_to
from cxops.selectors.reports import reports_visible_to

MEMBERS = (Role.FRONTLINE,)  # every member role implies frontline
ANALYSTS = (Role.ANALYST,)
READERS = (Role.ANALYST, Role.PRODUCT_OWNER)


def issue_hits(user: Any, terms: list[str], limit: int) -> list[SearchHit]:
    queryset = ExperienceIssue.objects.filter(all_terms_q(terms, ["title", "description"])).select_related(
        "product"
    )
    issues = issues_visible_to(user, queryset=queryset).order_by("-last_reported_at", "-id")[:limit]
    return [
        SearchHit(
            kind="issue",
            title=f"#{issue.pk} {issue.title}",
            url=reverse("reports:issue", args=[issue.pk]),
            meta=" · ".join(
                part
                for part in (issue.product.name if issue.product else "", issue.get_status_display())
                if part
            ),
            snippet=highlight(f"{issue.title} {issue.description}", terms),
        )
        for issue in issues
    ]


def report_hits(user: Any, terms: list[str], limit: int) -> list[SearchHit]:
    queryset = ExperienceReport.objects.filter(all_terms_q(terms, ["summary", "detail"])).select_related(
        "product"
    )
    reports = reports_visible_to(user, queryset=queryset).order_by("-id")[:limit]
    return [
        SearchHit(
            kind="report",
            title=report.summary,
            url=reverse("reports:detail", args=[report.pk]),
            meta=" · ".join(
                (report.product.name, report.occurred_at.strftime("%Y-%m-%d"), report.get_status_display())
            ),
            snippet=highlight(f"{report.summary} {report.detail}", terms),
        )
        for report in reports
    ]


def product_commands(user: Any) -> list[Command]:
    """One "dashboard of <product>" command per active product (a handful)."""
    return [
        Command(
            label=format_lazy("{product} · {page}", product=product.name, page=_("Dashboard")),
            url_name="dashboard:product",
            roles=READERS,
            args=(product.code,),
            keywords=product.code,
        )
        for product in Product.objects.filter(is_active=True).only("code", "name_zh", "name_en")
    ]


def register() -> None:
    register_search_provider("issue", _("Experience issues"), issue_hits, order=10)
    register_search_provider("report", _("Experience reports"), report_hits, order=20)
    register_commands(
        Command(
            _("File an experience report"), "reports:file", MEMBERS, keywords="new report 新建 报告 上报"
        ),
        Command(_("My reports"), "reports:mine", MEMBERS, keywords="mine"),
        Command(_("Triage"), "reports:triage", ANALYSTS, keywords="triage queue 分诊 待处理"),
        Command(
            _("Suggested groups of new reports"), "reports:triage-groups", ANALYSTS, keywords="group 分组"
        ),
        Command(_("Experience issues"), "reports:issues", MEMBERS, keywords="issues 问题"),
        Command(_("Imports"), "reports:imports", ANALYSTS, keywords="import csv 导入"),
        Command(_("Matching lexicon"), "reports:lexicon", MEMBERS, keywords="lexicon synonyms 词库 同义词"),
        Command(_("Dashboard"), "dashboard:overview", READERS, keywords="dashboard 仪表盘 看板"),
        Command(_("Hot-spot alerts"), "dashboard:alerts", READERS, keywords="alerts 热点 告警"),
        Command(_("Notifications"), "notifications", MEMBERS, keywords="inbox 通知 消息"),
    )
    register_command_source(product_commands)
