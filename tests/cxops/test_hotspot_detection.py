import numpy as np
import pytest

from cxops.analytics.hotspots import hot_spot_check

# Monday-heavy weekly pattern: the hotline gets twice the Sunday volume on a Monday.
WEEKLY = np.array([2.0, 1.4, 1.2, 1.1, 1.0, 0.8, 0.7])  # Monday first


def history(days=56, level=40.0, seed=0):
    """`days` of counts ending on a Sunday, so the checked day is a Monday."""
    rng = np.random.default_rng(seed)
    weekday = (np.arange(days) - days) % 7  # day before the checked Monday is a Sunday (6)
    return rng.poisson(level * WEEKLY[weekday]).astype(float)


@pytest.mark.parametrize("seed", range(30))
def test_a_normal_monday_raises_nothing(seed):
    # given eight weeks of a strong weekly pattern, and today an ordinary (busy) Monday
    rng = np.random.default_rng(1000 + seed)
    monday = rng.poisson(40 * WEEKLY[0])
    check = hot_spot_check(history(seed=seed), monday)
    # then no alert although Monday is twice the weekly average's quiet days
    assert not check.fired, check


def test_every_monday_of_a_year_without_a_spike_stays_quiet():
    rng = np.random.default_rng(7)
    days = 365 + 56
    series = rng.poisson(40 * WEEKLY[np.arange(days) % 7]).astype(float)
    fired = [day for day in range(56, days) if hot_spot_check(series[day - 56 : day], series[day]).fired]
    assert len(fired) <= 1  # a robust z of 4 with a 1.5× floor: at most a rare false alarm a year


def test_an_injected_spike_fires_with_its_figures():
    check = hot_spot_check(history(), 40 * WEEKLY[0] * 3)
    assert check.fired
    assert check.reason == "spike"
    assert 70 <= check.expected <= 90
    assert check.score > 4


def test_a_spike_on_a_quiet_sunday_fires_even_below_a_normal_monday():
    rng = np.random.default_rng(3)
    days = 56
    # history ending on a Saturday: the checked day is a Sunday (quiet, ~28)
    weekday = (np.arange(days) - days + 6) % 7
    hist = rng.poisson(40 * WEEKLY[weekday]).astype(float)
    check = hot_spot_check(hist, 75)
    assert check.fired
    assert check.expected < 35


def test_small_numbers_never_alert_below_the_minimum():
    check = hot_spot_check(np.zeros(56), 6)
    assert not check.fired
    assert check.reason == "below the minimum count"
    assert hot_spot_check(np.zeros(56), 10).fired


def test_short_history_decides_nothing():
    check = hot_spot_check(np.full(20, 5.0), 500)
    assert not check.fired
    assert check.reason == "not enough history"
