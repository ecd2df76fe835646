"""Scoring a rule's effect: plain functions over daily arrays, no ORM (EVALUATION.md).

`score_rule(design, treated, control)` returns a `RuleScore` with one `MeasureResult` per
measure and the verdict; `portfolio_fdr` controls the false discovery rate across rules.
"""

from .types import DEFAULT_GUARDRAIL_MARGINS
from .types import DIRECTION
from .types import DailySeries
from .types import Design
from .types import Interval
from .types import Measure
from .types import MeasureResult
from .types import Placebo
from .types import Reason
from .types import RuleScore
from .types import Verdict
from .verdict import holm_adjust
from .verdict import placebo_check
from .verdict import portfolio_fdr
from .verdict import score_rule

__all__ = [
    "DEFAULT_GUARDRAIL_MARGINS",
    "DIRECTION",
    "DailySeries",
    "Design",
    "Interval",
    "Measure",
    "MeasureResult",
    "Placebo",
    "Reason",
    "RuleScore",
    "Verdict",
    "holm_adjust",
    "placebo_check",
    "portfolio_fdr",
    "score_rule",
]
