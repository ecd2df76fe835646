"""The experience funnel and its gap (体验鸿沟), from funnel survey counts (seed 001).

Rates, each of all respondents of its stage:

- awareness rate 知晓率 — has heard of the product;
- cognition rate 认知率 — knows what it is;
- identification rate 认同率 — uses it;
- approval rate 认可率 — will keep using it.

The gap (识别体验鸿沟：各阶段率的差距中的最大值) is the largest drop between consecutive rates,
starting from 100% (everyone) before awareness.  The rate to raise is the one *after* the drop —
the stage where customers are lost.  When the next-largest drop is close to the largest (at least
`CLOSE_DROP_SHARE` of it), its rate is named too, in funnel order, as the seed does: 可视电话 loses
nearly everyone before awareness → 提升知晓率; 彩信 loses people on the way to cognition and again on
the way to identification → 提升认知率和认同率; 彩铃 loses them on the way to identification and again
to approval → 提升认同率和认可率.

The product's lifecycle phase suggests its own focus (PRODUCT.md § Watch, seed 001 p.9):
introduction → awareness; growth → knowledge and inclination; maturity → use and repeat use;
decline → repeat use (our choice: a declining product is being replaced, so the experience work is
keeping its remaining users well served while they move over, not winning new ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

FUNNEL_STAGES = ("awareness", "cognition", "identification", "approval")
# A second drop at least this share of the largest is a second gap worth naming (our choice: within
# a fifth of the largest, the two losses are of the same order and a plan should address both).
CLOSE_DROP_SHARE = 0.8

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
    ranked = sorted(drops, key=lambda d: (-round(d.size, 9), FUNNEL_STAGES.index(d.after)))
    gap = ranked[0]
    focus = {gap.after}
    if gap.size > 0 and round(ranked[1].size, 9) >= round(CLOSE_DROP_SHARE * gap.size, 9):
        focus.add(ranked[1].after)
    gap_focus = tuple(stage for stage in FUNNEL_STAGES if stage in focus)
    return FunnelAnalysis(stages, tuple(drops), gap, gap_focus, phase, phase_focus)
