"""The van Rossum distance between spike trains (van Rossum, Neural Comput. 13:751, 2001).

Each train is convolved with a causal exponential kernel, f(t) = sum_i H(t - t_i) exp(-(t - t_i)/tau),
and the distance is D = sqrt((1/tau) * integral (f - g)^2 dt). The integral has the closed form

    D^2 = 1/2 * [ sum_ij e^{-|t_i - t_j|/tau} + sum_ij e^{-|s_i - s_j|/tau} - 2 sum_ij e^{-|t_i - s_j|/tau} ],

so one spike against none gives D = sqrt(1/2), and two trains of n spikes far apart D = sqrt(n).
"""

from __future__ import annotations

import numpy as np


def _kernel_sum(a: np.ndarray, b: np.ndarray, tau: float) -> float:
    if a.size == 0 or b.size == 0:
        return 0.0
    return float(np.exp(-np.abs(a[:, None] - b[None, :]) / tau).sum())


def van_rossum(a, b, tau: float) -> float:
    """Van Rossum distance (dimensionless) of spike trains ``a`` and ``b`` (1-D, same time unit as
    ``tau``; NaN entries dropped)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    squared = 0.5 * (_kernel_sum(a, a, tau) + _kernel_sum(b, b, tau) - 2.0 * _kernel_sum(a, b, tau))
    return float(np.sqrt(max(squared, 0.0)))
