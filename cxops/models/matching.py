"""Matching by meaning: the analysts' lexicon, each issue's matching profile, triage's "not the same"."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxops.history import TrackedHistory

from .fields import user_reference
from .reports import ExperienceIssue
from .reports import ExperienceReport


class MatchConcept(models.Model):
    """A concept of the telecom lexicon added or extended by analysts.  A code that is also a
    built-in concept (cxops/matching/builtin_lexicon.py) adds its aliases to that concept."""

    code = models.CharField(
        _("code"),
        max_length=60,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9_]+$", _("Use lower-case letters, digits and _ only."))],
        help_text=_("Lower-case letters, digits and _; a built-in code extends that concept."),
    )
    label_zh = models.CharField(_("name (Chinese)"), max_length=100)
    label_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    aliases = models.TextField(
        _("aliases"),
        help_text=_(
            "One name per line, as customers and staff say it; * stands for a short gap (转到*号码)."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = TrackedHistory()

    class Meta:
        verbose_name = _("matching concept")
        verbose_name_plural = _("matching concepts")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.label_zh} ({self.code})"

    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


class IssueMatchProfile(models.Model):
    """What an issue is matched by: the concept and word terms of its title (twice), description
    and the reports merged into it, space-separated, repeated as often as they occur.  Rebuilt by
    `issue_profile_refresh` whenever one of those changes.  On PostgreSQL a generated `search`
    tsvector column over `terms` with a GIN index (migration 0014) retrieves candidates."""

    issue = models.OneToOneField(
        ExperienceIssue, primary_key=True, on_delete=models.CASCADE, related_name="match_profile"
    )
    terms = models.TextField(blank=True)
    reports_included = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("issue matching profile")
        verbose_name_plural = _("issue matching profiles")

    def __str__(self) -> str:
        return f"#{self.issue_id}: {self.terms[:80]}"


class IssueMatchTerm(models.Model):
    """One distinct term of an issue's profile, for retrieval: the postings every open issue is
    found by (`cxops.selectors.matching`).  `weight` is the profile's side of the cosine without
    IDF (`cxops.matching.analysis.posting_weights`: 1 + ln count, over the profile's length); the
    IDF, which moves with the corpus, is applied at query time.  Pairs of the profile's concepts
    are posted as terms too (`c:a&c:b`, `concept_pairs`).  Written with the profile
    (`issue_profiles_write`); words longer than `TERM_MAX` are not posted."""

    TERM_MAX = 100

    issue = models.ForeignKey(ExperienceIssue, on_delete=models.CASCADE, related_name="match_terms")
    term = models.CharField(max_length=2 * TERM_MAX + 1)
    weight = models.FloatField()

    class Meta:
        verbose_name = _("issue matching term")
        verbose_name_plural = _("issue matching terms")
        # term first (a query reads the posting lists of its terms); issue and weight in the
        # index too, so PostgreSQL answers from the index alone
        indexes = [models.Index(fields=["term", "issue", "weight"], name="match_term_postings")]

    def __str__(self) -> str:
        return f"#{self.issue_id}: {self.term}"


class MatchRejection(models.Model):
    """Triage said this report is not the same as this issue: never suggest the issue for it again."""

    report = models.ForeignKey(ExperienceReport, on_delete=models.CASCADE, related_name="match_rejections")
    issue = models.ForeignKey(ExperienceIssue, on_delete=models.CASCADE, related_name="match_rejections")
    decided_by = user_reference()
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("“not the same” decision")
        verbose_name_plural = _("“not the same” decisions")
        constraints = [
            models.UniqueConstraint(fields=["report", "issue"], name="match_rejection_unique_pair"),
        ]

    def __str__(self) -> str:
        return f"report #{self.report_id} ≠ issue #{self.issue_id}"
