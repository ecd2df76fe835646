"""Strategy pages (P/C/E/S scenario + Markdown body), their revisions and status timeline.

Revisions are an explicit table rather than django-simple-history: the revision *number* is the
optimistic-concurrency token, and the unique (strategy, number) constraint makes "exactly one of
two saves from the same base wins" a database fact (see docs/architecture.md).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxops.models import ExperienceIssue
from cxops.models import ExperienceLayer
from cxops.models import Product
from cxops.models.acts import Act
from cxops.models.choices import choices_check
from cxops.models.fields import optional_user_reference
from cxops.models.fields import reference_to
from cxops.models.fields import user_reference

from .choices import StrategyStatus

# Pages in these states are a record of what was decided: no more edits or votes.
CLOSED_STATUSES = frozenset(
    {StrategyStatus.ACCEPTED, StrategyStatus.REJECTED, StrategyStatus.WITHDRAWN, StrategyStatus.MERGED}
)
EDITABLE_STATUSES = frozenset({StrategyStatus.DRAFT, StrategyStatus.DISCUSSION, StrategyStatus.VOTING})


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Strategy(models.Model):
    """An improvement strategy in the P/C/E/S shape: product, layer, experience event, strategy.

    The content fields mirror the latest `Revision`; `current_revision` is its number and is the
    token an editor must present to save (see `proposals.services.strategies.strategy_update`).
    """

    title = models.CharField(_("title"), max_length=200)
    product = reference_to(Product, related_name="strategies")
    layer = models.CharField(_("experience layer"), max_length=20, choices=ExperienceLayer.choices)
    experience_event = models.TextField(
        _("experience event"), help_text=_("What customers go through: the problem or event.")
    )
    issues = models.ManyToManyField(
        ExperienceIssue, verbose_name=_("experience issues"), blank=True, related_name="strategies"
    )
    strategy_text = models.TextField(
        _("strategy"), help_text=_("What we will do about it, in one or two sentences.")
    )
    body = models.TextField(
        _("body"), blank=True, help_text=_("Markdown: details, evidence, open questions.")
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="strategies")
    # The cities the strategy concerns (issue 17); none: the whole province.  A tag, not a scope:
    # the pool stays open to every member (全员参与) whatever their home region.
    regions = models.ManyToManyField(
        "cxops.Region",
        verbose_name=_("cities"),
        blank=True,
        related_name="strategies",
        limit_choices_to={"parent__isnull": False},
    )

    # Assigned only by proposals.services.transitions.strategy_transition.
    status = models.CharField(
        _("status"), max_length=20, choices=StrategyStatus.choices, default=StrategyStatus.DRAFT
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    official_answer = models.TextField(_("official answer"), blank=True)
    official_answer_by = optional_user_reference(_("answered by"), on_delete=models.PROTECT)
    official_answer_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    created_by = user_reference(_("created by"), related_name="strategies_created")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now, db_index=True)
    current_revision = models.PositiveIntegerField(_("current revision"), default=0)

    # Denormalised tallies, recomputed from the rows while the strategy row is locked.
    support_count = models.PositiveIntegerField(_("support"), default=0)
    oppose_count = models.PositiveIntegerField(_("oppose"), default=0)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    # Title, scenario, body, tags and comments, lower-cased: what the pool search matches.
    search_document = models.TextField(editable=False, blank=True, default="")

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        ordering = ["-last_activity_at", "-id"]
        constraints = [
            choices_check("status", StrategyStatus, "strategy_status_valid"),
            choices_check("layer", ExperienceLayer, "strategy_layer_valid"),
            models.CheckConstraint(
                condition=Q(status=StrategyStatus.MERGED, merged_into__isnull=False)
                | (~Q(status=StrategyStatus.MERGED) & Q(merged_into__isnull=True)),
                name="strategy_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="strategy_not_merged_into_itself"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[StrategyStatus.ACCEPTED, StrategyStatus.REJECTED])
                | ~Q(official_answer=""),
                name="strategy_decision_has_answer",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "last_activity_at"], name="strategy_status_activity"),
            models.Index(fields=["product", "status"], name="strategy_product_status"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("proposals:detail", args=[self.pk])

    # --- read-only predicates ------------------------------------------------------------
    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def can_edit(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def is_voting_open(self) -> bool:
        return self.status == StrategyStatus.VOTING

    def can_comment(self) -> bool:
        return self.status != StrategyStatus.MERGED

    @property
    def vote_total(self) -> int:
        return self.support_count + self.oppose_count

    @property
    def support_share(self) -> int:
        """Support as a whole percentage of votes cast (0 when nobody voted)."""
        return round(100 * self.support_count / self.vote_total) if self.vote_total else 0


class Revision(models.Model):
    """One saved version of a strategy page: a full snapshot, never changed after it is written."""

    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("revision"))
    title = models.CharField(_("title"), max_length=200)
    product = reference_to(Product, related_name="+")
    layer = models.CharField(_("experience layer"), max_length=20, choices=ExperienceLayer.choices)
    experience_event = models.TextField(_("experience event"))
    issue_ids = models.JSONField(_("experience issues"), default=list, blank=True)
    strategy_text = models.TextField(_("strategy"))
    body = models.TextField(_("body"), blank=True)
    tag_names = models.JSONField(_("tags"), default=list, blank=True)
    region_codes = models.JSONField(_("cities"), default=list, blank=True)
    summary = models.CharField(_("edit summary"), max_length=300, blank=True)
    restored_from = models.PositiveIntegerField(_("restored from revision"), null=True, blank=True)
    author = user_reference(_("author"))
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["strategy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "number"], name="revision_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="revision_number_positive"),
            choices_check("layer", ExperienceLayer, "revision_layer_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.strategy_id} r{self.number}"


class StatusChange(Act):
    """One move on a strategy's status timeline (who, why and when: `Act`)."""

    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=StrategyStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=StrategyStatus.choices)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["strategy", "created_at", "id"]
        constraints = [
            choices_check("to_status", StrategyStatus, "status_change_to_valid"),
            choices_check("from_status", StrategyStatus, "status_change_from_valid", blank=True),
        ]

    def __str__(self) -> str:
        return f"{self.strategy_id}: {self.from_status or '∅'} → {self.to_status}"
