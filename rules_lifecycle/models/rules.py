"""Experience rules (体验规则) and the record of every move through their lifecycle."""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_
from typing import Any
from typing import cast

from django.db import models
from django.db.models import F
from django.db.models import Q
from django.db.models.functions import Mod
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxops.history import TrackedHistory
from cxops.models import Channel
from cxops.models import ExperienceIssue
from cxops.models import ExperienceLayer
from cxops.models import Product
from cxops.models import Region
from cxops.models import Segment
from cxops.models.acts import Act
from cxops.models.choices import choices_check
from cxops.models.fields import user_reference

from .choices import ImplementingSystem
from .choices import Timing
from .statuses import DESIGN_EDITABLE_STATUSES
from .statuses import FINAL_STATUSES
from .statuses import MOVES
from .statuses import RUNNING_STATUSES
from .statuses import RuleStatus

# PRODUCT.md: instant rules are run by the business support / end-to-end systems, non-instant ones
# by CMP; product platforms and web/app can run either.  Enforced by a check constraint.
SYSTEMS_FOR_TIMING: dict[str, frozenset[str]] = {
    Timing.INSTANT: frozenset(
        {
            ImplementingSystem.BOSS,
            ImplementingSystem.END_TO_END,
            ImplementingSystem.PRODUCT_PLATFORM,
            ImplementingSystem.WEB_APP,
        }
    ),
    Timing.NON_INSTANT: frozenset(
        {ImplementingSystem.CMP, ImplementingSystem.PRODUCT_PLATFORM, ImplementingSystem.WEB_APP}
    ),
}

# The measure each target layer is scored on (PRODUCT.md, "Evaluate"); the other two are guardrails.
PRIMARY_MEASURE: dict[str, str] = {
    ExperienceLayer.CONVENIENCE: "activity",
    ExperienceLayer.FUNCTIONAL: "complaint_rate",
    ExperienceLayer.EMOTIONAL: "satisfaction",
}
MEASURE_LABELS = {
    "activity": _("Activity"),
    "complaint_rate": _("Complaint rate"),
    "satisfaction": _("Satisfaction"),
}

# Evaluation design defaults (../shared/EVALUATION.md).
# The rule's scope (treated and control groups): many-to-many fields, named once for the forms,
# the API, the services and the selectors' prefetches.
SCOPE_FIELDS = (
    "products",
    "channels",
    "segments",
    "control_products",
    "control_channels",
    "control_segments",
    "regions",
    "control_regions",
)
# How the evaluation measures the rule (with the scope: its design, fixed at go-live).
MEASUREMENT_FIELDS = (
    "pre_window_days",
    "burn_in_days",
    "post_window_days",
    "minimum_worthwhile_effect",
    "guardrail_margin",
)

DEFAULT_PRE_WINDOW_DAYS = 28
DEFAULT_BURN_IN_DAYS = 7
DEFAULT_POST_WINDOW_DAYS = 28
MIN_POST_WINDOW_DAYS = 28
MAX_BURN_IN_DAYS = 56
DEFAULT_MINIMUM_WORTHWHILE_EFFECT = 0.05
DEFAULT_GUARDRAIL_MARGIN = 0.10
DEFAULT_REVIEW_AFTER_DAYS = 90


class ExperienceRule(models.Model):
    """A rule an operator's system runs so customers fare better; born from an accepted strategy.

    Fields the evaluation reads (all fixed while the rule runs; editable only while it is proposed,
    approved or implementing):

    - scope the rule touches (treated scope T): `products`, `channels`, `segments` (M2M to the
      cxops reference models; empty channels/segments mean "all of them").
    - control scope C it does not touch: `control_products`, `control_channels`,
      `control_segments`; all empty means "no control: pre/post only".
    - `layer`: the target experience layer; `primary_measure` names its measure
      (convenience → activity, functional → complaint_rate, emotional → satisfaction) and
      `guardrail_measures` the other two.
    - windows, in days, whole weeks: `pre_window_days` (default 28) before go-live;
      `burn_in_days` (default 7) skipped after go-live; `post_window_days` (≥ 28, default 28).
      `pre_window`, `post_window` give the (first day, last day) local dates.
    - `minimum_worthwhile_effect`: relative, e.g. 0.05 = 5 %.
    - `guardrail_margin`: relative non-inferiority margin for the guardrail measures, e.g. 0.10.
    - `go_live_on` (local date; set by each move to live, or backfilled to the day a rule that ran
      before cxops really went live: `services.rules.rule_backfill_go_live`), `review_due_on`
      (= go_live_on + `review_after_days`, default 90), `retired_on`.
    - `status`: a `RuleStatus`; changed only by `rules_lifecycle.transitions.rule_transition`.
    """

    # Read by simple-history when the row is saved: who changed it, why and when.  Services set
    # them before each save (the request middleware does not reach tasks and commands).
    _history_user: Any
    _change_reason: str
    _history_date: dt.datetime

    strategy = models.ForeignKey(
        "proposals.Strategy", verbose_name=_("strategy"), on_delete=models.PROTECT, related_name="rules"
    )
    issues = models.ManyToManyField(
        ExperienceIssue, verbose_name=_("experience issues"), blank=True, related_name="rules"
    )
    name = models.CharField(_("name"), max_length=200)

    # The trigger, structured so the implementing team can build it: when EVENT happens and
    # CONDITION holds, the system does ACTION.
    trigger_event = models.CharField(
        _("trigger event"),
        max_length=300,
        help_text=_("What happens, e.g. “a customer calls 10086 about Fetion”."),
    )
    trigger_condition = models.TextField(
        _("condition"),
        blank=True,
        help_text=_("When it applies, e.g. “the customer has not installed Fetion”."),
    )
    trigger_action = models.TextField(
        _("action"), help_text=_("What the system does, e.g. “send an SMS with the download link”.")
    )
    trigger_notes = models.TextField(
        _("notes for the implementing team"), blank=True, help_text=_("Anything else, in free text.")
    )
    implementing_system = models.CharField(
        _("implementing system"), max_length=20, choices=ImplementingSystem.choices
    )
    timing = models.CharField(
        _("timing"),
        max_length=20,
        choices=Timing.choices,
        help_text=_(
            "Instant rules (即时性) are run by BOSS or the end-to-end system while the customer is "
            "in contact; non-instant rules (非即时性) are run later by CMP."
        ),
    )

    products = models.ManyToManyField(Product, verbose_name=_("products"), related_name="rules")
    channels = models.ManyToManyField(
        Channel,
        verbose_name=_("channels"),
        blank=True,
        related_name="rules",
        help_text=_("Empty: all channels."),
    )
    segments = models.ManyToManyField(
        Segment,
        verbose_name=_("customer segments"),
        blank=True,
        related_name="rules",
        help_text=_("Empty: all customers."),
    )
    owner = user_reference(_("owner"), related_name="owned_rules")
    layer = models.CharField(_("target layer"), max_length=20, choices=ExperienceLayer.choices)

    # Evaluation design.
    control_products = models.ManyToManyField(
        Product, verbose_name=_("control products"), blank=True, related_name="+"
    )
    control_channels = models.ManyToManyField(
        Channel, verbose_name=_("control channels"), blank=True, related_name="+"
    )
    control_segments = models.ManyToManyField(
        Segment, verbose_name=_("control segments"), blank=True, related_name="+"
    )
    # Regions (issue 17): the cities a pilot runs in (none: the whole province) and the cities it is
    # measured against (none: the treated cities, or the province).
    regions = models.ManyToManyField(
        Region,
        verbose_name=_("cities"),
        blank=True,
        related_name="rules",
        help_text=_("A pilot in some cities; none: the whole province."),
    )
    control_regions = models.ManyToManyField(
        Region,
        verbose_name=_("control cities"),
        blank=True,
        related_name="+",
        help_text=_("The cities the pilot is compared with (each city's series a donor of the control)."),
    )
    pre_window_days = models.PositiveSmallIntegerField(
        _("days before go-live"),
        default=DEFAULT_PRE_WINDOW_DAYS,
        help_text=_(
            "The shortest baseline, in whole weeks; the evaluation uses the longest clean history "
            "before go-live, up to 26 weeks."
        ),
    )
    burn_in_days = models.PositiveSmallIntegerField(
        _("burn-in days"),
        default=DEFAULT_BURN_IN_DAYS,
        help_text=_("Days after go-live left out while the rule settles."),
    )
    post_window_days = models.PositiveSmallIntegerField(
        _("days after burn-in"),
        default=DEFAULT_POST_WINDOW_DAYS,
        help_text=_(
            "The window of the first look, compared with the baseline; whole weeks, at least 28 days. "
            "Looks follow every week until the review date."
        ),
    )
    minimum_worthwhile_effect = models.FloatField(
        _("minimum worthwhile effect"),
        default=DEFAULT_MINIMUM_WORTHWHILE_EFFECT,
        help_text=_("The smallest relative improvement worth the rule's cost, e.g. 0.05 for 5%."),
    )
    guardrail_margin = models.FloatField(
        _("guardrail margin"),
        default=DEFAULT_GUARDRAIL_MARGIN,
        help_text=_("How much worse (relative) the other two measures may get, e.g. 0.10 for 10%."),
    )
    review_after_days = models.PositiveSmallIntegerField(
        _("review after (days live)"), default=DEFAULT_REVIEW_AFTER_DAYS
    )

    # Assigned only by rules_lifecycle.transitions.rule_transition.
    status = models.CharField(
        _("status"), max_length=20, choices=RuleStatus.choices, default=RuleStatus.PROPOSED
    )
    go_live_on = models.DateField(_("go-live date"), null=True, blank=True)
    review_due_on = models.DateField(_("review date"), null=True, blank=True)
    retired_on = models.DateField(_("retirement date"), null=True, blank=True)
    # Bumped by every edit and move: an edit form carries the version it was read at, and a save
    # from an older version is refused (see services.rules.rule_update).
    version = models.PositiveIntegerField(_("version"), default=1)

    created_by = user_reference(_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    history = TrackedHistory()

    class Meta:
        verbose_name = _("experience rule")
        verbose_name_plural = _("experience rules")
        ordering = ["-updated_at", "-id"]
        constraints = [
            choices_check("status", RuleStatus, "rule_status_valid"),
            choices_check("implementing_system", ImplementingSystem, "rule_system_valid"),
            choices_check("timing", Timing, "rule_timing_valid"),
            choices_check("layer", ExperienceLayer, "rule_layer_valid"),
            models.CheckConstraint(
                condition=reduce(
                    or_,
                    (
                        Q(timing=timing, implementing_system__in=sorted(systems))
                        for timing, systems in SYSTEMS_FOR_TIMING.items()
                    ),
                ),
                name="rule_timing_matches_system",
            ),
            models.CheckConstraint(
                # Q & lookup is a Q at run time; django-stubs types it as Combinable.
                condition=cast(Q, Q(pre_window_days__gte=7) & Exact(Mod("pre_window_days", 7), 0)),
                name="rule_pre_window_whole_weeks",
            ),
            models.CheckConstraint(
                condition=cast(
                    Q, Q(post_window_days__gte=MIN_POST_WINDOW_DAYS) & Exact(Mod("post_window_days", 7), 0)
                ),
                name="rule_post_window_whole_weeks",
            ),
            models.CheckConstraint(
                condition=Q(burn_in_days__lte=MAX_BURN_IN_DAYS), name="rule_burn_in_range"
            ),
            models.CheckConstraint(
                condition=Q(minimum_worthwhile_effect__gt=0, minimum_worthwhile_effect__lt=1),
                name="rule_mwe_range",
            ),
            models.CheckConstraint(
                condition=Q(guardrail_margin__gt=0, guardrail_margin__lt=1),
                name="rule_guardrail_margin_range",
            ),
            models.CheckConstraint(
                condition=Q(review_after_days__gte=F("burn_in_days") + F("post_window_days")),
                name="rule_review_after_windows",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=sorted(RUNNING_STATUSES | {RuleStatus.RETIRED}))
                | Q(go_live_on__isnull=False, review_due_on__isnull=False),
                name="rule_running_has_go_live",
            ),
            models.CheckConstraint(
                condition=Q(status=RuleStatus.RETIRED, retired_on__isnull=False)
                | (~Q(status=RuleStatus.RETIRED) & Q(retired_on__isnull=True)),
                name="rule_retired_has_date",
            ),
            models.CheckConstraint(
                condition=Q(retired_on__isnull=True) | Q(retired_on__gte=F("go_live_on")),
                name="rule_retired_after_live",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="rule_version_positive"),
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="rule_status_updated"),
            models.Index(fields=["owner", "status"], name="rule_owner_status"),
            models.Index(fields=["go_live_on"], name="rule_go_live"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("rules:detail", args=[self.pk])

    # --- read-only predicates -------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def review_overdue_days(self) -> int:
        """Days a live rule is past its review date (0 when it is not live or not yet due).

        Under review, the decision is already being made; only a live rule can be forgotten.
        """
        if self.status != RuleStatus.LIVE or self.review_due_on is None:
            return 0
        return max((timezone.localdate() - self.review_due_on).days, 0)

    def can_edit_design(self) -> bool:
        """Trigger, system, timing, scope and evaluation design: only before the rule runs."""
        return self.status in DESIGN_EDITABLE_STATUSES

    def can_edit(self) -> bool:
        """Name, notes, owner and review date stay editable until the rule is retired or rejected."""
        return not self.is_final

    @property
    def status_label(self) -> str:
        return str(RuleStatus(self.status).label)

    @property
    def primary_measure(self) -> str:
        return PRIMARY_MEASURE[self.layer]

    @property
    def guardrail_measures(self) -> list[str]:
        return [measure for measure in MEASURE_LABELS if measure != self.primary_measure]

    @property
    def has_control(self) -> bool:
        """Uses prefetched rows when present (board and detail pages prefetch them)."""
        return bool(
            self.control_products.all()
            or self.control_channels.all()
            or self.control_segments.all()
            or self.control_regions.all()
        )

    @property
    def pre_window(self) -> tuple[dt.date, dt.date] | None:
        """First and last local day of the baseline window (None before go-live)."""
        if self.go_live_on is None:
            return None
        return (
            self.go_live_on - dt.timedelta(days=self.pre_window_days),
            self.go_live_on - dt.timedelta(days=1),
        )

    @property
    def post_window(self) -> tuple[dt.date, dt.date] | None:
        """First and last local day of the window after burn-in (None before go-live)."""
        if self.go_live_on is None:
            return None
        start = self.go_live_on + dt.timedelta(days=self.burn_in_days)
        return (start, start + dt.timedelta(days=self.post_window_days - 1))


# Every recorded transition is one of the allowed moves: a database fact, not only a code path.
_ALLOWED_PAIRS = reduce(or_, (Q(from_status=m.source, to_status=m.target) for m in MOVES))


class RuleTransition(Act):
    """One move of one rule: from, to (and who, why and when: `Act`).  Written only by
    `rule_transition`."""

    rule = models.ForeignKey(
        ExperienceRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="transitions"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=RuleStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=RuleStatus.choices)

    class Meta:
        verbose_name = _("rule transition")
        verbose_name_plural = _("rule transitions")
        ordering = ["rule", "created_at", "id"]
        constraints = [
            choices_check("from_status", RuleStatus, "rule_transition_from_valid"),
            choices_check("to_status", RuleStatus, "rule_transition_to_valid"),
            models.CheckConstraint(condition=_ALLOWED_PAIRS, name="rule_transition_allowed_move"),
        ]
        indexes = [models.Index(fields=["rule", "created_at"], name="rule_transition_rule_at")]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.from_status} → {self.to_status}"

    @property
    def from_label(self) -> str:
        return str(RuleStatus(self.from_status).label)

    @property
    def to_label(self) -> str:
        return str(RuleStatus(self.to_status).label)


# No metric history, report or rule in cxops is older than this: a go-live before it is a typing
# slip (a year-1 date, a swapped century), not a rule that ran that long ago.
EARLIEST_GO_LIVE = dt.date(2000, 1, 1)


class RuleGoLiveBackfill(Act):
    """One correction of a running rule's go-live date to the day it really went live (a rule that
    ran before cxops was adopted): who, when, from which date to which, and why.  Written only by
    `rules_lifecycle.services.rules.rule_backfill_go_live`; shown on the rule's timeline."""

    rule = models.ForeignKey(
        ExperienceRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="go_live_backfills"
    )
    previous_go_live_on = models.DateField(_("go-live date before"))
    go_live_on = models.DateField(_("go-live date recorded"))
    reason = models.TextField(_("reason"))  # required here (also checked by the database)

    class Meta:
        verbose_name = _("go-live backfill")
        verbose_name_plural = _("go-live backfills")
        ordering = ["rule", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(go_live_on=F("previous_go_live_on")), name="rule_backfill_changes_date"
            ),
            models.CheckConstraint(
                condition=Q(go_live_on__gte=EARLIEST_GO_LIVE), name="rule_backfill_not_before_2000"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="rule_backfill_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.previous_go_live_on} → {self.go_live_on}"
