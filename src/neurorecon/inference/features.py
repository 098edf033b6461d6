"""Spike trains as network input: checked spike times -> standardised log-ISI sequences.

A spike train is a 1-D array of spike times in ms. Its features are the natural logarithms of its
inter-spike intervals in ms, standardised by fixed constants (so the featurisation does not depend
on the training data): ``(ln(ISI / 1 ms) - LOG_ISI_CENTER) / LOG_ISI_SCALE``, the first ``max_isis``
ISIs of the train, zero-padded to the longest train of a batch, with a mask of the real entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MIN_SPIKES = 3
"""Fewest spikes of a usable train (two ISIs: one ISI says nothing about a pattern)."""

LOG_ISI_CENTER = 3.0
"""Centre of ln(ISI / 1 ms) (ISI e^3 ≈ 20 ms)."""

LOG_ISI_SCALE = 1.5
"""Spread of ln(ISI / 1 ms) divided out."""


class SpikeTrainError(ValueError):
    """A spike train that cannot be used; the message says why."""


def check_train(times) -> np.ndarray:
    """The spike times as float64 (n_spikes,) after checking them.

    Raises:
        SpikeTrainError: not finite numbers, fewer than :data:`MIN_SPIKES` spikes, or times that do
            not increase strictly (naming the first offending position, counted from 0).
    """
    array = np.asarray(times, dtype=np.float64).reshape(-1)
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise SpikeTrainError(f"spike time {bad[0]} is not a finite number ({array[bad[0]]})")
    if array.size < MIN_SPIKES:
        raise SpikeTrainError(f"{array.size} spike(s); at least {MIN_SPIKES} are needed (two ISIs)")
    steps = np.flatnonzero(np.diff(array) <= 0)
    if steps.size:
        k = int(steps[0]) + 1
        raise SpikeTrainError(f"spike times do not increase: time {k} ({array[k]:g} ms) follows {array[k - 1]:g} ms")
    return array


def log_isis(times: np.ndarray) -> np.ndarray:
    """Standardised log-ISIs of one (checked) train, (n_spikes - 1,) float64."""
    return (np.log(np.diff(np.asarray(times, dtype=np.float64))) - LOG_ISI_CENTER) / LOG_ISI_SCALE


@dataclass(frozen=True)
class IsiBatch:
    """Log-ISI sequences of a batch of trains.

    Attributes:
        values: (n_train, length) float32 standardised log-ISIs, 0 after a train's end.
        mask: (n_train, length) bool, True on real ISIs; every row has at least one.
        lengths: (n_train,) int64 ISIs per row (<= max_isis).
    """

    values: np.ndarray
    mask: np.ndarray
    lengths: np.ndarray


def isi_batch(trains: Sequence[np.ndarray], max_isis: int) -> IsiBatch:
    """Featurise trains (each a checked 1-D array of spike times, ms): the first ``max_isis`` ISIs."""
    sequences = [log_isis(train)[:max_isis] for train in trains]
    lengths = np.array([s.size for s in sequences], dtype=np.int64)
    length = int(lengths.max()) if lengths.size else 1
    values = np.zeros((len(sequences), length), dtype=np.float32)
    mask = np.zeros((len(sequences), length), dtype=bool)
    for row, sequence in enumerate(sequences):
        values[row, : sequence.size] = sequence
        mask[row, : sequence.size] = True
    return IsiBatch(values, mask, lengths)


def padded_trains(spike_times: np.ndarray) -> list[np.ndarray]:
    """Rows of a NaN-padded (n, k) spike-time array as a list of 1-D arrays (NaN dropped)."""
    return [row[np.isfinite(row)] for row in np.asarray(spike_times, dtype=np.float64)]
