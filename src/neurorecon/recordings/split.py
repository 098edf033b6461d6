"""A recording cut into training and held-out sweeps, and resampled to the rate surrogates run at.

A sweep's amplitude is that of its first step epoch (see :mod:`.epochs`); a sweep without a step
has none (NaN) and belongs to neither split. Training sweeps are those whose amplitude is one of
the training amplitudes; every other sweep with a step is held out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .epochs import LEVEL_TOLERANCE_PA, holding_level, step_epochs
from .recording import Recording, RecordingError


def sweep_amplitudes(recording: Recording) -> np.ndarray:
    """(n_sweeps,) amplitude of each sweep's first step epoch relative to holding, pA (NaN: no step)."""
    amplitudes = np.full(recording.n_sweeps, np.nan)
    for sweep, epochs in enumerate(recording.epochs):
        steps = step_epochs(epochs)
        if steps:
            amplitudes[sweep] = steps[0][1].level_pA - holding_level(epochs)
    return amplitudes


@dataclass(frozen=True)
class SweepSplit:
    """Sweep indices of the training and held-out parts of a recording (increasing)."""

    train: tuple[int, ...]
    heldout: tuple[int, ...]


def split_sweeps(recording: Recording, train_pA: Sequence[float]) -> SweepSplit:
    """Training sweeps (amplitude among ``train_pA``) and held-out sweeps (every other step sweep).

    Raises:
        RecordingError: a training amplitude no sweep has (the file's amplitudes are listed), or no
            sweep left to hold out.
    """
    amplitudes = sweep_amplitudes(recording)
    available = np.unique(amplitudes[np.isfinite(amplitudes)])
    missing = [a for a in train_pA if not np.any(np.abs(available - a) <= LEVEL_TOLERANCE_PA)]
    if missing:
        raise RecordingError(
            f"{recording.file_name}: no sweep steps to training amplitude(s) {', '.join(f'{a:g}' for a in missing)} pA; "
            f"its step amplitudes: {', '.join(f'{a:g}' for a in available)} pA")
    is_train = np.array([np.isfinite(a) and any(abs(a - t) <= LEVEL_TOLERANCE_PA for t in train_pA)
                         for a in amplitudes])
    heldout = tuple(int(s) for s in np.flatnonzero(np.isfinite(amplitudes) & ~is_train))
    if not heldout:
        raise RecordingError(f"{recording.file_name}: every step amplitude is a training amplitude; nothing is "
                             "left to hold out")
    return SweepSplit(tuple(int(s) for s in np.flatnonzero(is_train)), heldout)


def select_sweeps(recording: Recording, sweeps: Sequence[int]) -> Recording:
    """The recording restricted to ``sweeps`` (in that order)."""
    index = np.asarray(sweeps, dtype=np.int64)
    return replace(recording, voltage_mV=recording.voltage_mV[index], current_pA=recording.current_pA[index],
                   epochs=tuple(recording.epochs[s] for s in index))


def resample(recording: Recording, rate_hz: float) -> Recording:
    """The recording at (about) ``rate_hz``: means over blocks of ``round(rate / rate_hz)`` samples.

    Block means are an anti-aliasing low-pass as well as a decimation; a recording already at or
    below ``rate_hz`` is returned unchanged. The epochs keep their times; the new rate is the old
    one divided by the block length.
    """
    factor = int(round(recording.rate_hz / rate_hz))
    if factor <= 1:
        return recording
    n = recording.voltage_mV.shape[1] // factor

    def blocks(x: np.ndarray) -> np.ndarray:
        return x[:, : n * factor].reshape(x.shape[0], n, factor).mean(axis=2, dtype=np.float64).astype(np.float32)

    return replace(recording, voltage_mV=blocks(recording.voltage_mV), current_pA=blocks(recording.current_pA),
                   rate_hz=recording.rate_hz / factor)
