"""Excitability type from synthetic f-I curves."""

import numpy as np
import pytest

from neurorecon.dynamics.excitability import excitability_type

CURRENT = np.linspace(0.0, 20.0, 41)


@pytest.mark.parametrize("critical", [4.1, 7.5, 12.26])
def test_square_root_onset_is_type_one(critical):
    rate = 0.02 * np.sqrt(np.clip(CURRENT - critical, 0.0, None))
    result = excitability_type(CURRENT, rate)
    assert result.type == "I"
    assert critical < result.onset <= critical + 0.5
    assert result.critical_value == pytest.approx(critical, abs=1e-6)
    assert result.onset_ratio < 0.3


@pytest.mark.parametrize("critical", [4.1, 6.3, 12.26])
def test_step_onset_is_type_two(critical):
    rate = np.where(critical < CURRENT, 0.05 + 0.002 * (CURRENT - critical), 0.0)
    result = excitability_type(CURRENT, rate)
    assert result.type == "II"
    assert critical < result.onset <= critical + 0.5
    assert result.rate_at_onset == pytest.approx(rate[critical < CURRENT][0])
    assert result.onset_ratio > 0.5


def test_order_of_the_points_does_not_matter():
    rate = np.where(CURRENT > 6.3, 0.05 + 0.002 * (CURRENT - 6.3), 0.0)
    order = np.random.default_rng(0).permutation(CURRENT.size)
    assert excitability_type(CURRENT[order], rate[order]) == excitability_type(CURRENT, rate)


def test_onset_needs_sustained_firing_from_rest():
    rate = np.where(CURRENT > 10.0, 0.05, 0.0)
    rate[4] = 0.05  # an isolated firing value below the real onset
    rate[-5:] = 0.0  # depolarisation block at high current
    result = excitability_type(CURRENT, rate)
    assert result.onset == pytest.approx(10.5) and result.type == "II"


def test_undetermined_cases():
    assert excitability_type(CURRENT, np.zeros_like(CURRENT)).type == "undetermined"
    assert excitability_type(CURRENT, 0.05 + 0.001 * CURRENT).type == "undetermined"  # fires everywhere
    # low flat firing that jumps later: neither a square-root onset nor a high onset rate
    rate = np.where(CURRENT > 5.0, 0.01, 0.0) + np.where(CURRENT > 15.0, 0.1, 0.0)
    result = excitability_type(CURRENT, rate)
    assert result.type == "undetermined" and result.onset == 5.5
    assert not result.critical_value > 0  # the flat start extrapolates nowhere near the onset


def test_coarse_square_root_curve_is_still_type_one():
    coarse = np.array([0.0, 5.0, 10.0, 15.0, 20.0])
    result = excitability_type(coarse, np.sqrt(np.clip(coarse - 4.9, 0.0, None)))
    assert result.type == "I" and result.onset == 5.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="min_run"):
        excitability_type(CURRENT, CURRENT, min_run=1)
    with pytest.raises(ValueError, match="shape"):
        excitability_type(CURRENT, CURRENT[:-1])
