"""The experience funnel and its gap (体验鸿沟), from funnel survey counts (seed 001).

Rates, each of all respondents of its stage:

- awareness rate 知晓率 — has heard of the product;
- cognition rate 认知率 — knows what it is;
- identification rate 认同率 — uses it;
- approval rate 认可率 — will keep using it.

The gap is the largest drop between consecutive rates, starting from 100% (everyone) before
awareness.  The improvement focus names the rates on both sides of the gap, as the seed does:
a gap before awareness → "raise awareness" (可视电话); between cognition and identification →
"raise cognition and identification" (彩信); between identification and approval → "raise
identification and approval" (彩铃).

The product's lifecycle phase suggests its own focus (PRODUCT.md § Watch, seed 001 p.9):
introduction → awareness; growth → knowledge and inclination; maturity → use and repeat use;
decline → repeat use (our choice: a declining product is being replaced, so the experience work is
keeping its remaining users well served while they move over, not winning new ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

FUNNEL_STAGES = ("awareness", "cognition", "identification", "approval")

# lifecycle phase → experience lifecycle stages (cxops.models.LifecycleStage codes) to focus on
PHASE_FOCUS: dict[str, tuple[str, ...]] = {
    "introduction": ("awareness",),
    "growth": ("knowledge", "inclination"),
    "maturity": ("use", "repeat_use"),
    "decline": ("repeat_use",),
}

# Which funnel rate measures each experience lifecycle stage (inclination has no rate of its own).
STAGE_RATE = {
    "awareness": "awareness",
    "knowledge": "cognition",
    "use": "identification",
    "repeat_use": "approval",
}


@dataclass(frozen=True, slots=True)
class FunnelStage:
    stage: str
    respondents: int
    positive: int

    @property
    def rate(self) -> float | None:
        return self.positive / self.respondents if self.respondents else None


@dataclass(frozen=True, slots=True)
class FunnelDrop:
    """The fall from one rate to the next; `before` is None for the 100% starting point."""

    before: str | None
    after: str
    size: float


@dataclass(frozen=True, slots=True)
class FunnelAnalysis:
    stages: tuple[FunnelStage, ...]
    drops: tuple[FunnelDrop, ...]
    gap: FunnelDrop | None  # None when a stage has no respondents
    gap_focus: tuple[str, ...]  # funnel rates to raise, e.g. ("cognition", "identification")
    phase: str
    phase_focus: tuple[str, ...]  # experience lifecycle stages the phase suggests

    @property
    def rates(self) -> dict[str, float | None]:
        return {s.stage: s.rate for s in self.stages}

    @property
    def phase_focus_rates(self) -> tuple[str, ...]:
        """The phase focus expressed as funnel rates (inclination has none)."""
        return tuple(STAGE_RATE[s] for s in self.phase_focus if s in STAGE_RATE)

    @property
    def agrees_with_phase(self) -> bool:
        return bool(set(self.gap_focus) & set(self.phase_focus_rates))


def funnel_analyse(counts: Mapping[str, tuple[int, int]], *, phase: str) -> FunnelAnalysis:
    """`counts`: stage → (respondents, positive) for the four stages; `phase`: the product's phase."""
    stages = tuple(FunnelStage(stage, *counts.get(stage, (0, 0))) for stage in FUNNEL_STAGES)
    phase_focus = PHASE_FOCUS.get(phase, ())
    if any(s.rate is None for s in stages):
        return FunnelAnalysis(stages, (), None, (), phase, phase_focus)
    drops = []
    previous: str | None = None
    previous_rate = 1.0
    for s in stages:
        rate = s.rate
        assert rate is not None  # noqa: S101 — checked above
        drops.append(FunnelDrop(before=previous, after=s.stage, size=previous_rate - rate))
        previous, previous_rate = s.stage, rate
    # The first largest drop wins a tie: the earlier stage blocks everything after it.
    gap = max(drops, key=lambda d: (round(d.size, 9), -FUNNEL_STAGES.index(d.after)))
    gap_focus = (gap.after,) if gap.before is None else (gap.before, gap.after)
    return FunnelAnalysis(stages, tuple(drops), gap, gap_focus, phase, phase_focus)
