"""Writes for matching by meaning: issue profiles, "not the same" decisions, the analysts' lexicon.

An issue's profile is rebuilt from its title, description and the reports merged into it whenever
one of those changes (the triage services call `issue_profile_refresh` in their transaction), so
every merge teaches the matcher another way customers say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxops.errors import ApplicationError
from cxops.matching.analysis import PAIR_JOIN
from cxops.matching.analysis import Lexicon
from cxops.matching.analysis import posting_weights
from cxops.models import ExperienceIssue
from cxops.models import ExperienceReport
from cxops.models import IssueMatchProfile
from cxops.models import IssueMatchTerm
from cxops.models import MatchConcept
from cxops.models import MatchRejection
from cxops.models import ReportStatus
from cxops.phones import mask_phones_in_text
from cxops.roles import Role
from cxops.roles import require_role
from cxops.selectors.matching import builtin_concept
from cxops.selectors.matching import current_lexicon
from cxops.selectors.matching import forget_lexicon
from cxops.selectors.matching import forget_term_statistics
from cxops.services.outbox import enqueue_task

# The most recent merged reports that shape a profile: enough to learn the many ways of saying
# it, few enough that a profile stays about one thing and a merge stays cheap.
PROFILE_REPORTS = 30
PROFILE_DESCRIPTION_CHARS = 1_000
ALIASES_MAX = 200


def _profile_terms(*, lexicon: Lexicon, title: str, description: str, summaries: Iterable[str]) -> list[str]:
    terms: list[str] = []
    title_terms = [found.term for found in lexicon.analyse(title).terms]
    terms.extend(title_terms * 2)  # the title is what an analyst chose to call it: it counts double
    terms.extend(found.term for found in lexicon.analyse(description[:PROFILE_DESCRIPTION_CHARS]).terms)
    for summary in summaries:
        terms.extend(found.term for found in lexicon.analyse(summary).terms)
    return terms


def issue_profiles_write(*, profiles: Iterable[tuple[int, Sequence[str], int]]) -> int:
    """Write these issues' profiles — (issue id, terms, merged reports included) — and their
    retrieval postings (`IssueMatchTerm`, one row per distinct term), replacing what they had.
    Bulk writes (the benchmark's crowd, a rebuild) and every refresh come through here, so the
    postings never miss a profile."""
    rows = [(int(issue_id), list(terms), included) for issue_id, terms, included in profiles]
    if not rows:
        return 0
    ids = [issue_id for issue_id, _terms, _included in rows]
    implied = current_lexicon().implied
    now = timezone.now()
    with transaction.atomic():
        # two merges into one issue at once: the second waits here, then replaces the first's
        list(ExperienceIssue.objects.filter(pk__in=ids).order_by("pk").select_for_update().values_list("pk"))
        IssueMatchTerm.objects.filter(issue_id__in=ids).delete()
        IssueMatchProfile.objects.filter(issue_id__in=ids).delete()
        IssueMatchProfile.objects.bulk_create(
            [
                IssueMatchProfile(
                    issue_id=issue_id, terms=" ".join(terms), reports_included=included, updated_at=now
                )
                for issue_id, terms, included in rows
            ]
        )
        IssueMatchTerm.objects.bulk_create(
            [
                IssueMatchTerm(issue_id=issue_id, term=term, weight=weight)
                for issue_id, terms, _included in rows
                for term, weight in posting_weights(terms, implied).items()
                if len(term) <= IssueMatchTerm.TERM_MAX or PAIR_JOIN in term
            ],
            batch_size=5_000,
        )
    return len(rows)


def issue_profile_refresh(*, issue_ids: Iterable[int]) -> int:
    """Rebuild the matching profiles of these issues from what they hold now."""
    ids = sorted({int(pk) for pk in issue_ids})
    if not ids:
        return 0
    lexicon = current_lexicon()
    issues = ExperienceIssue.objects.filter(pk__in=ids).values_list("pk", "title", "description")
    profiles = []
    for issue_id, title, description in issues:
        summaries = list(
            ExperienceReport.objects.filter(issue_id=issue_id, status=ReportStatus.LINKED)
            .order_by("-id")
            .values_list("summary", flat=True)[:PROFILE_REPORTS]
        )
        terms = _profile_terms(lexicon=lexicon, title=title, description=description, summaries=summaries)
        profiles.append((issue_id, terms, len(summaries)))
    issue_profiles_write(profiles=profiles)
    forget_term_statistics(unless_large=True)
    return len(ids)


def match_profiles_rebuild(*, batch: int = 500) -> int:
    """Rebuild every issue's profile (after a lexicon change, or to index issues that predate it)."""
    forget_lexicon()
    done = 0
    last = 0
    while True:
        ids = list(
            ExperienceIssue.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        with transaction.atomic():
            done += issue_profile_refresh(issue_ids=ids)
        last = ids[-1]
    forget_term_statistics()
    return done


def match_reject(*, actor: Any, report: ExperienceReport, issue: ExperienceIssue) -> MatchRejection:
    """Triage decided `report` is not the same as `issue`: it will not be suggested for it again."""
    require_role(actor, Role.ANALYST)
    if report.status == ReportStatus.LINKED and report.issue_id == issue.pk:
        raise ApplicationError(
            _("This report is merged into that issue; split it out first."), code="conflict"
        )
    rejection, _created = MatchRejection.objects.get_or_create(
        report=report, issue=issue, defaults={"decided_by": actor}
    )
    return rejection


def match_concept_save(
    *,
    actor: Any,
    code: str,
    label_zh: str,
    label_en: str = "",
    aliases: str,
    is_active: bool = True,
    concept: MatchConcept | None = None,
) -> MatchConcept:
    """Add or change a concept of the lexicon (analysts); every profile is rebuilt after commit."""
    require_role(actor, Role.ANALYST)
    alias_lines = [line.strip() for line in (aliases or "").splitlines() if line.strip()]
    if not alias_lines and builtin_concept((code or "").strip()) is None:
        # A built-in concept's row may hold no aliases of its own (a new name, or switched off).
        raise ApplicationError(_("Give the concept at least one alias."), code="invalid")
    if len(alias_lines) > ALIASES_MAX:
        raise ApplicationError(
            _("Give at most %(max)d aliases per concept.") % {"max": ALIASES_MAX}, code="invalid"
        )
    if any(line.replace("*", "").strip() == "" or len(line) > 60 for line in alias_lines):
        raise ApplicationError(_("Each alias needs 1 to 60 characters besides *."), code="invalid")
    alias_lines = [mask_phones_in_text(line) for line in alias_lines]
    concept = concept or MatchConcept()
    if concept.pk and (code or "").strip() != concept.code:
        raise ApplicationError(
            _("A concept's code cannot change; add a new concept instead."), code="invalid"
        )
    concept.code = (code or "").strip()
    concept.label_zh = mask_phones_in_text((label_zh or "").strip())
    concept.label_en = mask_phones_in_text((label_en or "").strip())
    concept.aliases = "\n".join(alias_lines)
    concept.is_active = is_active
    try:
        concept.full_clean(exclude=[] if alias_lines else ["aliases"])
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), code="invalid") from None
    concept._history_user = actor  # type: ignore[attr-defined]
    with transaction.atomic():
        concept.save()

        enqueue_task("cxops.tasks.rebuild_match_profiles")
    forget_lexicon()
    return concept


def match_concept_aliases_add(*, actor: Any, code: str, aliases: Iterable[str]) -> MatchConcept | None:
    """Add aliases to a concept (built-in or the analysts'), through `match_concept_save` (checks,
    history, profiles rebuilt); those it already has are skipped.  None when nothing was new."""
    concept = MatchConcept.objects.filter(code=code).first()
    builtin = builtin_concept(code)
    if concept is None and builtin is None:
        raise ApplicationError(_("There is no concept with this code."), code="not_found")
    known = {
        alias.strip().lower()
        for alias in (*(builtin[2] if builtin else ()), *(concept.alias_list() if concept else ()))
    }
    new = [
        alias for alias in dict.fromkeys(a.strip() for a in aliases) if alias and alias.lower() not in known
    ]
    if not new:
        return None
    return match_concept_save(
        actor=actor,
        concept=concept,
        code=code,
        label_zh=concept.label_zh if concept else builtin[0] if builtin else "",
        label_en=concept.label_en if concept else builtin[1] if builtin else "",
        aliases="\n".join([*(concept.alias_list() if concept else []), *new]),
        is_active=concept.is_active if concept else True,
    )
