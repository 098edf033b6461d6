"""Compiled two-trajectory renormalisation on the adaptive Dormand–Prince 5(4) pair.

``kernel`` advances, for every trajectory of an ensemble, a reference copy and a perturbed copy
with the same steps, rescales their separation to its initial size at every multiple of the
renormalisation interval and records the log growth factor of each interval. Both copies go
through the same numerical flow map (one sequence of Runge–Kutta steps), so their separation
follows the linearised map, which approximates the linearised flow to the order of the method. A
step is accepted when the local error of the reference copy is within tolerance (``atol + rtol
|y|`` per component) and so is the local error of the separation relative to its size (``rtol
|separation|``): the separation is a tangent vector integrated as accurately as the state, and a
step too long for the stability of a stiff contracting direction, harmless to a trajectory at rest
but not to its tangent, is rejected. Steps are shortened to end exactly on every renormalisation
time.

Method, tableau and controller: :mod:`neurorecon.simulate.dopri5`. ``kernel`` is plain Python that
calls a module-level ``rhs``; :func:`neurorecon.simulate.kernels.compiled` compiles one copy per
model (cached on disk).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..simulate.dopri5 import (
    A21,
    A31,
    A32,
    A41,
    A42,
    A43,
    A51,
    A52,
    A53,
    A54,
    A61,
    A62,
    A63,
    A64,
    A65,
    B1,
    B3,
    B4,
    B5,
    B6,
    BETA,
    E1,
    E3,
    E4,
    E5,
    E6,
    E7,
    EXPONENT,
    MAX_FACTOR,
    MIN_FACTOR,
    MIN_STEP,
    SAFETY,
)
from ..simulate.status import DIVERGED_NONFINITE, check_state

HELPERS = ("_starting_step", "_attempt", "_local_error", "_error", "_separation_error")
"""Functions that call ``rhs``: :func:`~neurorecon.simulate.kernels.compiled` compiles them with it."""
EPS = float(np.finfo(np.float64).eps)
# A step that would end within this fraction of itself before a renormalisation time is stretched
# to end on it (no sliver steps).
STRETCH = 0.01


def rhs(y, p, dydt):
    """Stand-in for a model right-hand side; each compiled copy binds the model's own."""
    raise NotImplementedError("separation.kernel runs only as a compiled copy from simulate.kernels")


def kernel(y, params, direction, size, status, rtol, atol, interval, n_renorm, bound, logs):
    """Advance reference and perturbed copies over ``n_renorm`` renormalisation intervals.

    - ``y``: (n_traj, 2, n_state) float64, reference (``y[:, 0]``) and perturbed (``y[:, 1]``)
      states, advanced in place.
    - ``params``: (n_traj, n_params) float64.
    - ``direction``: (n_traj, n_state) float64 unit vectors; a separation that collapsed to rounding
      level within an interval restarts along it.
    - ``size``: (n_traj,) float64, the separation restored after every interval.
    - ``status``: (n_traj,) int8, 0 while running, a ``DIVERGED_*`` code of :mod:`.status` once
      either copy left the box ``bound`` or the step collapsed; the trajectory then stops.
    - ``rtol``, ``atol``: local error tolerances (RMS norm over the reference's components).
    - ``interval``: renormalisation interval in model time; ``n_renorm`` intervals in all.
    - ``logs``: (n_traj, n_renorm) float64 receiving log(separation / size) at the end of every
      interval (a collapsed separation counts as rounding level); NaN after a divergence.
    """
    n_traj, _, n_state = y.shape
    min_step = MIN_STEP * interval
    for i in numba.prange(n_traj):
        p = params[i]
        ref = y[i, 0].copy()
        pert = y[i, 1].copy()
        stages = np.empty((2, 9, n_state))  # per copy: slopes k1..k7, stage argument, new state
        t = 0.0
        status[i] = max(check_state(ref, bound), check_state(pert, bound))  # a diverged store trajectory
        h = _starting_step(ref, p, stages[0], rtol, atol, interval)
        err_old = 1e-4
        rhs(pert, p, stages[1, 0])
        for k in range(n_renorm):
            target = (k + 1) * interval
            rejected_before = False
            while status[i] == 0 and t < target:
                wanted = h
                last = t + (1.0 + STRETCH) * h >= target
                if last:
                    h = target - t
                _attempt(ref, p, stages[0], h)
                _attempt(pert, p, stages[1], h)
                err = max(_error(ref, stages[0], h, rtol, atol), _separation_error(ref, pert, stages, h, rtol))
                if not err <= 1.0:  # rejected (also when err is NaN)
                    if math.isfinite(err):
                        h = h / min(1.0 / MIN_FACTOR, err**EXPONENT / SAFETY)
                    else:
                        h = h * MIN_FACTOR
                    rejected_before = True
                    if not h >= min_step:  # also when h is NaN
                        status[i] = DIVERGED_NONFINITE
                    continue
                for j in range(n_state):
                    ref[j] = stages[0, 8, j]
                    pert[j] = stages[1, 8, j]
                    stages[0, 0, j] = stages[0, 6, j]
                    stages[1, 0, j] = stages[1, 6, j]
                t = target if last else t + h
                factor = err**EXPONENT / max(err_old, 1e-4) ** BETA / SAFETY
                factor = max(1.0 / MAX_FACTOR, min(1.0 / MIN_FACTOR, factor))
                h_new = h / factor
                h = min(h_new, h) if rejected_before else h_new
                if last:  # a step shortened to hit the renormalisation time says little about h
                    h = max(h, wanted)
                rejected_before = False
                err_old = max(err, 1e-4)
                status[i] = max(check_state(ref, bound), check_state(pert, bound))
            if status[i] != 0:
                logs[i, k:] = np.nan
                break
            distance, norm_ref = 0.0, 0.0
            for j in range(n_state):
                distance += (pert[j] - ref[j]) ** 2
                norm_ref += ref[j] ** 2
            distance = math.sqrt(distance)
            rounding = EPS * (1.0 + math.sqrt(norm_ref))
            if distance < rounding:  # the copies merged to rounding level: restart the perturbation
                for j in range(n_state):
                    pert[j] = ref[j] + direction[i, j]
                logs[i, k] = math.log(rounding / size[i])
                distance = 1.0
            else:
                logs[i, k] = math.log(distance / size[i])
            scale = size[i] / distance
            for j in range(n_state):
                pert[j] = ref[j] + (pert[j] - ref[j]) * scale
            rhs(pert, p, stages[1, 0])
        y[i, 0] = ref
        y[i, 1] = pert


def _starting_step(y, p, stages, rtol, atol, interval):
    """Starting step of :func:`neurorecon.simulate.dopri5.kernel`; leaves f(y) in ``stages[0]``."""
    n_state = y.shape[0]
    k1, k2, tmp = stages[0], stages[1], stages[7]
    rhs(y, p, k1)
    norm_y, norm_f, norm_d = 0.0, 0.0, 0.0
    for j in range(n_state):
        scale = atol + rtol * abs(y[j])
        norm_y += (y[j] / scale) ** 2
        norm_f += (k1[j] / scale) ** 2
    if norm_y <= 1e-10 or norm_f <= 1e-10:
        h = 1e-6 * interval
    else:
        h = 0.01 * math.sqrt(norm_y / norm_f)
    for j in range(n_state):
        tmp[j] = y[j] + h * k1[j]
    rhs(tmp, p, k2)
    for j in range(n_state):
        norm_d += ((k2[j] - k1[j]) / (atol + rtol * abs(y[j]))) ** 2
    largest = max(math.sqrt(norm_d / n_state) / h, math.sqrt(norm_f / n_state))
    if largest <= 1e-15:
        return max(1e-6 * interval, 1e-3 * h)
    return min(100.0 * h, (0.01 / largest) ** 0.2)


def _attempt(y, p, stages, h):
    """One Dormand–Prince step of size ``h`` from ``y`` with f(y) in ``stages[0]``: the slopes in
    ``stages[0:7]``, the new state in ``stages[8]`` (f of it in ``stages[6]``)."""
    n_state = y.shape[0]
    k1, k2, k3, k4, k5, k6, k7 = stages[0], stages[1], stages[2], stages[3], stages[4], stages[5], stages[6]
    tmp, new = stages[7], stages[8]
    for j in range(n_state):
        tmp[j] = y[j] + h * A21 * k1[j]
    rhs(tmp, p, k2)
    for j in range(n_state):
        tmp[j] = y[j] + h * (A31 * k1[j] + A32 * k2[j])
    rhs(tmp, p, k3)
    for j in range(n_state):
        tmp[j] = y[j] + h * (A41 * k1[j] + A42 * k2[j] + A43 * k3[j])
    rhs(tmp, p, k4)
    for j in range(n_state):
        tmp[j] = y[j] + h * (A51 * k1[j] + A52 * k2[j] + A53 * k3[j] + A54 * k4[j])
    rhs(tmp, p, k5)
    for j in range(n_state):
        tmp[j] = y[j] + h * (A61 * k1[j] + A62 * k2[j] + A63 * k3[j] + A64 * k4[j] + A65 * k5[j])
    rhs(tmp, p, k6)
    for j in range(n_state):
        new[j] = y[j] + h * (B1 * k1[j] + B3 * k3[j] + B4 * k4[j] + B5 * k5[j] + B6 * k6[j])
    rhs(new, p, k7)


def _local_error(stages, h, j):
    """Component ``j`` of the local error estimate of the step in ``stages``."""
    return h * (E1 * stages[0, j] + E3 * stages[2, j] + E4 * stages[3, j] + E5 * stages[4, j]
                + E6 * stages[5, j] + E7 * stages[6, j])


def _error(y, stages, h, rtol, atol):
    """RMS norm of the local error of a step from ``y``, each component scaled by
    ``atol + rtol max(|y_old|, |y_new|)`` (as :mod:`neurorecon.simulate.dopri5`)."""
    n_state = y.shape[0]
    total = 0.0
    for j in range(n_state):
        scale = atol + rtol * max(abs(y[j]), abs(stages[8, j]))
        total += (_local_error(stages, h, j) / scale) ** 2
    return math.sqrt(total / n_state)


def _separation_error(ref, pert, stages, h, rtol):
    """RMS norm of the local error of the separation ``pert - ref`` over a step, relative to
    ``rtol`` times the separation's Euclidean size (the larger of before and after)."""
    n_state = ref.shape[0]
    total, before, after = 0.0, 0.0, 0.0
    for j in range(n_state):
        total += (_local_error(stages[1], h, j) - _local_error(stages[0], h, j)) ** 2
        before += (pert[j] - ref[j]) ** 2
        after += (stages[1, 8, j] - stages[0, 8, j]) ** 2
    return math.sqrt(total / n_state) / (rtol * math.sqrt(max(before, after)))
