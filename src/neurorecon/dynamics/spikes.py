"""Spike detection on the observed variable (voltage of a model or decoded voltage of a surrogate).

A spike is an upward crossing of a threshold (the model's ``spike_threshold``, in the observed unit)
by a detector with hysteresis: after a crossing the detector re-arms only once the trace has fallen
below ``threshold - hysteresis``, so ripples and noise around the threshold count once. The
hysteresis is scale-aware: by default a fraction of each trace's peak-to-peak range.

Batches of traces are processed by a compiled kernel; results come back as NaN-padded arrays.
Recordings, whose membrane can sit depolarised for a whole step, use :func:`detect_peaks` instead:
peaks of a given prominence and height.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

DEFAULT_HYSTERESIS = 0.05
"""Default hysteresis as a fraction of the trace's peak-to-peak range (or of a given scale)."""


def threshold_crossings(x: np.ndarray, t: np.ndarray, level: float) -> np.ndarray:
    """Times of upward crossings of ``level``, linearly interpolated between samples.

    Args:
        x: (n_time,) samples of the observed variable.
        t: (n_time,) sample times.
        level: crossing level, in the unit of ``x``.

    Returns:
        (n_crossings,) float64 crossing times, in the unit of ``t``. NaN samples never cross.
    """
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    below, above = x[:-1], x[1:]
    idx = np.flatnonzero((below < level) & (above >= level))
    frac = (level - below[idx]) / (above[idx] - below[idx])
    return t[idx] + frac * (t[idx + 1] - t[idx])


@dataclass(frozen=True)
class SpikeTrains:
    """Spikes of a batch of traces, NaN-padded.

    Attributes:
        times: (n_trace, k) float64 spike times (interpolated upward threshold crossings), in the
            time unit of the input; row ``i`` holds ``counts[i]`` values, then NaN.
        peaks: (n_trace, k) float64 maximum of the trace between each crossing and the re-arming
            of the detector (the spike peak), in the observed unit; NaN-padded like ``times``.
        counts: (n_trace,) int64 number of spikes per trace.
    """

    times: np.ndarray
    peaks: np.ndarray
    counts: np.ndarray

    def isis(self) -> np.ndarray:
        """(n_trace, max(k - 1, 0)) inter-spike intervals, NaN-padded (time unit of the input)."""
        return np.diff(self.times, axis=1)


@numba.njit(cache=True, parallel=True)
def _count(x, level, hysteresis):
    n_trace, n_time = x.shape
    counts = np.zeros(n_trace, dtype=np.int64)
    for i in numba.prange(n_trace):
        rearm = level[i] - hysteresis[i]
        armed = x[i, 0] < level[i]
        count = 0
        for k in range(1, n_time):
            value = x[i, k]
            if armed:
                if value >= level[i] and x[i, k - 1] < level[i]:
                    count += 1
                    armed = False
            elif value < rearm:
                armed = True
        counts[i] = count
    return counts


@numba.njit(cache=True, parallel=True)
def _fill(x, t, level, hysteresis, times, peaks):
    n_trace, n_time = x.shape
    for i in numba.prange(n_trace):
        rearm = level[i] - hysteresis[i]
        armed = x[i, 0] < level[i]
        j = -1
        for k in range(1, n_time):
            value = x[i, k]
            if armed:
                previous = x[i, k - 1]
                if value >= level[i] and previous < level[i]:
                    j += 1
                    frac = (level[i] - previous) / (value - previous)
                    times[i, j] = t[k - 1] + frac * (t[k] - t[k - 1])
                    peaks[i, j] = value
                    armed = False
            elif value < rearm:
                armed = True
            elif j >= 0 and value > peaks[i, j]:
                peaks[i, j] = value


def detect_spikes(
    x: np.ndarray,
    t: np.ndarray,
    threshold: float | np.ndarray,
    hysteresis: float | np.ndarray | None = None,
    scale: float | np.ndarray | None = None,
) -> SpikeTrains:
    """Detect spikes in a batch of traces by threshold crossing with hysteresis.

    Args:
        x: (n_trace, n_time) or (n_time,) samples of the observed variable (float32 or float64).
            NaN samples never cross and never re-arm the detector.
        t: (n_time,) sample times.
        threshold: spike threshold in the unit of ``x``; scalar or one per trace, shape (n_trace,).
        hysteresis: re-arming distance below the threshold, in the unit of ``x``; scalar or
            (n_trace,). ``None``: ``DEFAULT_HYSTERESIS`` times ``scale``.
        scale: amplitude scale used for the default hysteresis, scalar or (n_trace,). ``None``: the
            peak-to-peak range of each trace (finite samples).

    Returns:
        :class:`SpikeTrains` with one row per trace (a single row for 1-D input).
    """
    x = np.atleast_2d(np.asarray(x))
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    t = np.asarray(t, dtype=np.float64)
    if x.shape[1] != t.shape[0]:
        raise ValueError(f"trace length {x.shape[1]} differs from the number of times {t.shape[0]}")
    n_trace = x.shape[0]
    if hysteresis is None:
        if scale is None:
            scale = peak_to_peak(x)
        hysteresis = DEFAULT_HYSTERESIS * np.asarray(scale, dtype=np.float64)
    level = np.broadcast_to(np.asarray(threshold, dtype=x.dtype), (n_trace,)).copy()
    hyst = np.broadcast_to(np.asarray(hysteresis, dtype=x.dtype), (n_trace,)).copy()
    counts = _count(x, level, hyst)
    width = int(counts.max(initial=0))
    times = np.full((n_trace, width), np.nan)
    peaks = np.full((n_trace, width), np.nan)
    if width:
        _fill(x, t, level, hyst, times, peaks)
    return SpikeTrains(times=times, peaks=peaks, counts=counts)


def peak_to_peak(x: np.ndarray) -> np.ndarray:
    """Peak-to-peak range over the last axis ignoring NaN; 0 for an all-NaN trace.

    Args:
        x: (..., n_time) samples.

    Returns:
        (...,) float64 ``max - min`` of the finite samples.
    """
    x = np.asarray(x)
    finite = np.isfinite(x)
    high = np.where(finite, x, -np.inf).max(axis=-1)
    low = np.where(finite, x, np.inf).min(axis=-1)
    return np.where(finite.any(axis=-1), high - low, 0.0).astype(np.float64)


def isi_statistics(spike_times: np.ndarray) -> tuple[np.ndarray, float, float]:
    """ISIs, firing rate and ISI coefficient of variation of one spike train.

    Args:
        spike_times: (n_spikes,) increasing spike times (NaN entries are dropped).

    Returns:
        ``(isis, rate, cv)``: (n_spikes - 1,) ISIs in the time unit of the input; the firing rate in
        spikes per time unit, ``(n - 1) / (t_last - t_first)`` = 1 / mean ISI (0 for fewer than two
        spikes), which does not depend on where a window cuts a periodic train; the CV
        ``std(ISI) / mean(ISI)`` (population std), NaN for fewer than two ISIs.
    """
    times = np.asarray(spike_times, dtype=np.float64)
    times = times[np.isfinite(times)]
    isis = np.diff(times)
    if isis.size == 0:
        return isis, 0.0, float("nan")
    mean = float(isis.mean())
    rate = 1.0 / mean if mean > 0 else float("nan")
    cv = float(isis.std() / mean) if isis.size >= 2 and mean > 0 else float("nan")
    return isis, rate, cv


def detect_peaks(
    x: np.ndarray,
    t: np.ndarray,
    prominence: float,
    height: float,
    min_interval: float,
) -> SpikeTrains:
    """Detect spikes as prominent peaks (for recordings, whose baseline moves with the stimulus).

    A spike is a local maximum that rises at least ``prominence`` above the higher of the two
    lowest points separating it from higher peaks on either side (``scipy.signal.find_peaks``), and
    above ``height``; of peaks closer than ``min_interval``, only the highest counts (a noisy,
    flat-topped peak counts once). Unlike :func:`detect_spikes`, no fixed threshold has to be crossed
    from below: spikes riding on a depolarised membrane whose troughs stay above any usual
    threshold still count.

    Args:
        x: (n_trace, n_time) or (n_time,) finite samples of the observed variable.
        t: (n_time,) evenly spaced sample times.
        prominence: smallest prominence, in the unit of ``x``.
        height: smallest peak value, in the unit of ``x``.
        min_interval: smallest time between two spikes, in the unit of ``t`` (> 0).

    Returns:
        :class:`SpikeTrains` with ``times`` the peak sample times and ``peaks`` the peak values.
    """
    # imported here, not at the top: scipy.signal takes about a second to import
    from scipy.signal import find_peaks

    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    t = np.asarray(t, dtype=np.float64)
    if x.shape[1] != t.shape[0]:
        raise ValueError(f"trace length {x.shape[1]} differs from the number of times {t.shape[0]}")
    if not min_interval > 0:
        raise ValueError(f"min_interval must be > 0, got {min_interval}")
    step = float(t[1] - t[0]) if t.size > 1 else 1.0
    distance = max(1, int(np.ceil(min_interval / step)))
    found = [find_peaks(row, height=height, prominence=prominence, distance=distance)[0] for row in x]
    counts = np.array([index.size for index in found], dtype=np.int64)
    width = int(counts.max(initial=0))
    times = np.full((x.shape[0], width), np.nan)
    peaks = np.full((x.shape[0], width), np.nan)
    for row, index in enumerate(found):
        times[row, : index.size] = t[index]
        peaks[row, : index.size] = x[row, index]
    return SpikeTrains(times=times, peaks=peaks, counts=counts)
