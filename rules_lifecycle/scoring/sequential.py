"""The group-sequential plan fixed when a rule goes live: one look per week of post data.

The product re-scores every live rule daily.  The data a look uses grow by whole weeks (the
post window is cut to whole weeks), so from the first planned look (`min_post_days` of post
data) to the last (`max_post_days`) there are K distinct analyses; the days in between repeat
the week's analysis.  Each look's decision interval is a *repeated confidence interval*
(Jennison & Turnbull 1989): estimate ± c_k · SE, with c_k the two-sided group-sequential
boundary of a Lan–DeMets O'Brien–Fleming-type alpha-spending function,
α(t) = 2 − 2Φ(z_{1−α/2} / √t), over the information fractions of the planned looks.  The
intervals cover the truth at every look simultaneously with probability ≥ 1 − α, so a rule
that does nothing is *ever* shown "keep" (or "retire" for harm) with probability ≤ α/2 across
all K looks, instead of once per look.

Information of a difference-in-differences look is 1 / (1/n_pre + 1/n_post): the baseline is
fixed when the rule goes live, so information fractions start well above zero and the first
boundary is not extreme.  Crossing probabilities are integrated numerically with gsdesign's
port of gsDesign's recursive grid (`h1`, `hupdate`; Jennison & Turnbull 2000, ch. 19); the
tests check the boundaries against gsDesign's published values and a simulation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from functools import lru_cache

import numpy as np
from gsdesign import h1
from gsdesign import hupdate
from scipy import optimize
from scipy import special

GRID_POINTS = 18  # gsDesign's default r: Simpson grid of 6r − 1 points per look
SPENDING = "obrien_fleming"


def obrien_fleming_spending(fraction: np.ndarray, alpha: float) -> np.ndarray:
    """Lan & DeMets (1983) two-sided O'Brien–Fleming-type spending: α spent by fraction t."""
    t = np.clip(np.asarray(fraction, dtype=float), 1e-12, 1.0)
    return 2.0 - 2.0 * special.ndtr(special.ndtri(1.0 - alpha / 2.0) / np.sqrt(t))


@lru_cache(maxsize=4096)
def boundaries(
    information: tuple[float, ...],
    alpha: float,
    spending: Callable[[np.ndarray, float], np.ndarray] = obrien_fleming_spending,
) -> tuple[float, ...]:
    """Two-sided symmetric boundaries c_1..c_K (z scale) for looks at these informations,
    `spending(t, α)` being the two-sided α spent by information fraction t.

    Cached: a daily run scores thousands of rules on a handful of distinct plans.
    """
    info = np.asarray(information, dtype=float)
    if len(info) == 0 or np.any(np.diff(info) <= 0) or info[0] <= 0:
        raise ValueError("information must be positive and increasing")
    spent = spending(info / info[-1], alpha)
    increments = np.diff(np.concatenate([[0.0], spent]))
    first = float(special.ndtri(1.0 - increments[0] / 2.0))
    out = [first]
    grid = h1(GRID_POINTS, 0.0, float(info[0]), -first, first)
    for k in range(1, len(info)):
        z, _w, density = grid
        c_k = _next_boundary(z, density, float(info[k - 1]), float(info[k]), float(increments[k]))
        out.append(c_k)
        grid = hupdate(GRID_POINTS, 0.0, float(info[k]), -c_k, c_k, 0.0, float(info[k - 1]), grid)
    return tuple(out)


def _next_boundary(
    z: np.ndarray, density: np.ndarray, previous: float, current: float, spend: float
) -> float:
    """The c with P(inside at every earlier look, |Z_k| ≥ c) = `spend` under no effect, given
    the sub-density of Z_{k−1} on the continuation region (gsdesign's grid)."""
    if spend <= 0:
        return 40.0
    shift, scale = z * math.sqrt(previous), math.sqrt(current - previous)

    def crossing(c: float) -> float:
        # Both tails, by symmetry twice the upper one.
        upper = special.ndtr((shift - c * math.sqrt(current)) / scale)
        return 2.0 * float(np.dot(density, upper)) - spend

    return float(optimize.brentq(crossing, 1e-6, 40.0, xtol=1e-10))


@dataclass(frozen=True)
class Look:
    """Where one evaluation stands in its rule's sequential plan."""

    number: int  # 1-based; 0 before the first planned look
    planned: int  # K
    post_days: int  # post data this look uses
    boundary: float | None  # c_k on the z scale (None before the first look)
    level: float | None  # the decision interval's confidence level, 1 − 2Φ(−c_k)
    first_on: date  # the day the first planned look is made
    concludes_on: date  # the day the last planned look is made
    final: bool
    spending: str = SPENDING


def planned_post_days(min_post_days: int, max_post_days: int) -> list[int]:
    return list(range(min_post_days, max_post_days + 1, 7))


def information(n_pre: int, post_days: list[int]) -> tuple[float, ...]:
    return tuple(1.0 / (1.0 / n_pre + 1.0 / n) for n in post_days)


def look_at(
    *,
    n_pre: int,
    post_days: int,
    min_post_days: int,
    max_post_days: int,
    post_start: date,
    alpha: float,
) -> Look:
    """The look that `post_days` of post data make, with its boundary at level α."""
    plan = planned_post_days(min_post_days, max_post_days)
    first_on = post_start + timedelta(days=plan[0])
    concludes_on = post_start + timedelta(days=plan[-1])
    if post_days < plan[0] or n_pre <= 0:
        return Look(0, len(plan), post_days, None, None, first_on, concludes_on, False)
    k = min(len(plan), (min(post_days, plan[-1]) - plan[0]) // 7 + 1)
    c_k = boundaries(information(n_pre, plan), alpha)[k - 1]
    return Look(
        number=k,
        planned=len(plan),
        post_days=plan[k - 1],
        boundary=c_k,
        level=1.0 - 2.0 * float(special.ndtr(-c_k)),
        first_on=first_on,
        concludes_on=concludes_on,
        final=k == len(plan),
    )


def boundary_at(*, look: Look, n_pre: int, min_post_days: int, max_post_days: int, alpha: float) -> float:
    """The same look's boundary for another overall α (e.g. α/m across a rule's measures)."""
    plan = planned_post_days(min_post_days, max_post_days)
    return boundaries(information(n_pre, plan), alpha)[look.number - 1]
