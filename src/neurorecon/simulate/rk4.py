"""Fixed-step classical Runge–Kutta (RK4) ensemble kernel, written once for every model.

``kernel`` is plain Python that calls a module-level ``rhs``; :mod:`.kernels` compiles one copy
per model with that model's right-hand side bound to ``rhs`` (and caches it on disk).
"""

from __future__ import annotations

import numba
import numpy as np

from .status import check_state


def rhs(y, p, dydt):
    """Stand-in for a model right-hand side; each compiled copy binds the model's own."""
    raise NotImplementedError("rk4.kernel runs only as a compiled copy from simulate.kernels")


def kernel(y, params, status, dt, steps_per_sample, n_samples, bound, out):
    """Advance every trajectory by ``n_samples * steps_per_sample`` RK4 steps of size ``dt``.

    - ``y``: (n_traj, n_state) float64, current states, advanced in place.
    - ``params``: (n_traj, n_params) float64, one parameter vector per trajectory.
    - ``status``: (n_traj,) int8; 0 = running, ``DIVERGED_*`` (see :mod:`.status`) once a
      trajectory left the finite box; it is then no longer advanced and records NaN.
    - ``dt``: step in model time units; ``steps_per_sample`` steps between recorded samples.
    - ``n_samples``: number of sampling intervals to advance.
    - ``bound``: |state component| above which a trajectory counts as divergent.
    - ``out``: (n_traj, n_state, n_samples) float64 to record the state after every sampling
      interval into, or shape (n_traj, n_state, 0) to advance without recording (a transient).
    """
    n_traj, n_state = y.shape
    record = out.shape[2] > 0
    half = 0.5 * dt
    sixth = dt / 6.0
    for i in numba.prange(n_traj):
        p = params[i]
        yi = y[i].copy()
        stages = np.empty((5, n_state))  # slopes k1..k4 and the stage argument
        k1, k2, k3, k4, tmp = stages[0], stages[1], stages[2], stages[3], stages[4]
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
                status[i] = check_state(yi, bound)
            if record:
                for j in range(n_state):
                    out[i, j, s] = yi[j] if status[i] == 0 else np.nan
        y[i] = yi
