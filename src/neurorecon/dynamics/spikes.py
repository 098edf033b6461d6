"""Spike detection on the observed variable."""

from __future__ import annotations

import numpy as np


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
