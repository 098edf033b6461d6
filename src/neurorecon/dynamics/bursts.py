"""Burst detection from inter-spike intervals (ISIs).

Detector: the logISI method of Pasquale, Martinoia & Chiappalone, "A self-adapting approach for
the detection of bursts and network bursts in neuronal cultures", J. Comput. Neurosci. 29:213-229
(2010). logISI histograms log10(ISI) in bins of 0.1 decade and places the burst threshold
``ISI_th`` at a valley of that histogram whose void parameter

    void = 1 - h(valley) / sqrt(h(peak before) * h(peak after))

is at least 0.7; consecutive spikes closer than ``ISI_th`` belong to one burst.

Adaptations, so that the rule needs no time unit and suits model and surrogate trains:

- logISI takes the intra-burst peak below a fixed 100 ms cutoff and the first valid valley after
  it. Here the peaks on either side of a bin are the largest bins below and above it, and the
  valley is the bin with the largest void, ties going to the longest ISIs: the threshold sits just
  below the cluster of the longest ISIs, the quiescent gaps between bursts. (A burst whose last
  spike comes late, as near a spike-adding transition, keeps that spike.)
- The two sides must differ in scale: median ISI above over median ISI below ``ISI_th`` at least
  ``min_ratio`` [3]. Otherwise (one cluster, or an alternation of similar ISIs) the train is tonic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .spikes import isi_statistics

DEFAULT_MIN_RATIO = 3.0
"""Smallest ratio of the median inter-burst ISI to the median intra-burst ISI."""

BIN_WIDTH = 0.1
"""Width of the log10(ISI) histogram bins, in decades (as in logISI)."""

VOID_MIN = 0.7
"""Smallest void parameter of a valley (as in logISI)."""


@dataclass(frozen=True)
class BurstStats:
    """ISI structure of one spike train.

    Attributes:
        bursting: two ISI clusters (logISI), at least two inter-burst ISIs and a burst of >= 2 spikes.
        isi_threshold: ``ISI_th`` separating intra- from inter-burst ISIs (time unit of the input);
            NaN for a single cluster.
        n_bursts: number of complete bursts (not cut by the ends of the window).
        spikes_per_burst: mean number of spikes of the complete bursts; NaN if not bursting.
        spikes_per_burst_stable: every complete burst has the same number of spikes (False if not
            bursting).
        firing_rate: spikes per time unit, 1 / mean ISI (0 for fewer than two spikes).
        isi_cv: coefficient of variation of all ISIs (NaN for fewer than two ISIs).
    """

    bursting: bool
    isi_threshold: float
    n_bursts: int
    spikes_per_burst: float
    spikes_per_burst_stable: bool
    firing_rate: float
    isi_cv: float


def isi_threshold(isis: np.ndarray, min_ratio: float = DEFAULT_MIN_RATIO) -> float:
    """The logISI burst threshold of a set of ISIs, or NaN when they form a single cluster.

    Args:
        isis: (n_isi,) inter-spike intervals (non-finite and non-positive ones ignored).
        min_ratio: smallest median ratio between the ISIs above and below the threshold.

    Returns:
        ``ISI_th`` in the unit of ``isis`` (centre of the valley bin, see the module docstring);
        NaN if there is no valley with void >= ``VOID_MIN`` or the two sides differ by less than
        ``min_ratio``.
    """
    isis = np.asarray(isis, dtype=np.float64)
    isis = isis[np.isfinite(isis) & (isis > 0)]
    logs = np.log10(isis)
    if logs.size < 3:
        return float("nan")
    start = np.floor(logs.min() / BIN_WIDTH) * BIN_WIDTH
    n_bins = int(np.floor((logs.max() - start) / BIN_WIDTH)) + 1
    counts, _ = np.histogram(logs, start + BIN_WIDTH * np.arange(n_bins + 1))
    if n_bins < 3:
        return float("nan")
    inner = np.arange(1, n_bins - 1)
    below = np.maximum.accumulate(counts)[inner - 1]
    above = np.maximum.accumulate(counts[::-1])[::-1][inner + 1]
    void = 1.0 - counts[inner] / np.sqrt(below * above)
    if void.max() < VOID_MIN:
        return float("nan")
    valley = inner[np.flatnonzero(void == void.max())[-1]]
    threshold = 10.0 ** (start + (valley + 0.5) * BIN_WIDTH)
    short, long = isis[isis <= threshold], isis[isis > threshold]
    if np.median(long) < min_ratio * np.median(short):
        return float("nan")
    return float(threshold)


def burst_sizes(
    spike_times: np.ndarray,
    threshold: float,
    t_start: float | None = None,
    t_end: float | None = None,
) -> np.ndarray:
    """Numbers of spikes of the complete bursts of a spike train.

    Spikes closer than ``threshold`` belong to one burst (an isolated spike is a burst of one).
    The first burst counts only if ``t_start`` is given and the window starts more than
    ``threshold`` before its first spike (the window did not cut it); likewise the last burst
    with ``t_end``.

    Args:
        spike_times: (n_spikes,) increasing spike times (NaN entries dropped).
        threshold: ISI threshold, same time unit.
        t_start, t_end: start and end of the observation window, same time unit.

    Returns:
        (n_complete,) int64 spikes per complete burst, in order.
    """
    times = np.asarray(spike_times, dtype=np.float64)
    times = times[np.isfinite(times)]
    if times.size == 0:
        return np.zeros(0, dtype=np.int64)
    breaks = np.flatnonzero(np.diff(times) > threshold) + 1
    sizes = np.diff(np.concatenate(([0], breaks, [times.size])))
    first = 0 if t_start is not None and times[0] - t_start > threshold else 1
    last = sizes.size if t_end is not None and t_end - times[-1] > threshold else sizes.size - 1
    return sizes[first:last].astype(np.int64)


def analyse_bursts(
    spike_times: np.ndarray,
    t_start: float | None = None,
    t_end: float | None = None,
    min_ratio: float = DEFAULT_MIN_RATIO,
) -> BurstStats:
    """Classify the ISI structure of a spike train as tonic or bursting (logISI, see module doc).

    Args:
        spike_times: (n_spikes,) increasing spike times, NaN-padded rows allowed.
        t_start, t_end: observation window (see :func:`burst_sizes`); same time unit.
        min_ratio: see :func:`isi_threshold`.

    Returns:
        :class:`BurstStats`. Bursting needs an ISI threshold (:func:`isi_threshold`), at least two
        ISIs above it (one long pause is not a rhythm) and one below (a burst of >= 2 spikes).
    """
    times = np.asarray(spike_times, dtype=np.float64)
    times = times[np.isfinite(times)]
    isis, rate, cv = isi_statistics(times)
    threshold = isi_threshold(isis, min_ratio)
    bursting = False
    sizes = np.zeros(0, dtype=np.int64)
    if np.isfinite(threshold) and np.count_nonzero(isis > threshold) >= 2:
        sizes = burst_sizes(times, threshold, t_start, t_end)
        bursting = bool(np.any(isis <= threshold))
    if not bursting:
        return BurstStats(False, threshold, 0, float("nan"), False, rate, cv)
    mean = float(sizes.mean()) if sizes.size else float("nan")
    stable = bool(sizes.size > 0 and sizes.min() == sizes.max())
    return BurstStats(True, threshold, int(sizes.size), mean, stable, rate, cv)
