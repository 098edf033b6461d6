"""Registry of ensemble integrators: each keeps its per-trajectory state between blocks.

An integrator is built for one ensemble and then advanced block by block; splitting an
integration into blocks of any size gives bit-for-bit the same samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import dopri5
from .kernels import advance, compiled


@dataclass(frozen=True)
class Tolerances:
    """Accuracy settings in model time units: fixed ``dt`` (rk4) or ``rtol``/``atol`` (dopri5)."""

    dt: float
    steps_per_sample: int
    sample_dt: float
    rtol: float
    atol: float


class RK4Ensemble:
    """Classical RK4 with the fixed step ``dt`` (``steps_per_sample`` steps per sample)."""

    name = "rk4"

    def __init__(self, rhs, y0: np.ndarray, params: np.ndarray, bound: float, settings: Tolerances):
        """``y0``: (n_traj, n_state) float64 states at t = 0; ``params``: (n_traj, n_params)."""
        self.rhs = rhs
        self.y = np.array(y0, dtype=np.float64)
        self.params = params
        self.status = np.zeros(y0.shape[0], dtype=np.int8)
        self.bound = bound
        self.settings = settings
        self._samples_done = 0

    def advance(self, n_samples: int, out: np.ndarray) -> None:
        """Advance ``n_samples`` sampling intervals; ``out`` (n_traj, n_state, n_samples or 0)."""
        s = self.settings
        advance(self.rhs, self.y, self.params, self.status, s.dt, s.steps_per_sample, n_samples, self.bound, out)
        self._samples_done += n_samples

    def step_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """(accepted steps, right-hand-side evaluations), each (n_traj,) int64, since t = 0."""
        steps = np.full(self.y.shape[0], self._samples_done * self.settings.steps_per_sample, dtype=np.int64)
        return steps, 4 * steps


class DoPri5Ensemble:
    """Adaptive Dormand–Prince 5(4), one step size per trajectory, samples by dense output."""

    name = "dopri5"

    def __init__(self, rhs, y0: np.ndarray, params: np.ndarray, bound: float, settings: Tolerances):
        """``y0``: (n_traj, n_state) float64 states at t = 0; ``params``: (n_traj, n_params)."""
        n_traj, n_state = y0.shape
        self._kernel = compiled(dopri5.kernel, rhs)
        self.y = np.array(y0, dtype=np.float64)
        self.clock = np.zeros((n_traj, dopri5.N_CLOCK))
        self.dense = np.zeros((n_traj, dopri5.N_DENSE, n_state))
        self.counts = np.zeros((n_traj, dopri5.N_COUNTS), dtype=np.int64)
        self.params = params
        self.status = np.zeros(n_traj, dtype=np.int8)
        self.bound = bound
        self.settings = settings
        self._samples_done = 0

    def advance(self, n_samples: int, out: np.ndarray) -> None:
        """Advance ``n_samples`` sampling intervals; ``out`` (n_traj, n_state, n_samples or 0)."""
        s = self.settings
        self._kernel(self.y, self.clock, self.dense, self.counts, self.params, self.status, s.rtol, s.atol,
                     s.sample_dt, self._samples_done, n_samples, self.bound, out)
        self._samples_done += n_samples

    def step_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """(accepted steps, right-hand-side evaluations), each (n_traj,) int64, since t = 0."""
        return self.counts[:, dopri5.ACCEPTED].copy(), self.counts[:, dopri5.EVALUATIONS].copy()


INTEGRATORS = {cls.name: cls for cls in (RK4Ensemble, DoPri5Ensemble)}
