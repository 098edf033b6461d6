"""Adaptive Dormand–Prince 5(4) ensemble kernel with per-trajectory step size and dense output.

Method: the explicit embedded Runge–Kutta pair of Dormand & Prince, J. Comput. Appl. Math. 6 (1980)
19 (7 stages, first-same-as-last, local extrapolation with the 5th-order solution), the step-size
controller with the PI stabilisation (beta = 0.04), the starting-step heuristic and the 4th-order
continuous extension of Hairer, Nørsett & Wanner, *Solving Ordinary Differential Equations I*
(2nd ed., 1993), sections II.4, II.5 and II.6. Every trajectory takes its own steps; the fixed
sampling grid is read off the continuous extension, so steps never shrink to hit sample times.

``kernel`` is plain Python that calls a module-level ``rhs``; :mod:`.kernels` compiles one copy
per model with that model's right-hand side bound to ``rhs`` (and caches it on disk).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .status import DIVERGED_NONFINITE, check_state

# Butcher tableau (c_i are implied: rhs does not depend on time).
A21 = 1.0 / 5.0
A31, A32 = 3.0 / 40.0, 9.0 / 40.0
A41, A42, A43 = 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0
A51, A52, A53, A54 = 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0
A61, A62, A63, A64, A65 = 9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0
B1, B3, B4, B5, B6 = 35.0 / 384.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0
# 5th-order minus embedded 4th-order weights: the local error estimate.
E1, E3, E4, E5, E6, E7 = (
    71.0 / 57600.0, -71.0 / 16695.0, 71.0 / 1920.0, -17253.0 / 339200.0, 22.0 / 525.0, -1.0 / 40.0,
)
# Continuous extension (dense output) weights.
D1, D3, D4 = -12715105075.0 / 11282082432.0, 87487479700.0 / 32700410799.0, -10690763975.0 / 1880347072.0
D5, D6, D7 = 701980252875.0 / 199316789632.0, -1453857185.0 / 822651844.0, 69997945.0 / 29380423.0

# Step-size controller: safety factor, step ratio limits, PI exponents.
SAFETY = 0.9
MIN_FACTOR, MAX_FACTOR = 0.2, 10.0
BETA = 0.04
EXPONENT = 0.2 - 0.75 * BETA
# A step below this fraction of the sampling interval counts as a collapse (DIVERGED_NONFINITE).
MIN_STEP = 1e-12

# Columns of the per-trajectory float state ``clock``.
T, H_NEXT, ERR_OLD, H_LAST = 0, 1, 2, 3
# Columns of the per-trajectory counters ``counts``.
ACCEPTED, REJECTED, EVALUATIONS = 0, 1, 2
N_CLOCK, N_COUNTS, N_DENSE = 4, 3, 5


def rhs(y, p, dydt):
    """Stand-in for a model right-hand side; each compiled copy binds the model's own."""
    raise NotImplementedError("dopri5.kernel runs only as a compiled copy from simulate.kernels")


def kernel(y, clock, dense, counts, params, status, rtol, atol, sample_dt, first_sample, n_samples,
           bound, out):
    """Advance every trajectory to the sample time ``(first_sample + n_samples) * sample_dt``.

    Per-trajectory integrator state, carried between calls so that splitting an integration into
    blocks does not change the result:

    - ``y``: (n_traj, n_state) float64, state at the trajectory's own mesh time ``clock[:, T]``.
    - ``clock``: (n_traj, 4) float64: mesh time, next step size (0: choose a starting step), last
      accepted error norm, last accepted step size; all zeros before the first call.
    - ``dense``: (n_traj, 5, n_state) float64, continuous-extension coefficients of the last
      accepted step, which covers ``[clock[T] - clock[H_LAST], clock[T]]``.
    - ``counts``: (n_traj, 3) int64: accepted steps, rejected steps, right-hand-side evaluations.

    Other arguments: ``params`` (n_traj, n_params) float64; ``status`` (n_traj,) int8 as in
    :mod:`.rk4`; ``rtol``, ``atol``: relative and absolute tolerance of the local error (RMS norm
    over components of err / (atol + rtol max(|y_old|, |y_new|))); ``sample_dt``: sampling
    interval; ``first_sample``: sampling intervals already done (time 0 is sample 0);
    ``n_samples``: intervals to advance; ``bound``: divergence bound; ``out``: (n_traj, n_state,
    n_samples) float64 receiving the state at every sample time, or shape (n_traj, n_state, 0).
    """
    n_traj, n_state = y.shape
    record = out.shape[2] > 0
    min_step = MIN_STEP * sample_dt
    for i in numba.prange(n_traj):
        p = params[i]
        yi = y[i].copy()
        stages = np.empty((9, n_state))  # slopes k1..k7, the stage argument, the new state
        k1, k2, k3, k4, k5, k6, k7 = stages[0], stages[1], stages[2], stages[3], stages[4], stages[5], stages[6]
        tmp, new = stages[7], stages[8]
        t, h, err_old, h_last = clock[i, T], clock[i, H_NEXT], clock[i, ERR_OLD], clock[i, H_LAST]
        evaluations = 0
        rejected_before = False
        if status[i] == 0:
            rhs(yi, p, k1)  # first-same-as-last: recomputed once per call, identical values
            evaluations += 1
        if status[i] == 0 and h == 0.0:
            # starting step (Hairer et al. II.4): h with |h f| ~ 1% of |y|, then limited by the
            # second derivative estimated from one explicit Euler step
            norm_y, norm_f, norm_d = 0.0, 0.0, 0.0
            for j in range(n_state):
                scale = atol + rtol * abs(yi[j])
                norm_y += (yi[j] / scale) ** 2
                norm_f += (k1[j] / scale) ** 2
            if norm_y <= 1e-10 or norm_f <= 1e-10:
                h = 1e-6 * sample_dt
            else:
                h = 0.01 * math.sqrt(norm_y / norm_f)
            for j in range(n_state):
                tmp[j] = yi[j] + h * k1[j]
            rhs(tmp, p, k2)
            evaluations += 1
            for j in range(n_state):
                norm_d += ((k2[j] - k1[j]) / (atol + rtol * abs(yi[j]))) ** 2
            largest = max(math.sqrt(norm_d / n_state) / h, math.sqrt(norm_f / n_state))
            if largest <= 1e-15:
                h = max(1e-6 * sample_dt, 1e-3 * h)
            else:
                h = min(100.0 * h, (0.01 / largest) ** 0.2)
            err_old = 1e-4
        for s in range(n_samples):
            target = (first_sample + s + 1) * sample_dt
            while status[i] == 0 and t < target:
                for j in range(n_state):
                    tmp[j] = yi[j] + h * A21 * k1[j]
                rhs(tmp, p, k2)
                for j in range(n_state):
                    tmp[j] = yi[j] + h * (A31 * k1[j] + A32 * k2[j])
                rhs(tmp, p, k3)
                for j in range(n_state):
                    tmp[j] = yi[j] + h * (A41 * k1[j] + A42 * k2[j] + A43 * k3[j])
                rhs(tmp, p, k4)
                for j in range(n_state):
                    tmp[j] = yi[j] + h * (A51 * k1[j] + A52 * k2[j] + A53 * k3[j] + A54 * k4[j])
                rhs(tmp, p, k5)
                for j in range(n_state):
                    tmp[j] = yi[j] + h * (A61 * k1[j] + A62 * k2[j] + A63 * k3[j] + A64 * k4[j]
                                          + A65 * k5[j])
                rhs(tmp, p, k6)
                for j in range(n_state):
                    new[j] = yi[j] + h * (B1 * k1[j] + B3 * k3[j] + B4 * k4[j] + B5 * k5[j] + B6 * k6[j])
                rhs(new, p, k7)
                evaluations += 6
                total = 0.0
                for j in range(n_state):
                    e = h * (E1 * k1[j] + E3 * k3[j] + E4 * k4[j] + E5 * k5[j] + E6 * k6[j] + E7 * k7[j])
                    scale = atol + rtol * max(abs(yi[j]), abs(new[j]))
                    total += (e / scale) ** 2
                err = math.sqrt(total / n_state)
                if not err <= 1.0:  # rejected (also when err is NaN)
                    counts[i, REJECTED] += 1
                    if math.isfinite(err):
                        h = h / min(1.0 / MIN_FACTOR, err**EXPONENT / SAFETY)
                    else:
                        h = h * MIN_FACTOR
                    rejected_before = True
                    if h < min_step:
                        status[i] = DIVERGED_NONFINITE
                    continue
                for j in range(n_state):
                    dense[i, 0, j] = yi[j]
                    diff = new[j] - yi[j]
                    dense[i, 1, j] = diff
                    slope_old = h * k1[j] - diff
                    dense[i, 2, j] = slope_old
                    dense[i, 3, j] = diff - h * k7[j] - slope_old
                    dense[i, 4, j] = h * (D1 * k1[j] + D3 * k3[j] + D4 * k4[j] + D5 * k5[j]
                                          + D6 * k6[j] + D7 * k7[j])
                    yi[j] = new[j]
                    k1[j] = k7[j]
                t += h
                h_last = h
                counts[i, ACCEPTED] += 1
                factor = err**EXPONENT / max(err_old, 1e-4) ** BETA / SAFETY
                factor = max(1.0 / MAX_FACTOR, min(1.0 / MIN_FACTOR, factor))
                h_new = h / factor
                h = min(h_new, h) if rejected_before else h_new
                rejected_before = False
                err_old = max(err, 1e-4)
                status[i] = check_state(yi, bound)
            if record:
                if status[i] == 0:
                    theta = 1.0 - (t - target) / h_last
                    rest = 1.0 - theta
                    for j in range(n_state):
                        out[i, j, s] = dense[i, 0, j] + theta * (
                            dense[i, 1, j] + rest * (dense[i, 2, j] + theta * (dense[i, 3, j] + rest * dense[i, 4, j]))
                        )
                else:
                    for j in range(n_state):
                        out[i, j, s] = np.nan
        y[i] = yi
        clock[i, T], clock[i, H_NEXT], clock[i, ERR_OLD], clock[i, H_LAST] = t, h, err_old, h_last
        counts[i, EVALUATIONS] += evaluations
