"""logISI burst detection on spike trains with known structure."""

import numpy as np
import pytest

from neurorecon.dynamics.bursts import analyse_bursts, burst_sizes, isi_threshold

from . import burst_times


def test_regular_train_is_one_cluster():
    times = np.arange(0.0, 100.0, 2.5)
    assert np.isnan(isi_threshold(np.diff(times)))
    stats = analyse_bursts(times)
    assert not stats.bursting and np.isnan(stats.spikes_per_burst)
    assert stats.firing_rate == pytest.approx(0.4) and stats.isi_cv == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("k", [2, 3, 5, 12])
def test_bursts_of_exactly_k_spikes(k):
    times = burst_times(20, k, intra=1.0, period=50.0, start=45.0)
    stats = analyse_bursts(times, t_start=0.0, t_end=1045.0)  # quiet at both ends: 20 complete bursts
    assert stats.bursting
    assert stats.spikes_per_burst == k and stats.spikes_per_burst_stable
    assert stats.n_bursts == 20
    assert 1.0 < stats.isi_threshold < 50.0 - (k - 1)
    assert stats.isi_cv > 0.9


def test_bursts_cut_by_the_window_are_not_counted():
    times = burst_times(10, 4, intra=1.0, period=50.0, start=0.0)
    # the window starts at the first spike and ends inside the last burst
    cut = times[times < 451.5]
    assert burst_sizes(cut, 10.0, t_start=0.0, t_end=451.5).tolist() == [4] * 8
    assert burst_sizes(cut, 10.0).tolist() == [4] * 8
    stats = analyse_bursts(cut, t_start=0.0, t_end=451.5)
    assert stats.spikes_per_burst == 4 and stats.n_bursts == 8


def test_late_last_spike_stays_in_its_burst():
    # Hindmarsh-Rose-like pattern near a spike-adding transition: intra ISIs 11, 15, 32; pause 88
    isis = np.tile([11.2, 14.7, 31.9, 88.5], 30)
    stats = analyse_bursts(np.concatenate([[0.0], np.cumsum(isis)]))
    assert stats.bursting and stats.spikes_per_burst == 4 and stats.spikes_per_burst_stable


def test_alternating_similar_isis_are_tonic():
    isis = np.tile([22.7, 28.5, 39.5, 45.9], 30)  # a ratio < 3 between the longest and shortest
    assert not analyse_bursts(np.concatenate([[0.0], np.cumsum(isis)])).bursting


def test_irregular_bursting_with_a_valley_in_the_log_isi_histogram():
    rng = np.random.default_rng(3)
    times, t = [], 0.0
    for _ in range(60):
        k = rng.integers(3, 7)
        intra = np.exp(rng.normal(np.log(14.0), 0.2, k - 1))
        times.extend(t + np.concatenate([[0.0], np.cumsum(intra)]))
        t = times[-1] + np.exp(rng.normal(np.log(80.0), 0.1))
    stats = analyse_bursts(np.array(times))
    assert stats.bursting and not stats.spikes_per_burst_stable
    assert 3.0 < stats.spikes_per_burst < 7.0


def test_a_single_long_pause_is_not_bursting():
    times = np.concatenate([np.arange(0.0, 50.0, 1.0), np.arange(200.0, 250.0, 1.0)])
    assert not analyse_bursts(times).bursting


def test_too_few_spikes():
    assert np.isnan(isi_threshold(np.array([1.0, 10.0])))
    assert burst_sizes(np.array([]), 1.0).size == 0
    stats = analyse_bursts(np.array([5.0]))
    assert not stats.bursting and stats.firing_rate == 0.0
