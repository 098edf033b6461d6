"""Largest Lyapunov exponents of ODE models and of discrete-time maps, in units of 1 / time.

- ODE models (any ``rhs(y, p, dydt)`` of a :class:`~neurorecon.models.NeuronModel`): two-trajectory
  renormalisation (Benettin, Galgani & Strelcyn, Phys. Rev. A 14:2338 (1976)). A reference copy and
  a perturbed copy of every trajectory are advanced together, and every renormalisation interval
  the separation is logged and rescaled to its initial size: by :func:`lyapunov_ode_adaptive` in
  one compiled call with adaptive Dormand–Prince 5(4) steps (:mod:`.separation`), or by
  :func:`lyapunov_ode` with the fixed-step RK4 kernel (:func:`neurorecon.simulate.kernels.advance`),
  stacked into one ensemble and renormalised in numpy.
- Discrete maps ``z[n+1] = f(z[n], p)``: tangent dynamics with QR re-orthonormalisation (Benettin
  et al., Meccanica 15:9 (1980); Eckmann & Ruelle, Rev. Mod. Phys. 57:617 (1985)), batched. A numpy
  version takes the map and its Jacobian; a torch version takes a batch-first callable
  ``f(z, p) -> z_next`` (e.g. a neural map) and gets Jacobian-vector products by forward-mode
  autodiff (``torch.func.jvp``). The per-iteration exponent is divided by ``step``, the time one
  iteration stands for, so map and ODE exponents compare.

Every estimator also reports a block standard error and a convergence flag (see
:class:`LyapunovEstimate`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..simulate.kernels import advance, compiled
from . import separation

N_BLOCKS = 8
"""Blocks of the averaging window used for the standard error and the convergence check."""


@dataclass(frozen=True)
class LyapunovEstimate:
    """Lyapunov exponents of a batch of trajectories, in 1 / (time unit).

    Every exponent is the least-squares slope of the cumulative log growth of its tangent vector
    (or separation) against time over the averaging window. Unlike the end-point ratio
    ``log growth / T`` the slope is not biased by the phase of a periodic orbit at which the window
    ends, so a limit cycle gives 0 to within O(1/T^2) instead of O(1/T).

    Attributes:
        exponent: (n_traj,) largest exponent; NaN for a trajectory that diverged.
        spectrum: (n_traj, k) the ``k`` leading exponents, largest first (k = 1 for Benettin).
        stderr: (n_traj,) standard error of ``exponent`` from the slopes of ``N_BLOCKS``
            consecutive blocks of the window (their std / sqrt(N_BLOCKS)).
        converged: (n_traj,) the slopes over the first and second half of the window differ by at
            most ``max(rtol * |exponent|, atol)``; ``atol`` defaults to 4 / T with T the averaging
            time.
    """

    exponent: np.ndarray
    spectrum: np.ndarray
    stderr: np.ndarray
    converged: np.ndarray


class _GrowthFit:
    """Running least-squares fit of cumulative log growth against time, in ``N_BLOCKS`` blocks.

    Keeps per block the moments (n, sum t, sum t^2, sum S, sum t S) of the points (t_k, S_k), with
    S_k the cumulative log growth after interval k and t_k its end time (centred on the window), so
    the slope over any union of blocks is available at the end.
    """

    def __init__(self, shape: tuple[int, ...], n_kept: int, interval: float) -> None:
        if n_kept < N_BLOCKS:
            raise ValueError(f"need at least {N_BLOCKS} averaged intervals, got {n_kept}")
        self.block_of = (np.arange(n_kept) * N_BLOCKS) // n_kept
        self.time = (np.arange(1, n_kept + 1) - 0.5 * (n_kept + 1)) * interval
        self.n = np.bincount(self.block_of, minlength=N_BLOCKS).astype(np.float64)
        self.t = np.bincount(self.block_of, self.time, minlength=N_BLOCKS)
        self.tt = np.bincount(self.block_of, self.time**2, minlength=N_BLOCKS)
        self.total_time = n_kept * interval
        self.cumulative = np.zeros(shape)
        self.s = np.zeros((*shape, N_BLOCKS))
        self.ts = np.zeros((*shape, N_BLOCKS))

    def add(self, index: int, logs: np.ndarray) -> None:
        """Add the log growth factors ``logs`` (shape ``shape``) of averaged interval ``index``."""
        self.cumulative += logs
        block = self.block_of[index]
        self.s[..., block] += self.cumulative
        self.ts[..., block] += self.time[index] * self.cumulative

    def _slope(self, blocks: slice) -> np.ndarray:
        n, t, tt = self.n[blocks].sum(), self.t[blocks].sum(), self.tt[blocks].sum()
        s, ts = self.s[..., blocks].sum(axis=-1), self.ts[..., blocks].sum(axis=-1)
        return (n * ts - t * s) / (n * tt - t * t)

    def estimate(self, diverged: np.ndarray, rtol: float, atol: float | None) -> LyapunovEstimate:
        with np.errstate(invalid="ignore"):
            spectrum = self._slope(slice(None))
            spectrum[diverged] = np.nan
            exponent = spectrum[:, 0]
            blocks = np.stack([self._slope(slice(b, b + 1))[:, 0] for b in range(N_BLOCKS)], axis=-1)
            stderr = np.where(diverged, np.nan, blocks.std(axis=-1, ddof=1) / np.sqrt(N_BLOCKS))
            half = N_BLOCKS // 2
            difference = np.abs(self._slope(slice(half, None))[:, 0] - self._slope(slice(0, half))[:, 0])
            tolerance = np.maximum(rtol * np.abs(exponent), 4.0 / self.total_time if atol is None else atol)
            converged = (difference <= tolerance) & ~diverged
        return LyapunovEstimate(exponent=exponent, spectrum=spectrum, stderr=stderr, converged=converged)


def _discard(n_total: int, n_discard: int | None) -> int:
    n_discard = n_total // 10 if n_discard is None else int(n_discard)
    if not 0 <= n_discard < n_total:
        raise ValueError(f"n_discard must be in [0, {n_total}), got {n_discard}")
    return n_discard


def lyapunov_ode(
    rhs,
    y0: np.ndarray,
    params: np.ndarray,
    dt: float,
    renorm_steps: int,
    n_renorm: int,
    n_discard: int | None = None,
    d0: float = 1e-8,
    bound: float = 1e6,
    rtol: float = 0.1,
    atol: float | None = None,
    seed: int = 0,
) -> LyapunovEstimate:
    """Largest Lyapunov exponent of an ODE by two-trajectory renormalisation, for many trajectories.

    Args:
        rhs: compiled right-hand side ``rhs(y, p, dydt)`` (see :mod:`neurorecon.models.base`).
        y0: (n_traj, n_state) starting states, ideally on the attractor (e.g. a store's final state).
        params: (n_traj, n_params) parameter vectors, or (n_params,) shared by all trajectories.
        dt: RK4 step, in the model's time unit.
        renorm_steps: RK4 steps per renormalisation interval (interval = ``renorm_steps * dt``).
        n_renorm: number of renormalisation intervals (total time ``n_renorm * renorm_steps * dt``).
        n_discard: leading intervals left out of the average while the perturbation aligns with the
            most unstable direction; ``None``: a tenth of ``n_renorm``.
        d0: size of the perturbation relative to ``1 + |y0|`` (Euclidean norm of the state). A
            separation that contracts below rounding level within one interval counts as rounding
            level, which bounds the exponent of a strongly contracting flow from below at about
            ``log(eps / d0) / interval``; keep the interval short enough for the contraction rate.
        bound: |state component| above which a trajectory counts as divergent (exponent NaN).
        rtol, atol: convergence tolerances, see :class:`LyapunovEstimate` (atol in 1 / time).
        seed: seed of the random initial perturbation directions.

    Returns:
        :class:`LyapunovEstimate` with exponents per unit of model time, shape (n_traj,).
    """
    y0, params, direction, size = _perturbation(y0, params, d0, seed)
    n_traj = y0.shape[0]
    n_discard = _discard(n_renorm, n_discard)
    interval = float(dt) * int(renorm_steps)
    sums = _GrowthFit((n_traj, 1), n_renorm - n_discard, interval)
    y = np.concatenate([y0, y0 + size[:, None] * direction])
    stacked_params = np.ascontiguousarray(np.concatenate([params, params]))
    status = np.zeros(2 * n_traj, dtype=np.int8)
    for k in range(n_renorm):
        advance(rhs, y, stacked_params, status, dt, renorm_steps, 1, bound)
        delta = y[n_traj:] - y[:n_traj]
        distance = np.linalg.norm(delta, axis=1)
        rounding = np.finfo(np.float64).eps * (1.0 + np.linalg.norm(y[:n_traj], axis=1))
        collapsed = distance < rounding  # the copies merged to rounding level: restart the perturbation
        delta[collapsed] = direction[collapsed]
        distance[collapsed] = rounding[collapsed]
        with np.errstate(invalid="ignore"):
            if k >= n_discard:
                sums.add(k - n_discard, np.log(distance / size)[:, None])
            y[n_traj:] = y[:n_traj] + delta * (size / np.linalg.norm(delta, axis=1))[:, None]
    diverged = (status[:n_traj] != 0) | (status[n_traj:] != 0)
    return sums.estimate(diverged, rtol, atol)


def lyapunov_ode_adaptive(
    rhs,
    y0: np.ndarray,
    params: np.ndarray,
    interval: float,
    n_renorm: int,
    step_rtol: float = 1e-6,
    step_atol: float = 1e-8,
    n_discard: int | None = None,
    d0: float = 1e-8,
    bound: float = 1e6,
    rtol: float = 0.1,
    atol: float | None = None,
    seed: int = 0,
) -> LyapunovEstimate:
    """Largest Lyapunov exponent by two-trajectory renormalisation with adaptive steps.

    As :func:`lyapunov_ode`, but both copies of every trajectory take the same adaptive
    Dormand–Prince 5(4) steps, each accepted when the local error of the reference copy and that of
    the separation (relative to its size) are within tolerance, and the whole integration runs in
    one compiled call (:mod:`.separation`).

    Args:
        rhs, y0, params: see :func:`lyapunov_ode`.
        interval: renormalisation interval, in the model's time unit (total time
            ``n_renorm * interval``).
        n_renorm: number of renormalisation intervals.
        step_rtol, step_atol: relative and absolute local error tolerance of the steps (as the
            model's ``rtol``, ``atol``).
        n_discard, d0, bound, rtol, atol, seed: see :func:`lyapunov_ode`.

    Returns:
        :class:`LyapunovEstimate` with exponents per unit of model time, shape (n_traj,).
    """
    y0, params, direction, size = _perturbation(y0, params, d0, seed)
    n_traj = y0.shape[0]
    n_discard = _discard(n_renorm, n_discard)
    y = np.ascontiguousarray(np.stack([y0, y0 + size[:, None] * direction], axis=1))
    status = np.zeros(n_traj, dtype=np.int8)
    logs = np.empty((n_traj, int(n_renorm)))
    compiled(separation.kernel, rhs)(
        y, np.ascontiguousarray(params), direction, size, status, float(step_rtol), float(step_atol),
        float(interval), int(n_renorm), float(bound), logs,
    )
    sums = _GrowthFit((n_traj, 1), n_renorm - n_discard, float(interval))
    with np.errstate(invalid="ignore"):
        for k in range(n_discard, n_renorm):
            sums.add(k - n_discard, logs[:, k, None])
    return sums.estimate(status != 0, rtol, atol)


def _perturbation(y0, params, d0: float, seed: int):
    """Starting states (n_traj, n_state), parameters (n_traj, n_params), unit perturbation
    directions (n_traj, n_state) and perturbation sizes (n_traj,) of a two-trajectory estimate."""
    y0 = np.atleast_2d(np.asarray(y0, dtype=np.float64))
    n_traj, n_state = y0.shape
    params = np.broadcast_to(np.asarray(params, dtype=np.float64), (n_traj, np.shape(params)[-1]))
    direction = np.random.default_rng(seed).standard_normal((n_traj, n_state))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    size = d0 * (1.0 + np.linalg.norm(y0, axis=1))
    return y0, params, direction, size


def _initial_frame(batch: int, dim: int, k: int, seed: int) -> np.ndarray:
    if not 1 <= k <= dim:
        raise ValueError(f"n_exponents must be in [1, {dim}], got {k}")
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((batch, dim, k)))
    return q


def lyapunov_map(
    f: Callable[[np.ndarray, np.ndarray | None], np.ndarray],
    jacobian: Callable[[np.ndarray, np.ndarray | None], np.ndarray],
    z0: np.ndarray,
    params: np.ndarray | None = None,
    n_iter: int = 10_000,
    n_discard: int | None = None,
    step: float = 1.0,
    n_exponents: int = 1,
    rtol: float = 0.1,
    atol: float | None = None,
    seed: int = 0,
) -> LyapunovEstimate:
    """Leading Lyapunov exponents of a numpy map by tangent dynamics and QR, over a batch.

    Args:
        f: the map, ``f(z, p) -> z_next`` with z (batch, dim), p (batch, n_params) or None.
        jacobian: ``jacobian(z, p) -> (batch, dim, dim)``, d f_i / d z_j at z.
        z0: (batch, dim) starting points.
        params: (batch, n_params) parameters passed to ``f`` and ``jacobian``, or None.
        n_iter: iterations in total; the first ``n_discard`` (default a tenth) are not averaged.
        step: time per iteration; exponents are returned per unit time (per iteration for 1).
        n_exponents: number ``k`` of leading exponents (tangent vectors) to follow.
        rtol, atol, seed: see :func:`lyapunov_ode` (atol in 1 / time).

    Returns:
        :class:`LyapunovEstimate`; NaN for a trajectory that became non-finite.
    """
    z = np.atleast_2d(np.asarray(z0, dtype=np.float64)).copy()
    batch, dim = z.shape
    n_discard = _discard(n_iter, n_discard)
    q = _initial_frame(batch, dim, n_exponents, seed)
    sums = _GrowthFit((batch, n_exponents), n_iter - n_discard, float(step))
    diverged = np.zeros(batch, dtype=bool)
    for k in range(n_iter):
        tangent = np.asarray(jacobian(z, params)) @ q
        z = np.asarray(f(z, params), dtype=np.float64)
        bad = ~(np.isfinite(z).all(axis=1) & np.isfinite(tangent).all(axis=(1, 2)))
        if bad.any():
            diverged |= bad
            z[bad] = 0.0
            tangent[bad] = _initial_frame(int(bad.sum()), dim, n_exponents, seed)
        q, r = np.linalg.qr(tangent)
        if k >= n_discard:
            with np.errstate(divide="ignore"):
                sums.add(k - n_discard, np.log(np.abs(np.diagonal(r, axis1=1, axis2=2))))
    return sums.estimate(diverged, rtol, atol)


def lyapunov_torch_map(
    f,
    z0,
    params=None,
    n_iter: int = 10_000,
    n_discard: int | None = None,
    step: float = 1.0,
    n_exponents: int = 1,
    rtol: float = 0.1,
    atol: float | None = None,
    seed: int = 0,
) -> LyapunovEstimate:
    """Leading Lyapunov exponents of a torch map (e.g. a neural map) by autograd tangent dynamics.

    Each iteration evaluates ``f`` once on the whole batch with autograd on and builds the Jacobian
    row by row (``dim`` reverse passes of the summed output components), which assumes that batch
    rows do not interact (true for a map applied row-wise). Reverse mode is used because every
    torch operation supports it. Tensors keep the dtype and device of ``z0``; no gradient reaches
    the parameters of ``f``; log growth factors are accumulated in float64 numpy.

    Args:
        f: ``f(z, p) -> z_next`` with batch-first tensors z (batch, dim), p (batch, n_params) or None.
        z0: (batch, dim) tensor of starting points.
        params: (batch, n_params) tensor, or None.
        n_iter, n_discard, step, n_exponents, rtol, atol, seed: see :func:`lyapunov_map`.

    Returns:
        :class:`LyapunovEstimate` (numpy arrays), exponents per unit time.
    """
    import torch

    z = z0.detach().clone()
    batch, dim = z.shape
    n_discard = _discard(n_iter, n_discard)
    frame = torch.as_tensor(_initial_frame(batch, dim, n_exponents, seed), dtype=z.dtype, device=z.device)
    q = frame
    sums = _GrowthFit((batch, n_exponents), n_iter - n_discard, float(step))
    diverged = torch.zeros(batch, dtype=torch.bool, device=z.device)
    for k in range(n_iter):
        with torch.enable_grad():
            state = z.requires_grad_(True)
            image = f(state, params)
            rows = [
                torch.autograd.grad(image[:, i].sum(), state, retain_graph=i < dim - 1)[0]
                for i in range(dim)
            ]
        z = image.detach()
        tangent = torch.stack(rows, dim=1) @ q
        bad = ~(torch.isfinite(z).all(dim=1) & torch.isfinite(tangent).all(dim=2).all(dim=1))
        diverged |= bad
        z = torch.where(bad[:, None], torch.zeros_like(z), z)
        tangent = torch.where(bad[:, None, None], frame, tangent)
        if n_exponents == 1:
            growth = torch.linalg.vector_norm(tangent, dim=1)
            q = tangent / growth[:, None]
        else:
            q, r = torch.linalg.qr(tangent)
            growth = torch.diagonal(r, dim1=1, dim2=2).abs()
        if k >= n_discard:
            with np.errstate(divide="ignore"):
                sums.add(k - n_discard, np.log(growth.detach().double().cpu().numpy()))
    return sums.estimate(diverged.cpu().numpy(), rtol, atol)
