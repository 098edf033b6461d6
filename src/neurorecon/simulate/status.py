"""Trajectory status codes and the compiled check that sets them."""

from __future__ import annotations

import numba
import numpy as np

RUNNING = 0
DIVERGED_NONFINITE = 1  # a component became NaN/inf, or the adaptive step size collapsed
DIVERGED_UNBOUNDED = 2  # a component left the model's divergence bound


@numba.njit(cache=True)
def check_state(y, bound):
    """Status code of a state vector ``y`` (n_state,): RUNNING or DIVERGED_*."""
    code = RUNNING
    for j in range(y.shape[0]):
        if not np.isfinite(y[j]):
            return DIVERGED_NONFINITE
        if abs(y[j]) > bound:
            code = DIVERGED_UNBOUNDED
    return code
