"""Issues get an owner and a clock, and the frontline hears what became of what they reported.

- `issue_owner_set`: an analyst (or manager) names the owner and the severity; the due time is the
  issue's creation + the severity's hours (settings.CXOPS_ISSUE_SLA_HOURS).  The owner follows the
  issue and is told.
- `issues_escalate_breached` (beat, every minute): an open or in-progress issue past its due time
  is escalated once — the managers and the owner are notified and `issue.sla_breached` is sent to
  webhook subscribers.  cxops has no reporting lines, so "the owner's manager" is every active
  member holding the manager role who may read the issue (a city's managers only for their city's).
- `issue_reporters_tell`: the reporters of an issue's linked reports are told when it is resolved
  or closed (`issue_update`) or when a rule made from it goes live (`rule_transition`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.utils.translation import override

from cxops.errors import ApplicationError
from cxops.issue_clock import due_at_for
from cxops.models import ExperienceIssue
from cxops.models import ExperienceReport
from cxops.models import IssueStatus
from cxops.models import NotificationKind
from cxops.models import ReportStatus
from cxops.models import WebhookEvent
from cxops.models.choices import Severity
from cxops.people import display_name
from cxops.roles import Role
from cxops.roles import has_role
from cxops.roles import require_role
from cxops.roles import users_holding
from cxops.selectors.reports import issues_visible_to
from cxops.selectors.visibility import issue_readers
from cxops.services.notifications import follow_create
from cxops.services.notifications import notify
from cxops.services.webhooks import webhook_emit
from cxops.webhooks import Summary

OPEN_STATUSES = (IssueStatus.OPEN, IssueStatus.IN_PROGRESS)
# Notifications store these msgids and their parameters: each reader reads them in their language.
OWNED = gettext_noop("You own the issue “%(title)s”, due %(due)s")
BREACHED = gettext_noop("Issue “%(title)s” is past its due time (%(due)s); owner: %(owner)s")
NOBODY = gettext_noop("nobody")
RESOLVED = gettext_noop("What you reported was resolved: “%(title)s”")
CLOSED = gettext_noop("What you reported was closed without a change: “%(title)s”")
RULE_LIVE = gettext_noop("What you reported (“%(title)s”) is now handled by a live rule: “%(rule)s”")


def issue_owner_set(
    *, actor: Any, issue: ExperienceIssue, owner: Any | None, severity: int
) -> ExperienceIssue:
    """Name the issue's owner (or none) and its severity; the due time follows from the severity.

    A new due time in the future clears an earlier escalation (the issue is back within its time)."""
    require_role(actor, Role.ANALYST)

    if not issues_visible_to(actor, queryset=ExperienceIssue.objects.all()).filter(pk=issue.pk).exists():
        raise ApplicationError(_("This issue does not exist."), code="not_found")
    if severity not in Severity.values:
        raise ApplicationError(_("Choose a severity."), code="invalid")
    if owner is not None and not (owner.is_active and has_role(owner, Role.ANALYST, Role.PRODUCT_OWNER)):
        raise ApplicationError(
            _("The owner must be an analyst, a product owner or a manager."), code="invalid"
        )
    if owner is not None and not issue_readers(issue, type(owner).objects.filter(pk=owner.pk)).exists():
        raise ApplicationError(
            _("The owner must be able to read this issue: a member of the province or of one of its cities."),
            code="invalid",
        )
    now = timezone.now()
    with transaction.atomic():
        locked = ExperienceIssue.objects.select_for_update().get(pk=issue.pk)
        previous_owner_id = locked.owner_id
        locked.owner = owner
        locked.severity = severity
        locked.due_at = due_at_for(severity=severity, start=locked.created_at)
        if locked.due_at > now:
            locked.escalated_at = None
        locked._history_user = actor  # type: ignore[attr-defined]
        locked.save(update_fields=["owner", "severity", "due_at", "escalated_at", "updated_at"])
        if owner is not None and owner.pk != previous_owner_id:
            follow_create(user=owner, target=locked)
            params = {
                "title": locked.title,
                "due": timezone.localtime(locked.due_at).strftime("%Y-%m-%d %H:%M"),
            }
            notify(
                recipient_ids=[owner.pk],
                kind=NotificationKind.STATUS,
                title=_(OWNED) % params,
                message=OWNED,
                params=params,
                url=reverse("reports:issue", args=[locked.pk]),
                actor=actor,
                target=locked,
            )
    return locked


def issue_clock_start(issue: ExperienceIssue) -> None:
    """The due time of a new issue (before its first save), from its severity and creation time."""
    issue.due_at = due_at_for(severity=issue.severity, start=issue.created_at)


def issues_escalate_breached(*, now: datetime | None = None) -> list[int]:
    """Escalate every open issue past its due time that was not escalated yet; returns their ids.
    Safe to run any number of times, concurrently too: the conditional UPDATE escalates once."""
    now = now or timezone.now()
    due = list(
        ExperienceIssue.objects.filter(status__in=OPEN_STATUSES, escalated_at__isnull=True, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:500]
    )
    managers = users_holding(Role.MANAGER)
    escalated = []
    for issue_id in due:
        with transaction.atomic():
            claimed = ExperienceIssue.objects.filter(
                pk=issue_id, status__in=OPEN_STATUSES, escalated_at__isnull=True, due_at__lte=now
            ).update(escalated_at=now)
            if not claimed:
                continue
            issue = ExperienceIssue.objects.select_related("owner", "product").get(pk=issue_id)
            _escalate(issue, managers=managers)
        escalated.append(issue_id)
    return escalated


def _escalate(issue: ExperienceIssue, *, managers: Any) -> None:
    due_at = issue.due_at
    if due_at is None:  # only issues past a due time are escalated
        return
    # a city's managers hear of their city's issues only (the others cannot open it)
    manager_ids = list(issue_readers(issue, managers).values_list("pk", flat=True))
    url = reverse("reports:issue", args=[issue.pk])
    due = timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M")
    params = {"title": issue.title, "due": due, "owner": display_name(issue.owner) or {"msgid": NOBODY}}
    notify(
        recipient_ids=[*manager_ids, *([issue.owner_id] if issue.owner_id is not None else [])],
        kind=NotificationKind.ALERT,
        title=_(BREACHED) % {**params, "owner": display_name(issue.owner) or _(NOBODY)},
        message=BREACHED,
        params=params,
        url=url,
        target=issue,
    )
    regions = list(
        ExperienceReport.objects.filter(issue_id=issue.pk)
        .order_by("region__sort_order", "region_id")
        .values_list("region_id", "region__code", "region__name_zh")
        .distinct()
    )
    with override("zh-hans"):
        summary = Summary(
            title=_("Issue past its due time: %(title)s") % {"title": issue.title},
            facts=[
                (_("severity"), str(issue.get_severity_display())),
                (_("due"), due),
                (_("owner"), display_name(issue.owner) or _("nobody")),
                (_("reports"), str(issue.report_count)),
                *([(_("product"), issue.product.name_zh)] if issue.product is not None else []),
                *([(_("region"), "、".join(name for _pk, _code, name in regions))] if regions else []),
            ],
            url=url,
            link_text=_("Open the issue"),
        )
    webhook_emit(
        event=WebhookEvent.ISSUE_SLA_BREACHED,
        data={
            "issue": {
                "id": issue.pk,
                "title": issue.title,
                "url": url,
                "status": issue.status,
                "severity": issue.severity,
                "due_at": due_at.isoformat(),
                "escalated_at": issue.escalated_at.isoformat() if issue.escalated_at else None,
                "owner": issue.owner.get_username() if issue.owner is not None else None,
                "product": issue.product.code if issue.product is not None else None,
                "report_count": issue.report_count,
                "regions": [code for _pk, code, _name in regions],
            }
        },
        summary=summary,
        product_ids=[issue.product_id] if issue.product_id else [],
        severity=issue.severity,
        region_ids=[pk for pk, _code, _name in regions],  # an issue's regions are its reports'
    )


def _reporter_ids(issue_ids: Iterable[int]) -> set[int]:
    return set(
        ExperienceReport.objects.filter(issue_id__in=list(issue_ids), status=ReportStatus.LINKED)
        .values_list("reporter_id", flat=True)
        .distinct()
    )


def issue_reporters_tell(*, issue: ExperienceIssue, actor: Any, event_key: str = "") -> None:
    """After a status change: the reporters hear that their issue was resolved or closed."""
    if issue.status == IssueStatus.RESOLVED:
        message = RESOLVED
    elif issue.status == IssueStatus.CLOSED:
        message = CLOSED
    else:
        return
    notify(
        recipient_ids=_reporter_ids([issue.pk]),
        kind=NotificationKind.STATUS,
        title=_(message) % {"title": issue.title},
        message=message,
        params={"title": issue.title},
        url=reverse("reports:issue", args=[issue.pk]),
        actor=actor,
        target=issue,
        event_key=event_key,
    )


def issues_rule_live_tell_reporters(
    *, issue_ids: Iterable[int], rule_name: str, rule_url: str, actor: Any, event_key: str = ""
) -> None:
    """A rule made from these issues went live: every reporter of their linked reports hears it,
    once however many of the issues they reported (`event_key`: the rule's move)."""
    issue_ids = list(issue_ids)
    for issue in ExperienceIssue.objects.filter(pk__in=issue_ids).only("pk", "title"):
        params = {"title": issue.title, "rule": rule_name}
        notify(
            recipient_ids=_reporter_ids([issue.pk]),
            kind=NotificationKind.RULE,
            title=_(RULE_LIVE) % params,
            message=RULE_LIVE,
            params=params,
            url=rule_url,
            actor=actor,
            target=issue,
            event_key=event_key,
        )
