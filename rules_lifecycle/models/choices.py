"""The rules app's enumerations (its `TextChoices`) other than the lifecycle's, read in one place.

A rule's statuses and who may move it between them (`RuleStatus`, `Mover`) are the state machine:
they stay with the moves in `rules_lifecycle.models.statuses`.  The models import these from here
and `rules_lifecycle.models` re-exports them.  Which systems may run which timing is a rule the
database enforces (`SYSTEMS_FOR_TIMING`, in `rules_lifecycle.models.rules`), not vocabulary.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# --- Experience rules (rules.py) ------------------------------------------------------------------


class ImplementingSystem(models.TextChoices):
    BOSS = "boss", _("Business support system (BOSS)")
    END_TO_END = "end_to_end", _("End-to-end system")
    CMP = "cmp", _("Touchpoint management platform (CMP)")
    PRODUCT_PLATFORM = "product_platform", _("Product platform")
    WEB_APP = "web_app", _("Web / app")


class Timing(models.TextChoices):
    INSTANT = "instant", _("Instant")
    NON_INSTANT = "non_instant", _("Non-instant")


# --- Evaluation runs and results (evaluation.py) --------------------------------------------------


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Daily schedule")
    ON_DEMAND = "on_demand", _("On demand")
    COMMAND = "command", _("Command line")


class EvaluationVerdict(models.TextChoices):
    KEEP = "keep", _("Keep")
    IMPROVE = "improve", _("Improve")
    RETIRE = "retire", _("Retire")
    UNDECIDED = "undecided", _("Undecided")


class VerdictReason(models.TextChoices):
    WORTHWHILE = "worthwhile", _("Works, and by at least the minimum worthwhile effect")
    GUARDRAIL_MARGIN = "guardrail_margin", _("Works, but a guardrail got worse than its margin")
    TOO_SMALL = "too_small", _("Works, but by less than the minimum worthwhile effect")
    HARMFUL = "harmful", _("Makes the primary measure worse")
    NEGLIGIBLE = "negligible", _("Shown to make no worthwhile difference")
    GUARDRAIL_HARMED = "guardrail_harmed", _("A guardrail is significantly worse")
    INSUFFICIENT_DATA = "insufficient_data", _("Insufficient data")
    INCONCLUSIVE = "inconclusive", _("Inconclusive")
    NO_CONTROL = "no_control", _("Looks bad, but without a control scope it cannot retire a rule")
