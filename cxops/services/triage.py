"""Triage: analysts classify reports, merge them into experience issues, split them out, dismiss them.

Every action locks the reports it changes (in id order), then the issues whose counts change (in id
order) — always in that order, so concurrent merges queue instead of deadlocking — and applies the
rollup delta in the same transaction.  `report_count` moves with F(); first/last-reported times
are recomputed under the issue lock.  Counts therefore stay exact under concurrent merges.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models import Max
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cxops.errors import ApplicationError
from cxops.inputs import MAX_ID
from cxops.models import Channel
from cxops.models import ExperienceIssue
from cxops.models import ExperienceLayer
from cxops.models import ExperienceReport
from cxops.models import IssueStatus
from cxops.models import LifecycleStage
from cxops.models import NotificationKind
from cxops.models import Product
from cxops.models import ReportStatus
from cxops.models import SourceType
from cxops.personal_numbers import mask_personal_numbers
from cxops.regions import region_scope_id
from cxops.roles import Role
from cxops.roles import require_role
from cxops.selectors.reports import issues_visible_to
from cxops.services.audit import AuditAction
from cxops.services.audit import audit_record
from cxops.services.issue_clock import issue_clock_start
from cxops.services.issue_clock import issue_reporters_tell
from cxops.services.matching import issue_profile_refresh
from cxops.services.notifications import label_param
from cxops.services.notifications import notify_followers
from cxops.services.rollups import ReportFacts
from cxops.services.rollups import rollups_apply_delta

TRIAGE_MAX = 1000


def _ids(report_ids: Iterable[int]) -> list[int]:
    ids = sorted({int(pk) for pk in report_ids})
    if not ids:
        raise ApplicationError(_("Select at least one report."), code="invalid")
    if ids[0] < 1 or ids[-1] > MAX_ID:  # no row has such an id (and the database cannot hold it)
        raise ApplicationError(_("Some of the selected reports no longer exist."), code="not_found")
    if len(ids) > TRIAGE_MAX:
        raise ApplicationError(
            _("Select at most %(max)d reports at once.") % {"max": TRIAGE_MAX}, code="invalid"
        )
    return ids


def _lock_reports(report_ids: list[int], *, actor: Any = None) -> list[ExperienceReport]:
    """Lock the reports; another city's report, for a city member, is one that does not exist."""
    reports = list(ExperienceReport.objects.select_for_update().filter(pk__in=report_ids).order_by("pk"))
    scope = region_scope_id(actor)
    if scope is not None:
        reports = [report for report in reports if report.region_id == scope]
    if len(reports) != len(report_ids):
        raise ApplicationError(_("Some of the selected reports no longer exist."), code="not_found")
    return reports


def _issue_visible(actor: Any, issue: ExperienceIssue) -> bool:
    """A city member works only on their city's issues (`issues_visible_to`)."""
    return issues_visible_to(actor, queryset=ExperienceIssue.objects.all()).filter(pk=issue.pk).exists()


def _save(report: ExperienceReport, *, actor: Any, reason: str, fields: list[str]) -> None:
    report._history_user = actor  # type: ignore[attr-defined]
    # simple-history keeps the reason in a 100-character column: PostgreSQL refused a longer one
    # (a dismissal with a long reason was a 500); the full reason stays on the report.
    report._change_reason = reason[:100]  # type: ignore[attr-defined]
    report.save(update_fields=[*fields, "updated_at"])


def _settle_issues(changes: Counter[int]) -> None:
    """Apply report-count changes to issues (caller holds the report locks) and refresh their dates."""
    issue_ids = sorted(changes)
    if not issue_ids:
        return
    list(
        ExperienceIssue.objects.select_for_update().filter(pk__in=issue_ids).order_by("pk").values_list("pk")
    )
    for issue_id in issue_ids:
        if changes[issue_id]:
            ExperienceIssue.objects.filter(pk=issue_id).update(
                report_count=F("report_count") + changes[issue_id]
            )
    spans = {
        row["issue_id"]: row
        for row in ExperienceReport.objects.filter(issue_id__in=issue_ids, status=ReportStatus.LINKED)
        .values("issue_id")
        .annotate(first=Min("occurred_at"), last=Max("occurred_at"))
    }
    for issue_id in issue_ids:
        span = spans.get(issue_id, {})
        ExperienceIssue.objects.filter(pk=issue_id).update(
            first_reported_at=span.get("first"), last_reported_at=span.get("last"), updated_at=timezone.now()
        )


def _move(
    reports: list[ExperienceReport],
    *,
    actor: Any,
    reason: str,
    status: str,
    issue: ExperienceIssue | None,
    dismiss_reason: str = "",
    stamp_triage: bool = True,
) -> None:
    """Set status/issue on locked reports; keep issue counts and rollups exact."""
    removed, added = [], []
    counts: Counter[int] = Counter()
    now = timezone.now()
    for report in reports:
        before = ReportFacts.of(report)
        if report.status == ReportStatus.LINKED and report.issue_id is not None:
            counts[report.issue_id] -= 1
        report.status = status
        report.issue = issue
        report.dismiss_reason = dismiss_reason
        if stamp_triage:
            report.triaged_by = actor
            report.triaged_at = now
        if status == ReportStatus.LINKED and issue is not None:
            counts[issue.pk] += 1
        _save(
            report,
            actor=actor,
            reason=reason,
            fields=["status", "issue", "dismiss_reason", "triaged_by", "triaged_at"],
        )
        removed.append(before)
        added.append(ReportFacts.of(report))
    rollups_apply_delta(removed=removed, added=added)
    _settle_issues(counts)
    # The merged reports are part of what an issue is matched by: its profile grows with each merge.
    issue_profile_refresh(issue_ids=counts.keys())


# An issue's description sums its reports up: a few pages at most (shown on every issue page).
DESCRIPTION_MAX = 10_000


def _check_description(description: str) -> None:
    if len(description or "") > DESCRIPTION_MAX:
        raise ApplicationError(
            _("Keep the description under %(limit)d characters (it has %(length)d).")
            % {"limit": DESCRIPTION_MAX, "length": len(description)},
            code="invalid",
        )


def issue_create(
    *,
    actor: Any,
    title: str,
    description: str = "",
    product: Product | None = None,
    layer: str = "",
    stage: str = "",
) -> ExperienceIssue:
    require_role(actor, Role.ANALYST)
    title = (title or "").strip()
    if not title:
        raise ApplicationError(_("Give the issue a title."), code="invalid")
    _check_description(description)
    if layer and layer not in ExperienceLayer.values:
        raise ApplicationError(_("Choose an experience layer."), code="invalid")
    if stage and stage not in LifecycleStage.values:
        raise ApplicationError(_("Choose a lifecycle stage."), code="invalid")
    issue = ExperienceIssue(
        title=mask_personal_numbers(title)[:200],
        description=mask_personal_numbers(description),
        product=product,
        layer=layer,
        stage=stage,
        created_by=actor,
    )

    issue_clock_start(issue)
    issue._history_user = actor  # type: ignore[attr-defined]
    with transaction.atomic():
        issue.save()
        issue_profile_refresh(issue_ids=[issue.pk])
    return issue


def issue_update(
    *,
    actor: Any,
    issue: ExperienceIssue,
    title: str,
    description: str,
    status: str,
    product: Product | None,
    layer: str,
    stage: str,
) -> ExperienceIssue:
    """Edit an issue's description and status (analysts).  Followers hear of a status change."""
    require_role(actor, Role.ANALYST)
    if not _issue_visible(actor, issue):
        raise ApplicationError(_("This issue does not exist."), code="not_found")
    if status not in IssueStatus.values:
        raise ApplicationError(_("Choose a status."), code="invalid")
    if layer and layer not in ExperienceLayer.values:
        raise ApplicationError(_("Choose an experience layer."), code="invalid")
    if stage and stage not in LifecycleStage.values:
        raise ApplicationError(_("Choose a lifecycle stage."), code="invalid")
    if not (title or "").strip():
        raise ApplicationError(_("Give the issue a title."), code="invalid")
    _check_description(description)
    with transaction.atomic():
        issue = ExperienceIssue.objects.select_for_update().get(pk=issue.pk)
        old_status = issue.status
        issue.title = mask_personal_numbers(title.strip())[:200]
        issue.description = mask_personal_numbers(description)
        issue.status = status
        issue.product = product
        issue.layer = layer
        issue.stage = stage
        issue._history_user = actor  # type: ignore[attr-defined]
        issue.save(
            update_fields=["title", "description", "status", "product", "layer", "stage", "updated_at"]
        )
        issue_profile_refresh(issue_ids=[issue.pk])
        if old_status != status:
            # One change, one bell item for a reporter who also follows the issue.
            event_key = f"issue-status:{issue.pk}:{issue.updated_at.timestamp()}"
            issue_reporters_tell(issue=issue, actor=actor, event_key=event_key)
            notify_followers(
                target=issue,
                kind=NotificationKind.STATUS,
                message=gettext_noop("Issue “%(title)s” is now %(status)s"),
                params={"title": issue.title, "status": label_param(IssueStatus(status).label)},
                event_key=event_key,
                url=reverse("reports:issue", args=[issue.pk]),
                actor=actor,
            )
    return issue


def link_reports(*, actor: Any, report_ids: Iterable[int], issue: ExperienceIssue, reason: str) -> int:
    """Link reports to an issue without a role check: for callers that checked already (filing
    attaches the reporter's own new report).  Everyone else uses `reports_merge`."""
    ids = _ids(report_ids)
    with transaction.atomic():
        reports = _lock_reports(ids, actor=actor)
        moving = [r for r in reports if not (r.status == ReportStatus.LINKED and r.issue_id == issue.pk)]
        _move(moving, actor=actor, reason=reason, status=ReportStatus.LINKED, issue=issue, stamp_triage=False)
    return len(moving)


def _audit_triage(actor: Any, decision: str, reports: list[ExperienceReport], target: Any = None) -> None:
    """One audit line per triage decision (in its transaction), naming the reports it moved."""
    ids = ", ".join(f"#{report.pk}" for report in reports[:50]) + (" …" if len(reports) > 50 else "")
    audit_record(
        actor=actor,
        action=AuditAction.TRIAGED,
        target=target,
        summary=f"{decision} ({len(reports)}): {ids}",
    )


def reports_merge(
    *,
    actor: Any,
    report_ids: Iterable[int],
    issue: ExperienceIssue | None = None,
    new_issue_title: str = "",
) -> ExperienceIssue:
    """Merge reports into an existing issue, or into a new one titled `new_issue_title`."""
    require_role(actor, Role.ANALYST)
    ids = _ids(report_ids)
    if issue is None and not new_issue_title.strip():
        raise ApplicationError(_("Choose an issue or give the new issue a title."), code="invalid")
    with transaction.atomic():
        reports = _lock_reports(ids, actor=actor)
        if issue is None:
            first = reports[0]
            issue = issue_create(
                actor=actor,
                title=new_issue_title,
                product=first.product,
                layer=first.layer,
                stage=first.stage,
            )
        elif not _issue_visible(actor, issue):
            raise ApplicationError(_("This issue does not exist."), code="not_found")
        elif issue.status == IssueStatus.CLOSED:
            raise ApplicationError(
                _("This issue is closed; reopen it before adding reports."), code="conflict"
            )
        moving = [r for r in reports if not (r.status == ReportStatus.LINKED and r.issue_id == issue.pk)]
        _move(
            moving,
            actor=actor,
            reason=_("merged into issue #%(id)d") % {"id": issue.pk},
            status=ReportStatus.LINKED,
            issue=issue,
        )
        if moving:
            notify_followers(
                target=issue,
                kind=NotificationKind.OTHER,
                message=gettext_noop("%(count)d report(s) merged into “%(title)s”"),
                params={"count": len(moving), "title": issue.title},
                url=reverse("reports:issue", args=[issue.pk]),
                actor=actor,
            )
        _audit_triage(actor, _("merged into issue #%(id)d") % {"id": issue.pk}, moving, target=issue)
    issue.refresh_from_db()
    return issue


def reports_unmerge(*, actor: Any, report_ids: Iterable[int]) -> int:
    """Split reports back out of their issues (they stay triaged, unlinked)."""
    require_role(actor, Role.ANALYST)
    ids = _ids(report_ids)
    with transaction.atomic():
        reports = [r for r in _lock_reports(ids, actor=actor) if r.status == ReportStatus.LINKED]
        _move(
            reports, actor=actor, reason=_("split out of its issue"), status=ReportStatus.TRIAGED, issue=None
        )
        _audit_triage(actor, _("split out of its issue"), reports)
    return len(reports)


def reports_dismiss(*, actor: Any, report_ids: Iterable[int], reason: str) -> int:
    """Dismiss reports (not an experience problem, spam, test...) with a reason; they leave the counts."""
    require_role(actor, Role.ANALYST)
    reason = mask_personal_numbers((reason or "").strip())
    if not reason:
        raise ApplicationError(_("Say why the reports are dismissed."), code="invalid")
    ids = _ids(report_ids)
    with transaction.atomic():
        reports = _lock_reports(ids, actor=actor)
        _move(
            reports,
            actor=actor,
            reason=_("dismissed: %(reason)s") % {"reason": reason[:200]},
            status=ReportStatus.DISMISSED,
            issue=None,
            dismiss_reason=reason[:300],
        )
        _audit_triage(actor, _("dismissed: %(reason)s") % {"reason": reason[:200]}, reports)
    return len(reports)


def reports_reopen(*, actor: Any, report_ids: Iterable[int]) -> int:
    """Put dismissed reports back in the queue as new."""
    require_role(actor, Role.ANALYST)
    ids = _ids(report_ids)
    with transaction.atomic():
        reports = [r for r in _lock_reports(ids, actor=actor) if r.status == ReportStatus.DISMISSED]
        _move(
            reports,
            actor=actor,
            reason=_("reopened"),
            status=ReportStatus.NEW,
            issue=None,
            stamp_triage=False,
        )
        _audit_triage(actor, _("reopened"), reports)
    return len(reports)


def reports_classify(
    *,
    actor: Any,
    report_ids: Iterable[int],
    product: Product | None = None,
    channel: Channel | None = None,
    source_type: str = "",
    layer: str = "",
    stage: str = "",
) -> int:
    """Set product / channel / source type / layer / stage on reports; new ones become triaged."""
    require_role(actor, Role.ANALYST)
    if source_type and source_type not in SourceType.values:
        raise ApplicationError(_("Choose a source type."), code="invalid")
    if layer and layer not in ExperienceLayer.values:
        raise ApplicationError(_("Choose an experience layer."), code="invalid")
    if stage and stage not in LifecycleStage.values:
        raise ApplicationError(_("Choose a lifecycle stage."), code="invalid")
    if not any([product, channel, source_type, layer, stage]):
        raise ApplicationError(_("Choose what to set."), code="invalid")
    ids = _ids(report_ids)
    now = timezone.now()
    with transaction.atomic():
        reports = _lock_reports(ids, actor=actor)
        removed, added = [], []
        for report in reports:
            removed.append(ReportFacts.of(report))
            if product is not None:
                report.product = product
            if channel is not None:
                report.channel = channel
            report.source_type = source_type or report.source_type
            report.layer = layer or report.layer
            report.stage = stage or report.stage
            if report.status == ReportStatus.NEW:
                report.status = ReportStatus.TRIAGED
            report.triaged_by = actor
            report.triaged_at = now
            _save(
                report,
                actor=actor,
                reason=_("classified"),
                fields=[
                    "product",
                    "channel",
                    "source_type",
                    "layer",
                    "stage",
                    "status",
                    "triaged_by",
                    "triaged_at",
                ],
            )
            added.append(ReportFacts.of(report))
        rollups_apply_delta(removed=removed, added=added)
        _audit_triage(actor, _("classified"), reports)
    return len(reports)


def issue_recount(*, issue: ExperienceIssue) -> ExperienceIssue:
    """Repair an issue's denormalised count and dates from its reports (an admin/maintenance tool)."""
    with transaction.atomic():
        issue = ExperienceIssue.objects.select_for_update().get(pk=issue.pk)
        linked = ExperienceReport.objects.filter(issue=issue, status=ReportStatus.LINKED)
        span = linked.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
        ExperienceIssue.objects.filter(pk=issue.pk).update(
            report_count=linked.count(), first_reported_at=span["first"], last_reported_at=span["last"]
        )
    issue.refresh_from_db()
    return issue
