"""Spike detection with hysteresis, ISIs and firing rate."""

import numpy as np
import pytest

from neurorecon.dynamics.spikes import detect_spikes, isi_statistics, peak_to_peak, threshold_crossings

from . import PEAK_MV, THRESHOLD_MV, spike_train

T = np.arange(0.0, 1000.0, 0.1)


def test_regular_train_times_rate_and_cv():
    times = np.arange(10.0, 990.0, 20.0)
    trains = detect_spikes(spike_train(times, T), T, THRESHOLD_MV)
    assert trains.counts.tolist() == [times.size]
    # the upward crossing precedes the pulse centre by the same offset for every spike
    lead = times - trains.times[0]
    assert np.all(lead > 0) and np.ptp(lead) < 1e-9
    np.testing.assert_allclose(trains.peaks[0], PEAK_MV, atol=0.1)
    isis, rate, cv = isi_statistics(trains.times[0])
    np.testing.assert_allclose(isis, 20.0)
    assert rate == pytest.approx(0.05)
    assert cv == pytest.approx(0.0, abs=1e-9)


def test_ripple_around_threshold_counts_once():
    # two slow triangular spikes (10 time units up, 10 down) with a 1.5 mV ripple everywhere
    x = -65.0 + np.maximum(0.0, 90.0 - 9.0 * np.minimum(np.abs(T - 100.0), np.abs(T - 300.0)))
    x += 1.5 * np.sin(2 * np.pi * T / 0.3)
    assert threshold_crossings(x, T, THRESHOLD_MV).size > 2  # a plain crossing detector double counts
    trains = detect_spikes(x, T, THRESHOLD_MV)
    assert trains.counts.tolist() == [2]
    np.testing.assert_allclose(trains.times[0], [95.0, 295.0], atol=0.3)
    # without hysteresis the ripple is counted
    assert detect_spikes(x, T, THRESHOLD_MV, hysteresis=0.0).counts[0] > 2


def test_hysteresis_scales_with_trace_amplitude():
    x = spike_train([100.0, 200.0], T)
    # the same train in volts instead of millivolts gives the same spikes
    volts = detect_spikes(x / 1000.0, T, THRESHOLD_MV / 1000.0)
    millivolts = detect_spikes(x, T, THRESHOLD_MV)
    np.testing.assert_allclose(volts.times, millivolts.times)
    # an explicit scale overrides the trace's range
    assert detect_spikes(x, T, THRESHOLD_MV, scale=1e4).counts[0] == 1  # never re-arms


def test_batch_with_per_trace_thresholds_is_nan_padded():
    x = np.stack([spike_train([100.0, 200.0, 300.0], T), spike_train([500.0], T), np.full(T.size, -65.0)])
    trains = detect_spikes(x.astype(np.float32), T, np.array([THRESHOLD_MV, THRESHOLD_MV, -70.0]))
    assert trains.counts.tolist() == [3, 1, 0]
    assert trains.times.shape == (3, 3)
    assert np.isnan(trains.times[1, 1:]).all() and np.isnan(trains.times[2]).all()
    assert trains.isis().shape == (3, 2)


def test_trace_starting_above_threshold_does_not_count_its_first_spike():
    x = spike_train([0.0, 100.0], T)
    assert detect_spikes(x, T, THRESHOLD_MV).counts[0] == 1


def test_nan_samples_do_not_raise_or_count():
    x = spike_train([100.0, 200.0], T)
    x[1500:] = np.nan
    trains = detect_spikes(x, T, THRESHOLD_MV)
    assert trains.counts[0] == 1
    assert peak_to_peak(np.full((2, 5), np.nan)).tolist() == [0.0, 0.0]


def test_isi_statistics_of_short_trains():
    assert isi_statistics(np.array([]))[1:] == (0.0, pytest.approx(np.nan, nan_ok=True))
    isis, rate, cv = isi_statistics(np.array([1.0, 3.0, np.nan]))
    assert rate == pytest.approx(0.5) and np.isnan(cv) and isis.tolist() == [2.0]


def test_length_mismatch_raises():
    with pytest.raises(ValueError, match="differs"):
        detect_spikes(np.zeros(10), np.arange(11.0), 0.0)
