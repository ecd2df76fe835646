"""The rules app's tables.  Each sub-domain module is re-exported here (one import line each)."""

from .choices import EvaluationVerdict
from .choices import ImplementingSystem
from .choices import RunTrigger
from .choices import Timing
from .choices import VerdictReason
from .evaluation import EvaluationRun
from .evaluation import RuleEvaluation
from .rules import MEASURE_LABELS
from .rules import PRIMARY_MEASURE
from .rules import SYSTEMS_FOR_TIMING
from .rules import ExperienceRule
from .rules import RuleGoLiveBackfill
from .rules import RuleTransition
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
