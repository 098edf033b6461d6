"""A parameter-aware echo-state network in numpy: random reservoir, teacher-forced driving, ridge
readout, closed-loop free runs and the largest Lyapunov exponent of the closed loop.

Everything here works in scaled units: inputs ``u`` are blocks of ``k`` (the stride) scaled
observed samples, ``c`` the scaled control value of every trajectory. One reservoir step::

    r[n+1] = (1 - a) r[n] + a f(W r[n] + W_in u[n] + w_p c + b),   f = tanh or identity

and the readout predicts the next block, ``u[n+1] ~ W_out phi(r[n+1])`` with features
``phi(r) = [1, r]`` (``[1, r, r**2]`` with squares). In closed loop the prediction is fed back,
``u[n] = W_out phi(r[n])``, so the free run is the map ``r -> F(r, c)`` of the reservoir state
alone; its tangent map, used for the Lyapunov exponent, is ::

    dr' = (1 - a) dr + a f'(pre) * (W dr + W_in W_out dphi/dr dr).

Every function is batched over trajectories (leading axis) and deterministic: the only random
numbers are drawn by :func:`make_reservoir` and by the callers, from seeded generators.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...dynamics.lyapunov import LyapunovEstimate, _discard, _GrowthFit
from ...io.stores import STATUS_FLAGS

CHUNK = 2_000
"""Reservoir steps whose features are held in memory at once while accumulating the normal equations."""

CHECK_EVERY = 256
"""Closed-loop steps between divergence checks while nothing is recorded (transient, Lyapunov)."""


@dataclass
class Reservoir:
    """Weights of a reservoir and its readout (float64 arrays).

    Attributes:
        w: (N, N) recurrent matrix.
        w_in: (N, k) input weights of the k samples of an input block.
        w_control: (N,) weights of the control channel (already times the control scaling).
        control_shift: added to the scaled control before ``w_control``.
        bias: (N,) node biases.
        leak: (N,) leak rate a of every node.
        activation: ``tanh`` or ``identity``.
        squares: readout features include the squared node states.
        w_out: (k, n_features) readout; None before fitting.
    """

    w: np.ndarray
    w_in: np.ndarray
    w_control: np.ndarray
    control_shift: float
    bias: np.ndarray
    leak: np.ndarray
    activation: str = "tanh"
    squares: bool = False
    w_out: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(self.w.shape[0])

    @property
    def stride(self) -> int:
        return int(self.w_in.shape[1])

    @property
    def n_features(self) -> int:
        return 1 + self.size * (2 if self.squares else 1)

    def _f(self, pre: np.ndarray) -> np.ndarray:
        return np.tanh(pre) if self.activation == "tanh" else pre

    def drive(self, c: np.ndarray) -> np.ndarray:
        """(batch, N) constant drive of the control channel plus the bias, for scaled controls (batch,)."""
        return (np.asarray(c, dtype=np.float64)[:, None] + self.control_shift) * self.w_control + self.bias

    def step(self, r: np.ndarray, u: np.ndarray, drive: np.ndarray) -> np.ndarray:
        """One reservoir step: r (batch, N), u (batch, k), drive (batch, N) from :meth:`drive`."""
        pre = r @ self.w.T + u @ self.w_in.T + drive
        return (1.0 - self.leak) * r + self.leak * self._f(pre)

    def features(self, r: np.ndarray) -> np.ndarray:
        """Readout features (..., n_features) of states (..., N): [1, r] or [1, r, r**2]."""
        parts = [np.ones((*r.shape[:-1], 1)), r]
        if self.squares:
            parts.append(r * r)
        return np.concatenate(parts, axis=-1)

    def readout(self, r: np.ndarray) -> np.ndarray:
        """Predicted next input block (..., k) of states (..., N)."""
        if self.w_out is None:
            raise ValueError("the readout is not fitted")
        out = r @ self.w_out[:, 1 : 1 + self.size].T + self.w_out[:, 0]
        if self.squares:
            out = out + (r * r) @ self.w_out[:, 1 + self.size :].T
        return out

    def teacher_forced(self, r: np.ndarray, inputs: np.ndarray, drive: np.ndarray) -> np.ndarray:
        """Drive states r (batch, N) with the input blocks (batch, n, k); returns the last state."""
        for n in range(inputs.shape[1]):
            r = self.step(r, inputs[:, n], drive)
        return r


def make_reservoir(
    stride: int,
    size: int,
    spectral_radius: float,
    density: float,
    input_scaling: float,
    control_scaling: float,
    control_shift: float,
    bias_scaling: float,
    leak: float,
    activation: str,
    squares: bool,
    rng: np.random.Generator,
    leak_min: float | None = None,
) -> Reservoir:
    """Random reservoir weights: W sparse with ``density`` non-zeros uniform in [-1, 1], rescaled to
    ``spectral_radius`` (left as drawn when its spectral radius is 0); input, control and bias
    weights uniform in [-scale, scale]; every node's leak rate ``leak``, or log-uniform in
    [``leak_min``, ``leak``] (node time constants from 1 / leak to 1 / leak_min steps)."""
    mask = rng.random((size, size)) < density
    w = np.where(mask, rng.uniform(-1.0, 1.0, (size, size)), 0.0)
    radius = float(np.max(np.abs(np.linalg.eigvals(w)))) if size > 0 else 0.0
    if radius > 0:
        w *= spectral_radius / radius
    w_in = rng.uniform(-input_scaling, input_scaling, (size, stride))
    w_control = control_scaling * rng.uniform(-1.0, 1.0, size)
    bias = rng.uniform(-bias_scaling, bias_scaling, size)
    if leak_min is None:
        leaks = np.full(size, float(leak))
    else:
        leaks = np.exp(rng.uniform(np.log(leak_min), np.log(leak), size))
    return Reservoir(w, w_in, w_control, float(control_shift), bias, leaks, activation, squares)


@dataclass(frozen=True)
class NormalEquations:
    """Accumulated least-squares system of the readout (see :func:`normal_equations`).

    Attributes:
        gram: (n_features, n_features) sum of phi phi^T over fitted steps.
        cross: (n_features, k) sum of phi y^T.
        target_sq: (k,) sum of y^2 per block entry.
        n_rows: fitted reservoir steps (over all traces).
    """

    gram: np.ndarray
    cross: np.ndarray
    target_sq: np.ndarray
    n_rows: int


@dataclass(frozen=True)
class ReadoutFit:
    """A readout solved from :class:`NormalEquations`.

    Attributes:
        w_out: (k, n_features) readout.
        rmse: (k,) teacher-forced one-step root mean squared error per block entry, scaled units.
        ridge: the Tikhonov weight per row it was solved with.
        n_rows: fitted reservoir steps (over all traces).
    """

    w_out: np.ndarray
    rmse: np.ndarray
    ridge: float
    n_rows: int


def normal_equations(
    reservoir: Reservoir,
    inputs: np.ndarray,
    controls: np.ndarray,
    washout: int,
    input_noise: float = 0.0,
    rng: np.random.Generator | None = None,
) -> NormalEquations:
    """Drive the reservoir with every trace at once (teacher forcing) and accumulate the normal
    equations of the readout.

    Args:
        reservoir: the reservoir.
        inputs: (n_trace, n_steps, k) scaled input blocks.
        controls: (n_trace,) scaled control value of each trace.
        washout: leading steps of every trace whose states are not fitted.
        input_noise: std of Gaussian noise added to the driving inputs (targets stay clean).
        rng: generator of the noise (needed when ``input_noise`` > 0).

    The state after input block n is fitted to block n + 1, for n >= washout; features are held
    for :data:`CHUNK` steps at a time.
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    n_trace, n_steps, k = inputs.shape
    if n_steps - 1 <= washout:
        raise ValueError(f"traces of {n_steps} reservoir steps leave nothing to fit after a washout of {washout}")
    drive = reservoir.drive(controls)
    r = np.zeros((n_trace, reservoir.size))
    gram = np.zeros((reservoir.n_features, reservoir.n_features))
    cross = np.zeros((reservoir.n_features, k))
    target_sq = np.zeros(k)
    n_rows = 0
    for start in range(0, n_steps - 1, CHUNK):
        stop = min(start + CHUNK, n_steps - 1)
        states = np.empty((n_trace, stop - start, reservoir.size))
        for n in range(start, stop):
            u = inputs[:, n]
            if input_noise > 0:
                u = u + input_noise * rng.standard_normal(u.shape)
            r = reservoir.step(r, u, drive)
            states[:, n - start] = r
        keep = max(washout - start, 0)
        if keep >= stop - start:
            continue
        phi = reservoir.features(states[:, keep:]).reshape(-1, reservoir.n_features)
        target = inputs[:, start + keep + 1 : stop + 1].reshape(-1, k)
        gram += phi.T @ phi
        cross += phi.T @ target
        target_sq += (target * target).sum(axis=0)
        n_rows += phi.shape[0]
    return NormalEquations(gram, cross, target_sq, n_rows)


def solve_readout(equations: NormalEquations, ridge: float) -> ReadoutFit:
    """Ridge solution: minimises the mean squared one-step error + ``ridge`` |W_out|^2, the
    constant feature not penalised; solved in float64 by Cholesky (least squares if singular)."""
    gram, cross = equations.gram, equations.cross
    penalty = np.full(gram.shape[0], ridge * equations.n_rows)
    penalty[0] = 0.0
    w_out = _solve(gram + np.diag(penalty), cross).T
    # residual sum of squares from the normal equations: |y|^2 - 2 w.X'y + w.X'X w
    rss = (equations.target_sq - 2.0 * np.einsum("kf,fk->k", w_out, cross)
           + np.einsum("kf,fg,kg->k", w_out, gram, w_out))
    return ReadoutFit(w_out, np.sqrt(np.maximum(rss, 0.0) / equations.n_rows), float(ridge), equations.n_rows)


def fit_readout(
    reservoir: Reservoir,
    inputs: np.ndarray,
    controls: np.ndarray,
    washout: int,
    ridge: float,
    input_noise: float = 0.0,
    rng: np.random.Generator | None = None,
) -> ReadoutFit:
    """:func:`normal_equations` then :func:`solve_readout`; sets ``reservoir.w_out``."""
    fit = solve_readout(normal_equations(reservoir, inputs, controls, washout, input_noise, rng), ridge)
    reservoir.w_out = fit.w_out
    return fit


def _solve(matrix: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve the symmetric positive (semi)definite system by Cholesky, else by least squares."""
    try:
        factor = np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(matrix, rhs, rcond=None)[0]
    return np.linalg.solve(factor.T, np.linalg.solve(factor, rhs))


@dataclass(frozen=True)
class ClosedLoop:
    """Outcome of :func:`closed_loop`.

    Attributes:
        outputs: (batch, n_record, k) predicted blocks, scaled units; NaN from where a trajectory
            diverged on.
        status: (batch,) int8 :data:`~neurorecon.io.stores.STATUS_FLAGS` code.
        state: (batch, N) final reservoir states (zero where diverged).
    """

    outputs: np.ndarray
    status: np.ndarray
    state: np.ndarray


def closed_loop(
    reservoir: Reservoir, r0: np.ndarray, controls: np.ndarray, n_record: int, n_skip: int = 0, bound: float = 10.0
) -> ClosedLoop:
    """Free-run the reservoir with its own predictions as input.

    Args:
        reservoir: a fitted reservoir.
        r0: (batch, N) states after the last observed (teacher-forced) input block.
        controls: (batch,) scaled control values.
        n_record: predicted blocks recorded.
        n_skip: predicted blocks run and not recorded first.
        bound: |scaled output| above which a trajectory is unbounded.

    The first predicted block is ``readout(r0)``, the block following the last observed one. A
    trajectory whose output becomes non-finite or exceeds ``bound`` gets its status, NaN outputs
    from then on, and its state reset to zero (so the others run on without overflow).
    """
    drive = reservoir.drive(controls)
    r = np.array(r0, dtype=np.float64)
    batch, k = r.shape[0], reservoir.stride
    status = np.zeros(batch, dtype=np.int8)
    outputs = np.empty((batch, n_record, k))

    def flag(u: np.ndarray) -> np.ndarray:
        nonfinite = ~np.isfinite(u).all(axis=-1)
        with np.errstate(invalid="ignore"):
            unbounded = ~nonfinite & ~(np.abs(u) <= bound).all(axis=-1)
        fresh = status == 0
        status[fresh & nonfinite] = STATUS_FLAGS["nonfinite"]
        status[fresh & unbounded] = STATUS_FLAGS["unbounded"]
        return status != 0

    with np.errstate(over="ignore", invalid="ignore"):
        for n in range(n_skip + n_record):
            u = reservoir.readout(r)
            recording = n >= n_skip
            if recording or (n + 1) % CHECK_EVERY == 0:
                flag(u)
            dead = status != 0
            if dead.any():
                u[dead] = np.nan
                r[dead] = 0.0
            if recording:
                outputs[:, n - n_skip] = u
            r = reservoir.step(r, np.nan_to_num(u, nan=0.0), drive)
    r[(status != 0) | ~np.isfinite(r).all(axis=1)] = 0.0
    return ClosedLoop(outputs, status, r)


def lyapunov_closed_loop(
    reservoir: Reservoir, r0: np.ndarray, controls: np.ndarray, n_steps: int, step_time: float, seed: int = 0
) -> LyapunovEstimate:
    """Largest Lyapunov exponent of the closed-loop map r -> F(r, c) from states r0 (batch, N).

    Tangent dynamics (exact linearisation, one tangent vector renormalised every step, the first
    tenth of the steps discarded) via :mod:`neurorecon.dynamics.lyapunov`'s averaging, in
    1 / (time unit) with ``step_time`` the time of one reservoir step (stride * sample_dt).
    """
    drive = reservoir.drive(controls)
    r = np.array(r0, dtype=np.float64)
    batch, size = r.shape
    n_discard = _discard(n_steps, None)
    sums = _GrowthFit((batch, 1), n_steps - n_discard, float(step_time))
    start = np.random.default_rng(seed).standard_normal((batch, size))
    v = start / np.linalg.norm(start, axis=1, keepdims=True)
    diverged = ~np.isfinite(r).all(axis=1)
    r[diverged] = 0.0
    w_out_r = reservoir.w_out[:, 1 : 1 + size]
    w_out_sq = reservoir.w_out[:, 1 + size :] if reservoir.squares else None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for n in range(n_steps):
            u = reservoir.readout(r)
            du = v @ w_out_r.T
            if w_out_sq is not None:
                du = du + (2.0 * r * v) @ w_out_sq.T
            pre = r @ reservoir.w.T + u @ reservoir.w_in.T + drive
            dpre = v @ reservoir.w.T + du @ reservoir.w_in.T
            if reservoir.activation == "tanh":
                h = np.tanh(pre)
                r = (1.0 - reservoir.leak) * r + reservoir.leak * h
                v = (1.0 - reservoir.leak) * v + reservoir.leak * (1.0 - h * h) * dpre
            else:
                r = (1.0 - reservoir.leak) * r + reservoir.leak * pre
                v = (1.0 - reservoir.leak) * v + reservoir.leak * dpre
            growth = np.linalg.norm(v, axis=1)
            bad = ~(np.isfinite(r).all(axis=1) & np.isfinite(growth) & (growth > 0))
            if bad.any():
                diverged |= bad
                r[bad] = 0.0
                v[bad] = start[bad] / np.linalg.norm(start[bad], axis=1, keepdims=True)
                growth[bad] = 1.0
            v = v / growth[:, None]
            if n >= n_discard:
                sums.add(n - n_discard, np.log(growth)[:, None])
    return sums.estimate(diverged, 0.1, None)


def spike_width(series: np.ndarray, threshold: float) -> float | None:
    """Median number of consecutive samples above ``threshold`` per spike over the rows of
    ``series`` (n, n_time); None without a complete spike."""
    widths = []
    for row in np.asarray(series):
        above = row > threshold
        up = np.flatnonzero(~above[:-1] & above[1:])
        down = np.flatnonzero(above[:-1] & ~above[1:])
        if up.size == 0 or down.size == 0:
            continue
        after = np.searchsorted(down, up)
        ok = after < down.size
        widths.append(down[after[ok]] - up[ok])
    widths = np.concatenate(widths) if widths else np.empty(0)
    return float(np.median(widths)) if widths.size else None


def auto_stride(series: np.ndarray, threshold: float, spike_steps: int, max_stride: int) -> int:
    """The stride rule: samples per reservoir step such that the median spike (its run of samples
    above the spike threshold) spans at least ``spike_steps`` reservoir steps, at most
    ``max_stride``; 1 when the training data have no spike (nothing says how fine the sampling
    must be)."""
    width = spike_width(series, threshold)
    if width is None:
        return 1
    return int(min(max(1, width // spike_steps), max_stride))


MIN_LEAK = 1e-3
"""Smallest automatic leak rate (node time constant 1000 reservoir steps)."""


def auto_leak_min(burst_period_steps: float | None, leak: float, slow_steps_per_burst: float) -> float:
    """The slow end of the node leak rates: ``slow_steps_per_burst`` / the median burst period in
    reservoir steps where the training data burst (clipped to [:data:`MIN_LEAK`, ``leak``]);
    ``leak`` itself (one time scale) without bursts."""
    if burst_period_steps is None or not np.isfinite(burst_period_steps) or burst_period_steps <= 0:
        return float(leak)
    return float(np.clip(slow_steps_per_burst / burst_period_steps, MIN_LEAK, leak))
