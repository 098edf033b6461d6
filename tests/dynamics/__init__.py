"""Tests of the dynamics toolkit; helpers that build synthetic voltage traces with known spikes."""

import numpy as np

REST_MV = -65.0
PEAK_MV = 25.0
THRESHOLD_MV = -20.0


def spike_train(spike_times, t, width=0.5, rest=REST_MV, peak=PEAK_MV):
    """Voltage trace (n_time,) at times ``t``: ``rest`` plus a Gaussian pulse up to ``peak`` per spike.

    ``width`` is the pulse's standard deviation, in the unit of ``t``.
    """
    t = np.asarray(t, dtype=np.float64)
    x = np.full(t.shape, rest)
    dt = t[1] - t[0]
    half = int(np.ceil(6 * width / dt))
    offsets = np.arange(-half, half + 1)
    for s in spike_times:
        centre = int(round((s - t[0]) / dt))
        idx = centre + offsets
        ok = (idx >= 0) & (idx < t.size)
        pulse = (peak - rest) * np.exp(-0.5 * ((t[idx[ok]] - s) / width) ** 2)
        x[idx[ok]] = np.maximum(x[idx[ok]], rest + pulse)
    return x


def burst_times(n_bursts, k, intra, period, start=5.0):
    """Spike times of ``n_bursts`` bursts of exactly ``k`` spikes ``intra`` apart, one per ``period``."""
    return np.concatenate([start + b * period + intra * np.arange(k) for b in range(n_bursts)])
