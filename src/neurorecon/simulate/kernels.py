"""Compiled fixed-step RK4 kernels, parallel over trajectories.

One kernel is compiled per model right-hand side (numba specialises on the function it calls) and
cached in-process. Each call advances every trajectory by ``n_samples * steps_per_sample`` steps of
size ``dt`` and, when ``out`` has room, records the state after every ``steps_per_sample`` steps.
Callers run long integrations block by block (for progress output) by calling again with the
state arrays the previous call left behind.
"""

from __future__ import annotations

import functools

import numba
import numpy as np

DIVERGED_NONFINITE = 1
DIVERGED_UNBOUNDED = 2


@functools.cache
def rk4_kernel(rhs):
    """Return the compiled ensemble kernel for the right-hand side ``rhs(y, p, dydt)``.

    Kernel signature ``kernel(y, params, status, dt, steps_per_sample, n_samples, bound, out)``:

    - ``y``: (n_traj, n_state) float64, current states, advanced in place.
    - ``params``: (n_traj, n_params) float64, one parameter vector per trajectory.
    - ``status``: (n_traj,) int8; 0 = running, ``DIVERGED_*`` once a trajectory left the finite box.
      A diverged trajectory is no longer advanced; its recorded samples are NaN from then on.
    - ``dt``: step in model time units; ``steps_per_sample`` steps between recorded samples.
    - ``n_samples``: number of sampling intervals to advance.
    - ``bound``: |state component| above which a trajectory counts as divergent.
    - ``out``: (n_traj, n_state, n_samples) float32/float64 to record into, or shape
      (n_traj, n_state, 0) to advance without recording (a transient).
    """

    @numba.njit(parallel=True, fastmath=False)
    def kernel(y, params, status, dt, steps_per_sample, n_samples, bound, out):
        n_traj, n_state = y.shape
        record = out.shape[2] > 0
        half = 0.5 * dt
        sixth = dt / 6.0
        for i in numba.prange(n_traj):
            p = params[i]
            yi = y[i].copy()
            k1 = np.empty(n_state)
            k2 = np.empty(n_state)
            k3 = np.empty(n_state)
            k4 = np.empty(n_state)
            tmp = np.empty(n_state)
            for s in range(n_samples):
                if status[i] == 0:
                    for _ in range(steps_per_sample):
                        rhs(yi, p, k1)
                        for j in range(n_state):
                            tmp[j] = yi[j] + half * k1[j]
                        rhs(tmp, p, k2)
                        for j in range(n_state):
                            tmp[j] = yi[j] + half * k2[j]
                        rhs(tmp, p, k3)
                        for j in range(n_state):
                            tmp[j] = yi[j] + dt * k3[j]
                        rhs(tmp, p, k4)
                        for j in range(n_state):
                            yi[j] += sixth * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j])
                    for j in range(n_state):
                        if not np.isfinite(yi[j]):
                            status[i] = 1
                        elif abs(yi[j]) > bound and status[i] == 0:
                            status[i] = 2
                if record:
                    for j in range(n_state):
                        out[i, j, s] = yi[j] if status[i] == 0 else np.nan
            y[i] = yi

    return kernel


def advance(
    rhs,
    y: np.ndarray,
    params: np.ndarray,
    status: np.ndarray,
    dt: float,
    steps_per_sample: int,
    n_samples: int,
    bound: float,
    out: np.ndarray | None = None,
) -> None:
    """Advance an ensemble in place; record samples into ``out`` if given (see :func:`rk4_kernel`)."""
    if out is None:
        out = np.empty((y.shape[0], y.shape[1], 0), dtype=np.float64)
    rk4_kernel(rhs)(y, params, status, float(dt), int(steps_per_sample), int(n_samples), float(bound), out)
