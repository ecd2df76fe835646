"""The rules app's tables.  Each sub-domain module is re-exported here (one import line each)."""

from .evaluation import EvaluationRun
from .evaluation import EvaluationVerdict
from .evaluation import RuleEvaluation
from .evaluation import RunTrigger
from .evaluation import VerdictReason
from .rules import MEASURE_LABELS
from .rules import PRIMARY_MEASURE
from .rules import SYSTEMS_FOR_TIMING
from .rules import ExperienceRule
from .rules import ImplementingSystem
from .rules import RuleGoLiveBackfill
from .rules import RuleTransition
from .rules import Timing
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
