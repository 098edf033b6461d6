"""Prominence-based spike detection (detect_peaks), for traces whose baseline moves."""

import numpy as np
import pytest

from neurorecon.dynamics.spikes import detect_peaks, detect_spikes

T = np.arange(0.0, 500.0, 0.05)  # ms


def spikes_on(baseline: np.ndarray, centres, height: float = 60.0, width: float = 0.5) -> np.ndarray:
    x = baseline.copy()
    for c in centres:
        x += height * np.exp(-0.5 * ((T - c) / width) ** 2)
    return x


def test_spikes_riding_on_a_depolarised_plateau_count_where_a_crossing_does_not():
    # a spike from rest at 100 ms, after which the membrane sits at -20 mV and spikes of 30 mV ride on it
    baseline = np.where(T < 100.0, -65.0, -20.0)
    x = spikes_on(baseline, [100.0], height=100.0) + spikes_on(np.zeros(T.size), [150.0, 200.0, 250.0], height=30.0)
    # a threshold detector at -30 mV never re-arms on the plateau: it sees the first spike only
    assert detect_spikes(x, T, -30.0).counts.tolist() == [1]
    trains = detect_peaks(x, T, prominence=20.0, height=-25.0, min_interval=2.0)
    assert trains.counts.tolist() == [4]
    np.testing.assert_allclose(trains.times[0], [100.0, 150.0, 200.0, 250.0], atol=0.05)
    np.testing.assert_allclose(trains.peaks[0], [80.0, 10.0, 10.0, 10.0], atol=0.1)


def test_small_bumps_low_peaks_and_split_tops_do_not_count():
    x = spikes_on(np.full(T.size, -65.0), [100.0, 300.0])
    x += 10.0 * np.exp(-0.5 * ((T - 200.0) / 2.0) ** 2)  # a 10 mV bump: not prominent enough
    x[(T > 99.9) & (T < 100.1)] -= 0.5  # a notch splitting the first peak's top in two
    x2 = spikes_on(np.full(T.size, -80.0), [100.0], height=40.0)  # peaks at -40 mV: below height
    trains = detect_peaks(np.stack([x, x2]), T, prominence=20.0, height=-25.0, min_interval=2.0)
    assert trains.counts.tolist() == [2, 0]
    assert np.isnan(trains.times[1]).all()


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="differs"):
        detect_peaks(np.zeros(10), np.arange(11.0), 20.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="min_interval"):
        detect_peaks(np.zeros(10), np.arange(10.0), 20.0, 0.0, 0.0)
