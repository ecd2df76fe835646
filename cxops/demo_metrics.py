"""Demo metric data: two years of daily aggregates for the seed products, with the patterns the
dashboard must find.

- Users follow each product's lifecycle curve: 可视电话 and 港澳一卡多号 launched in the window and
  growing (B), 139邮箱 renewed by a campaign (D), 彩铃 / 彩信 / 通信费 mature (A), 短信 declining (C).
- Consultations after the three launches in the window take each consultation-cycle type:
  港澳一卡多号 A (gradual), 可视电话 B (fast up, fast down), 飞信 C (slow, stays high).
- Funnel surveys every quarter reproduce seed 001's examples: 可视电话 → raise awareness;
  彩信 → cognition and identification; 彩铃 → identification and approval.
- A complaint spike on 飞信 (number applications failing) on the last day, for the hot-spot alert.
- Weekday patterns (hotline busiest on Mondays, activity lower at weekends), day-level shared
  shocks and scope noise, so rule evaluation has realistic histories to work on.

Scopes: each product's total, plus the 10086 hotline, the app and stores as channel scopes and
two customer segments (high value, new subscribers) — candidates for treated and control scopes.
Deterministic (seeded per product) and idempotent: a second run finds every value unchanged.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils import timezone

from cxops.models import Channel
from cxops.models import Product
from cxops.models import Segment
from cxops.services.hotspots import hot_spots_detect
from cxops.services.metrics import MetricRecord
from cxops.services.metrics import ScopeKey
from cxops.services.metrics import metric_records_apply

DAYS = 730
# Monday first.  The hotline is busiest on Mondays; activity dips at weekends.
CONSULTATION_WEEKDAY = np.array([1.25, 1.1, 1.05, 1.0, 0.95, 0.85, 0.8])
ACTIVITY_WEEKDAY = np.array([1.03, 1.02, 1.02, 1.01, 1.0, 0.96, 0.96])
# Funnel rates (awareness, cognition, identification, approval) per product.
FUNNEL_RATES = {
    "video-call": (0.18, 0.12, 0.05, 0.04),  # seed: raise awareness
    "mms": (0.92, 0.55, 0.20, 0.17),  # seed: raise cognition and identification (two close drops)
    "ringback-tone": (0.96, 0.88, 0.55, 0.25),  # seed: raise identification and approval (two close drops)
    "hk-macau-multi-number": (0.22, 0.15, 0.08, 0.07),
    "fetion": (0.92, 0.55, 0.42, 0.36),
    "mail-139": (0.90, 0.72, 0.40, 0.33),
    "web-hall": (0.85, 0.70, 0.52, 0.47),
    "tariffs": (0.99, 0.80, 0.78, 0.60),
    "mobile-data": (0.98, 0.85, 0.70, 0.63),
    "sms": (0.99, 0.97, 0.82, 0.45),
}
SATISFACTION_MEAN = {"video-call": 3.6, "hk-macau-multi-number": 3.7, "sms": 3.9, "tariffs": 3.5}


@dataclass(frozen=True)
class Plan:
    """How one product's numbers are made: a users curve, a consultation bump and rates."""

    peak_users: float
    shape: str  # lifecycle curve: growth / mature / decline / renewed
    consultations_per_user: float  # per day, before launch effects
    complaints_per_user: float
    activity: float
    launch_day: int | None = None  # index in the two-year window
    bump: str | None = None  # consultation cycle type after the launch: A / B / C


PLANS = {
    "hk-macau-multi-number": Plan(4.5e5, "growth", 9e-4, 4e-5, 0.38, launch_day=280, bump="A"),
    "fetion": Plan(6.0e6, "growth", 3.5e-4, 1.2e-5, 0.55, launch_day=60, bump="C"),
    "mail-139": Plan(8.0e6, "renewed", 1.5e-4, 8e-6, 0.42),
    "ringback-tone": Plan(2.2e7, "mature", 6e-5, 6e-6, 0.7),
    "mms": Plan(1.8e7, "mature", 8e-5, 7e-6, 0.35),
    "video-call": Plan(3.0e5, "growth", 1.6e-3, 5e-5, 0.25, launch_day=430, bump="B"),
    "web-hall": Plan(9.0e6, "growth", 1.2e-4, 6e-6, 0.3),
    "tariffs": Plan(3.2e7, "mature", 2.2e-4, 1.5e-5, 0.9),
    "mobile-data": Plan(2.4e7, "growth", 1.0e-4, 9e-6, 0.6),
    "sms": Plan(3.0e7, "decline", 2e-5, 3e-6, 0.5),
}
CHANNEL_SHARES = {"hotline-10086": 0.55, "app": 0.25, "store": 0.2}
SEGMENT_SHARES = {"high-value": 0.12, "new-subscriber": 0.06}


def _users_curve(plan: Plan, t: np.ndarray) -> np.ndarray:
    peak = plan.peak_users
    if plan.launch_day is not None:
        age = t - plan.launch_day
        curve = np.where(age < 0, 0.0, peak * (1 - np.exp(-np.clip(age, 0, None) / 300)))
        return curve
    if plan.shape == "mature":
        return peak / (1 + np.exp(-(t + 120) / 60))
    if plan.shape == "decline":
        return peak * (1 - 0.45 * t / DAYS)
    if plan.shape == "renewed":
        base = 0.8 * peak / (1 + np.exp(-(t + 60) / 40))
        return base + np.where(t > 470, 0.2 * peak * (t - 470) / (DAYS - 470), 0.0)
    return peak * (0.55 + 0.45 * t / DAYS)  # steady growth


def _bump(kind: str, age: np.ndarray, height: float) -> np.ndarray:
    age = np.clip(age, 0, None).astype(float)
    if kind == "A":
        return height * (age / 30) ** 3 * np.exp(3 * (1 - age / 30))
    if kind == "B":
        return height * (age / 4) ** 2 * np.exp(2 * (1 - age / 4))
    return height * (1 - np.exp(-age / 15)) * (0.6 + 0.4 * np.exp(-np.clip(age - 45, 0, None) / 40))


def _histogram(rng: np.random.Generator, responses: int, mean: float) -> list[int]:
    # A discretised normal around the product's mean satisfaction on a 5-point scale.
    levels = np.arange(1, 6)
    weights = np.exp(-((levels - mean) ** 2) / (2 * 0.9**2))
    return [int(n) for n in rng.multinomial(responses, weights / weights.sum())]


def product_records(product_code: str, ids: dict[str, Any], end: dt.date) -> list[MetricRecord]:
    """Every demo record of one product (totals, channels, segments) for the two years to `end`."""
    plan = PLANS[product_code]
    rng = np.random.default_rng(zlib.crc32(product_code.encode()))
    start = end - dt.timedelta(days=DAYS - 1)
    t = np.arange(DAYS)
    weekday = np.array([(start + dt.timedelta(days=int(i))).weekday() for i in t])
    shared_shock = np.exp(rng.normal(0, 0.06, DAYS))  # the whole product has good and bad days
    users = _users_curve(plan, t) * (1 + rng.normal(0, 0.002, DAYS))
    consultation_mean = users * plan.consultations_per_user * CONSULTATION_WEEKDAY[weekday] * shared_shock
    if plan.launch_day is not None and plan.bump:
        height = plan.peak_users * plan.consultations_per_user * {"A": 1.6, "B": 3.0, "C": 1.4}[plan.bump]
        consultation_mean += _bump(plan.bump, t - plan.launch_day, height) * CONSULTATION_WEEKDAY[weekday]
    complaint_mean = users * plan.complaints_per_user * CONSULTATION_WEEKDAY[weekday] * shared_shock
    if product_code == "fetion":  # the spike: number applications failing on the last day
        complaint_mean[-1] *= 4.0
    activity = np.clip(plan.activity * ACTIVITY_WEEKDAY[weekday] * (1 + rng.normal(0, 0.01, DAYS)), 0, 1)
    funnel_days = set(range(DAYS - 1, -1, -91))
    product_id = ids["products"][product_code]
    records = []
    for i in t:
        if users[i] < 1:
            continue  # not launched yet
        day = start + dt.timedelta(days=int(i))
        scopes = [(ScopeKey(product_id, None, None), 1.0)]
        scopes += [
            (ScopeKey(product_id, ids["channels"][c], None), share) for c, share in CHANNEL_SHARES.items()
        ]
        scopes += [
            (ScopeKey(product_id, None, ids["segments"][s]), share) for s, share in SEGMENT_SHARES.items()
        ]
        for scope, share in scopes:
            noise = np.exp(rng.normal(0, 0.05)) if share < 1 else 1.0
            scope_users = int(users[i] * share)
            values: dict[str, int | None] = {
                "users": scope_users,
                "active_users": int(scope_users * activity[i]),
                "consultations": int(rng.poisson(consultation_mean[i] * share * noise)),
                "complaints": int(rng.poisson(complaint_mean[i] * share * noise)),
                "suggestions": int(rng.poisson(max(complaint_mean[i] * share * 0.2, 0.1))),
            }
            if share == 1.0 or share >= 0.2:
                responses = int(rng.poisson(220 * share))
                histogram = _histogram(rng, responses, SATISFACTION_MEAN.get(product_code, 4.0))
                values.update(
                    {
                        "satisfaction_scale": 5,
                        "surveys_sent": int(responses / 0.3),
                        **{f"satisfaction_{level}": n for level, n in enumerate(histogram, start=1)},
                        **{f"satisfaction_{level}": None for level in range(6, 11)},
                    }
                )
            if share == 1.0 and i in funnel_days:
                for stage, rate in zip(
                    ("awareness", "cognition", "identification", "approval"),
                    FUNNEL_RATES[product_code],
                    strict=True,
                ):
                    respondents = 1200
                    values[f"{stage}_respondents"] = respondents
                    values[f"{stage}_positive"] = int(rng.binomial(respondents, rate))
            records.append(MetricRecord(scope=scope, day=day, values=values))
    return records


def launch_date(code: str, end: dt.date) -> dt.date | None:
    """The demo launch date of a product launched inside the two-year window ending `end`."""
    plan = PLANS.get(code)
    if plan is None or plan.launch_day is None:
        return None
    return end - dt.timedelta(days=DAYS - 1) + dt.timedelta(days=plan.launch_day)


def load(*, users: dict[str, Any], log: Any) -> None:
    end = timezone.localdate() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=DAYS - 1)
    ids = {
        "products": dict(Product.objects.values_list("code", "id")),
        "channels": dict(Channel.objects.values_list("code", "id")),
        "segments": dict(Segment.objects.values_list("code", "id")),
    }
    totals = {"created": 0, "updated": 0, "unchanged": 0}
    for code in PLANS:
        if code not in ids["products"]:
            continue
        launched_on = launch_date(code, end)
        if launched_on is not None:
            # The launch date the consultation-cycle view starts from (kept if an admin set one).
            Product.objects.filter(code=code, launched_on__isnull=True).update(launched_on=launched_on)
        result = metric_records_apply(actor=None, records=product_records(code, ids, end))
        for key in totals:
            totals[key] += getattr(result, key)
    log(f"metrics: {start} to {end}, rows {totals}")

    log(f"hot-spot alerts: {len(hot_spots_detect())}")
