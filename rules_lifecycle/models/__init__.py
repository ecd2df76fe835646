"""The rules app's tables.  Each sub-domain module is re-exported here (one import line each)."""

from .evaluation import EvaluationRun, EvaluationVerdict, RuleEvaluation, RunTrigger, VerdictReason
from .rules import (
    MEASURE_LABELS,
    PRIMARY_MEASURE,
    SYSTEMS_FOR_TIMING,
    ExperienceRule,
    ImplementingSystem,
    RuleGoLiveBackfill,
    RuleTransition,
    Timing,
)
from .statuses import RuleStatus

__all__ = [
    "EvaluationRun",
    "EvaluationVerdict",
    "RuleEvaluation",
    "RunTrigger",
    "VerdictReason",
    "MEASURE_LABELS",
    "PRIMARY_MEASURE",
    "SYSTEMS_FOR_TIMING",
    "ExperienceRule",
    "ImplementingSystem",
    "RuleGoLiveBackfill",
    "RuleStatus",
    "RuleTransition",
    "Timing",
]
