"""The vocabulary of PRODUCT.md: exact codes, Chinese and English labels (labels are translated)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExperienceLayer(models.TextChoices):
    """In priority order: functional problems first, then convenience, then emotional."""

    FUNCTIONAL = "functional", _("Functional experience")
    CONVENIENCE = "convenience", _("Convenience experience")
    EMOTIONAL = "emotional", _("Emotional experience")


LAYER_PRIORITY = [ExperienceLayer.FUNCTIONAL, ExperienceLayer.CONVENIENCE, ExperienceLayer.EMOTIONAL]

LAYER_HELP = {
    ExperienceLayer.FUNCTIONAL: _(
        "The product does not do what it must (fails, errors, wrong charges). Loses customers."
    ),
    ExperienceLayer.CONVENIENCE: _(
        "It works but is hard or slow to use (hard to find, too many steps). Annoys customers."
    ),
    ExperienceLayer.EMOTIONAL: _(
        "It works and is easy, but could delight or build loyalty (care, recognition)."
    ),
}


class LifecycleStage(models.TextChoices):
    AWARENESS = "awareness", _("Awareness")
    KNOWLEDGE = "knowledge", _("Knowledge")
    INCLINATION = "inclination", _("Inclination")
    USE = "use", _("Use")
    REPEAT_USE = "repeat_use", _("Repeat use")


STAGE_HELP = {
    LifecycleStage.AWARENESS: _("The customer has not heard of it or does not know it exists."),
    LifecycleStage.KNOWLEDGE: _(
        "The customer has heard of it but does not understand what it is or how it works."
    ),
    LifecycleStage.INCLINATION: _("The customer understands it but is not yet willing to try or buy it."),
    LifecycleStage.USE: _("The customer is trying or using it (ordering, first use, day-to-day use)."),
    LifecycleStage.REPEAT_USE: _("The customer has used it and decides whether to keep using or renew."),
}


class SourceType(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    CONSULTATION = "consultation", _("Consultation")
    SUGGESTION = "suggestion", _("Suggestion")
    OBSERVATION = "observation", _("Frontline observation")
    SURVEY = "survey", _("Survey")


class ProductPhase(models.TextChoices):
    INTRODUCTION = "introduction", _("Introduction")
    GROWTH = "growth", _("Growth")
    MATURITY = "maturity", _("Maturity")
    DECLINE = "decline", _("Decline")


class Severity(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


def choices_check(
    field: str, choices: type[models.Choices], name: str, *, blank: bool = False
) -> models.CheckConstraint:
    """A database check constraint that the column holds one of the enumeration's codes (or, with
    `blank`, the empty string: a choice not made)."""
    condition = models.Q(**{f"{field}__in": choices.values})
    if blank:
        condition = models.Q(**{field: ""}) | condition
    return models.CheckConstraint(condition=condition, name=name)
