"""Van Rossum distance: closed form against known values and a numerical integral."""

import numpy as np
import pytest

from neurorecon.inference.distance import van_rossum


def test_one_spike_against_none_is_sqrt_half():
    assert van_rossum([5.0], [], tau=10.0) == pytest.approx(np.sqrt(0.5), rel=1e-12)


def test_identical_trains_are_at_zero_and_distance_is_symmetric():
    a, b = [1.0, 7.0, 30.0], [2.0, 40.0]
    assert van_rossum(a, a, 5.0) == 0.0
    assert van_rossum(a, b, 5.0) == pytest.approx(van_rossum(b, a, 5.0), rel=1e-12)


def test_two_single_spikes_follow_the_closed_form():
    # D^2 = 1 - exp(-|dt| / tau) for one spike each
    assert van_rossum([0.0], [3.0], tau=2.0) == pytest.approx(np.sqrt(1.0 - np.exp(-1.5)), rel=1e-12)


def test_closed_form_matches_the_integral_of_the_filtered_trains():
    tau, a, b = 4.0, np.array([1.0, 5.0, 12.0]), np.array([2.5, 13.0])
    t = np.linspace(0.0, 120.0, 1_200_001)

    def filtered(times):
        lag = t[None, :] - times[:, None]
        return np.where(lag >= 0, np.exp(-np.clip(lag, 0, None) / tau), 0.0).sum(axis=0)

    integral = np.trapezoid((filtered(a) - filtered(b)) ** 2, t) / tau
    assert van_rossum(a, b, tau) == pytest.approx(np.sqrt(integral), rel=1e-4)
