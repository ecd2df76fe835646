import numpy as np
import pytest

from cxops.analytics.curves import classify_consultation_curve
from cxops.analytics.curves import classify_lifecycle_curve

WEEKDAY = np.array([1.15, 1.05, 1.0, 1.0, 0.95, 0.85, 0.8])


def consultations(bump, *, days=120, baseline=200.0, seed=1, noisy=True):
    """Daily consultations after a launch: baseline × weekday pattern + bump(t), Poisson noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(days, dtype=float)
    mean = (baseline + bump(t)) * (WEEKDAY[np.arange(days) % 7] if noisy else 1.0)
    return rng.poisson(mean).astype(float) if noisy else mean


def before(seed=2, baseline=200.0):
    rng = np.random.default_rng(seed)
    return rng.poisson(baseline * WEEKDAY[np.arange(28) % 7]).astype(float)


def gamma_bump(height, peak_day, k):
    return lambda t: height * (t / peak_day) ** k * np.exp(k * (1 - t / peak_day))


def slow_and_stays(height):
    return lambda t: height * (1 - np.exp(-t / 15)) * (0.6 + 0.4 * np.exp(-np.clip(t - 45, 0, None) / 40))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gradual_rise_and_fall_is_type_a(seed):
    curve = classify_consultation_curve(consultations(gamma_bump(800, 30, 3), seed=seed), before=before())
    assert curve.kind == "A", curve.reason
    assert 24 <= curve.peak_day <= 36
    assert curve.fall_days > 14
    assert 700 <= curve.peak_height <= 900


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_rise_and_fast_fall_is_type_b(seed):
    curve = classify_consultation_curve(consultations(gamma_bump(1500, 4, 2), seed=seed), before=before())
    assert curve.kind == "B", curve.reason
    assert curve.rise_days <= 10
    assert curve.fall_days <= 14
    assert curve.peak_width_days < 20
    assert curve.rise_speed > curve.fall_speed > 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_slow_rise_slow_fall_staying_high_is_type_c(seed):
    curve = classify_consultation_curve(consultations(slow_and_stays(900), seed=seed), before=before())
    assert curve.kind == "C", curve.reason
    assert curve.tail_share >= 0.5
    assert curve.peak_day > 10


def test_noise_without_a_peak_is_unclassified():
    curve = classify_consultation_curve(consultations(lambda t: 0 * t), before=before())
    assert curve.kind == "unclassified"
    assert curve.reason == "no clear peak above the usual level"


def test_a_jump_that_stays_is_not_a_cycle():
    curve = classify_consultation_curve(consultations(lambda t: 600.0 * (t >= 2)), before=before())
    assert curve.kind == "unclassified"
    assert "did not come down" in curve.reason


def test_too_short_a_window_is_unclassified():
    curve = classify_consultation_curve(consultations(gamma_bump(800, 30, 3), days=30))
    assert curve.kind == "unclassified"


def test_figures_on_a_clean_curve():
    # a noise-free B bump on a baseline of 200: height ≈ 1500 minus smoothing
    curve = classify_consultation_curve(
        consultations(gamma_bump(1500, 4, 2), noisy=False), before=np.full(28, 200.0)
    )
    assert curve.baseline == 200
    assert curve.peak_day in (3, 4, 5)
    assert curve.peak_width_days == sum(
        1 for v in curve.smoothed if v >= curve.baseline + curve.peak_height / 2
    )


def users(shape, *, days=730, seed=5, noise=0.004):
    rng = np.random.default_rng(seed)
    t = np.arange(days, dtype=float)
    return shape(t) * (1 + rng.normal(0, noise, days))


LIFECYCLE = {
    "A": lambda t: 1e6 / (1 + np.exp(-(t - 150) / 30)),
    "B": lambda t: 5e5 + 600 * t,
    "C": lambda t: np.where(t < 250, 1e6 / (1 + np.exp(-(t - 120) / 25)), 1e6 * (1 - 0.35 * (t - 250) / 480)),
    "D": lambda t: 6e5 / (1 + np.exp(-(t - 80) / 20)) + np.where(t > 450, 1.5e5 * (t - 450) / 280, 0),
}


@pytest.mark.parametrize("kind", ["A", "B", "C", "D"])
@pytest.mark.parametrize("noise", [0.0, 0.01])
def test_lifecycle_types(kind, noise):
    curve = classify_lifecycle_curve(users(LIFECYCLE[kind], noise=noise))
    assert curve.kind == kind, curve.reason


def test_lifecycle_v_shape_fits_no_type():
    curve = classify_lifecycle_curve(
        users(
            lambda t: (
                1e6
                - 4e5 * np.sin(np.pi * t / 730) ** 1 * (t < 500)
                - 4e5 * np.sin(np.pi * 500 / 730) * (t >= 500)
                + 300 * np.clip(t - 500, 0, None)
            )
        )
    )
    assert curve.kind == "unclassified", curve.reason


def test_lifecycle_needs_six_months():
    assert classify_lifecycle_curve(np.full(100, 1e5)).kind == "unclassified"
