"""Filing experience reports: by hand (the filing page), one by one or in batches (the API).

Bulk files go through `cxops.services.imports`; triage (classify, merge, dismiss) through
`cxops.services.triage`.  Every path keeps the daily rollups exact in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db import transaction
from django.db.models import Exists
from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from cxops.errors import ApplicationError
from cxops.inputs import moment_problem
from cxops.models import MANUAL_SOURCE_SYSTEM
from cxops.models import Channel
from cxops.models import ExperienceIssue
from cxops.models import ExperienceLayer
from cxops.models import ExperienceReport
from cxops.models import LifecycleStage
from cxops.models import Product
from cxops.models import Region
from cxops.models import Segment
from cxops.models import Severity
from cxops.models import SourceType
from cxops.models import default_region_id
from cxops.personal_numbers import mask_personal_numbers
from cxops.phones import InvalidPhone
from cxops.phones import customer_reference
from cxops.regions import user_region
from cxops.roles import Role
from cxops.roles import require_role
from cxops.selectors.reference import reference_by_code
from cxops.selectors.reports import issues_visible_to
from cxops.selectors.reports import reports_visible_to
from cxops.services.rollups import ReportFacts
from cxops.services.rollups import rollups_apply_delta
from cxops.services.triage import link_reports
from cxops.services.webhook_events import report_created_emit

SUMMARY_MAX = 200
# A report's detail is what the customer said, not a document: a few pages at most (lists show it,
# search indexes it; megabytes of it made every list heavy).
DETAIL_MAX = 5_000
BATCH_MAX = 500
FUTURE_TOLERANCE = timedelta(minutes=10)


def _validate(
    *,
    source_type: str,
    layer: str,
    stage: str,
    severity: int,
    summary: str,
    detail: str,
    occurred_at: datetime,
    product: Product,
    channel: Channel,
) -> None:
    errors: dict[str, list[str]] = {}
    if source_type not in SourceType.values:
        errors["source_type"] = [_("Choose a source type.")]
    if layer not in ExperienceLayer.values:
        errors["layer"] = [_("Choose an experience layer.")]
    if stage not in LifecycleStage.values:
        errors["stage"] = [_("Choose a lifecycle stage.")]
    if severity not in Severity.values:
        errors["severity"] = [_("Choose a severity.")]
    if not summary.strip():
        errors["summary"] = [_("Write what happened in a few words.")]
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = [_("Keep the summary under 200 characters; put the rest in the detail.")]
    if len(detail) > DETAIL_MAX:
        errors["detail"] = [
            _("Keep the detail under %(limit)d characters (it has %(length)d).")
            % {"limit": DETAIL_MAX, "length": len(detail)}
        ]
    problem = moment_problem(occurred_at)
    if problem:
        errors["occurred_at"] = [problem]
    elif occurred_at > timezone.now() + FUTURE_TOLERANCE:
        errors["occurred_at"] = [_("The time is in the future.")]
    if not product.is_active:
        errors["product"] = [_("This product is no longer active.")]
    if not channel.is_active:
        errors["channel"] = [_("This channel is no longer active.")]
    if errors:
        raise ValidationError(errors)


def _region_for(actor: Any, region: Region | None) -> Region:
    """The region a report is filed in: the one chosen, else the filer's home city, else the
    default region.  A city member files only in their city; a retired region takes no reports."""
    home = user_region(actor)
    if region is None:
        region = home or reference_by_code(Region, settings.CXOPS_DEFAULT_REGION)
        if region is None:
            region = Region.objects.get(pk=default_region_id())
    if home is not None and region.pk != home.pk:
        raise ValidationError({"region": [_("You file reports for %(city)s only.") % {"city": home.name}]})
    if not region.is_active:
        raise ValidationError({"region": [_("This region is no longer active.")]})
    return region


def _issue_visible(actor: Any, issue: ExperienceIssue) -> bool:
    return issues_visible_to(actor, queryset=ExperienceIssue.objects.all()).filter(pk=issue.pk).exists()


def _already_filed(actor: Any, source_system: str, external_id: str) -> ExperienceReport | None:
    """The report already filed under (source system, external id), when `actor` may read it.  One
    filed where `actor` may not look is refused as a conflict that tells nothing of its contents."""
    # one query, found or not: the row with whether `actor` may read it
    visible = reports_visible_to(actor, queryset=ExperienceReport.objects.filter(pk=OuterRef("pk")))
    found = (
        ExperienceReport.objects.filter(source_system=source_system, external_id=external_id)
        .annotate(readable=Exists(visible))
        .first()
    )
    if found is not None and not found.readable:  # type: ignore[attr-defined]
        raise ApplicationError(
            _("A report with this source system and external id was already filed by someone else."),
            code="conflict",
        )
    return found


def report_create(
    *,
    actor: Any,
    product: Product,
    channel: Channel,
    source_type: str,
    layer: str,
    stage: str,
    summary: str,
    occurred_at: datetime,
    detail: str = "",
    severity: int = Severity.MEDIUM,
    customer: str = "",
    segments: Iterable[Segment] = (),
    source_system: str = MANUAL_SOURCE_SYSTEM,
    external_id: str | None = None,
    issue: ExperienceIssue | None = None,
    region: Region | None = None,
) -> tuple[ExperienceReport, bool]:
    """File one report (optionally attached to an issue).  Returns (report, created).

    Re-sending the same (source system, external id) returns the report already filed and changes
    nothing; one `actor` may not read is refused as a conflict.  Customer numbers are kept only masked and hashed; numbers typed into the text are masked.
    """
    require_role(actor, Role.FRONTLINE)
    summary = mask_personal_numbers((summary or "").strip())
    detail = mask_personal_numbers((detail or "").strip())
    external_id = (external_id or "").strip() or None
    source_system = (source_system or MANUAL_SOURCE_SYSTEM).strip()[:50]
    _validate(
        source_type=source_type,
        layer=layer,
        stage=stage,
        severity=int(severity),
        summary=summary,
        detail=detail,
        occurred_at=occurred_at,
        product=product,
        channel=channel,
    )
    region = _region_for(actor, region)
    if issue is not None and not _issue_visible(actor, issue):
        raise ValidationError({"issue": [_("This issue does not exist.")]})
    try:
        customer_masked, customer_hash = customer_reference(customer)
    except InvalidPhone:
        raise ValidationError(
            {"customer": [_("Enter a mobile or landline number, e.g. 138 0013 8000.")]}
        ) from None
    if external_id is not None:
        existing = _already_filed(actor, source_system, external_id)
        if existing is not None:
            return existing, False
    report = ExperienceReport(
        source_type=source_type,
        product=product,
        channel=channel,
        region=region,
        layer=layer,
        stage=stage,
        summary=summary,
        detail=detail,
        occurred_at=occurred_at,
        severity=int(severity),
        reporter=actor,
        customer_masked=customer_masked,
        customer_hash=customer_hash,
        source_system=source_system,
        external_id=external_id,
    )
    report._history_user = actor  # type: ignore[attr-defined]
    report._change_reason = "filed"  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            report.save()
            segment_list = list(segments)
            if segment_list:
                report.segments.set(segment_list)
            rollups_apply_delta(added=[ReportFacts.of(report)])
            if issue is not None:
                # The reporter may attach their own new report to an existing issue (no triage right
                # needed): that is the point of showing similar issues while filing.

                link_reports(actor=actor, report_ids=[report.pk], issue=issue, reason="attached when filed")
                report.refresh_from_db()

            report_created_emit(report)
    except IntegrityError:
        if external_id is None:
            raise
        # A concurrent request filed the same record first.
        existing = _already_filed(actor, source_system, external_id)
        if existing is None:
            raise
        return existing, False
    return report, True


@dataclass
class BatchItemResult:
    index: int
    status: str  # "created" | "duplicate" | "error"
    report: ExperienceReport | None = None
    errors: dict[str, Any] = field(default_factory=dict)


def report_create_batch(*, actor: Any, items: Sequence[Mapping[str, Any]]) -> list[BatchItemResult]:
    """File many reports; each item succeeds or fails alone (partial success), in input order.

    Items are keyword arguments of `report_create` (already parsed to model instances).
    """
    require_role(actor, Role.FRONTLINE)
    if len(items) > BATCH_MAX:
        raise ApplicationError(
            _("Send at most %(max)d reports per batch.") % {"max": BATCH_MAX}, code="invalid"
        )
    results = []
    for index, item in enumerate(items):
        try:
            with transaction.atomic():
                report, created = report_create(actor=actor, **item)
        except ValidationError as error:
            errors = (
                error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
            )
            results.append(BatchItemResult(index=index, status="error", errors=errors))
        except ApplicationError as error:
            results.append(
                BatchItemResult(index=index, status="error", errors={"non_field_errors": [error.message]})
            )
        else:
            results.append(
                BatchItemResult(index=index, status="created" if created else "duplicate", report=report)
            )
    return results
