"""Ensemble simulation over (control value × initial state) with a compiled integrator kernel."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..models import ModelError, NeuronModel
from .integrators import INTEGRATORS, Tolerances

ProgressCallback = Callable[[str], None]


@dataclass(frozen=True)
class SimulationSpec:
    """What to simulate. Times are in the model's time unit; ``None`` takes the model default.

    Attributes:
        control_values: values of the model's control parameter, shape (n_param,).
        n_ic: number of initial states per control value (the same states for every value).
        seed: seed of the initial states.
        parameter_set: named parameter set of the model (``None``: the model's default set).
        overrides: parameter values replacing those of the set.
        transient: time integrated and discarded before recording.
        duration: recorded time after the transient.
        dt: fixed RK4 step (used by the ``rk4`` integrator only).
        sample_dt: interval between recorded samples (a multiple of ``dt``).
        integrator: ``"rk4"`` (fixed step ``dt``) or ``"dopri5"`` (adaptive Dormand–Prince 5(4),
            one step size per trajectory); ``None`` takes the model's default.
        rtol, atol: relative and absolute local error tolerance of ``dopri5`` (atol in the units
            of the state variables); ``None`` takes the model's default.

    ``transient`` and ``duration`` are rounded to whole sampling intervals; the result reports the
    rounded values.
    """

    control_values: Sequence[float]
    n_ic: int = 1
    seed: int = 0
    parameter_set: str | None = None
    overrides: Mapping[str, float] = field(default_factory=dict)
    transient: float | None = None
    duration: float | None = None
    dt: float | None = None
    sample_dt: float | None = None
    integrator: str | None = None
    rtol: float | None = None
    atol: float | None = None


@dataclass(frozen=True)
class SimulationResult:
    """Sampled trajectories of an ensemble.

    Attributes:
        trajectories: (n_param, n_ic, n_state, n_time) float32 samples (NaN after divergence).
        time: (n_time,) float64 sample times since t = 0 (the transient included), model time unit.
        control_values: (n_param,) float64.
        initial_states: (n_ic, n_state) float64 states at t = 0 (before the transient).
        final_states: (n_param, n_ic, n_state) float64 states at the last sample (NaN after
            divergence).
        status: (n_param, n_ic) int8; 0 finite, 1 non-finite, 2 left the divergence bound.
        parameters: the full parameter dict (control value excluded from meaning).
        dt, sample_dt, transient, duration: the settings used, in model time units.
        integrator, rtol, atol: the integrator used and its tolerances.
        steps: (n_param, n_ic) int64 accepted integration steps per trajectory, transient included.
        rhs_evaluations: (n_param, n_ic) int64 right-hand-side evaluations per trajectory.
    """

    trajectories: np.ndarray
    time: np.ndarray
    control_values: np.ndarray
    initial_states: np.ndarray
    final_states: np.ndarray
    status: np.ndarray
    parameters: dict[str, float]
    dt: float
    sample_dt: float
    transient: float
    duration: float
    integrator: str
    rtol: float
    atol: float
    steps: np.ndarray
    rhs_evaluations: np.ndarray


def _positive(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ModelError(f"{name} must be a finite number > 0, got {value}")
    return value


def resolve_times(model: NeuronModel, spec: SimulationSpec) -> tuple[float, float, float, float, int]:
    """Check the time settings; return (dt, sample_dt, transient, duration, steps_per_sample)."""
    dt = _positive("dt", model.dt if spec.dt is None else spec.dt)
    sample_dt = _positive("sample_dt", model.sample_dt if spec.sample_dt is None else spec.sample_dt)
    duration = _positive("duration", model.duration if spec.duration is None else spec.duration)
    transient = float(model.transient if spec.transient is None else spec.transient)
    if not math.isfinite(transient) or transient < 0:
        raise ModelError(f"transient must be a finite number >= 0, got {transient}")
    steps = sample_dt / dt
    steps_per_sample = round(steps)
    if steps_per_sample < 1 or abs(steps - steps_per_sample) > 1e-6 * steps:
        raise ModelError(f"sample_dt ({sample_dt}) must be a whole multiple of dt ({dt})")
    if duration < sample_dt:
        raise ModelError(f"duration ({duration}) is shorter than sample_dt ({sample_dt})")
    return dt, sample_dt, transient, duration, steps_per_sample


MAX_STEPS = 1e13
"""Most steps of ``dt`` (trajectories x steps each) one simulation may take: about a week on 2 cores."""


def memory_limit() -> int:
    """Bytes one simulation's output may take: half the machine's physical memory."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):  # not available on this platform
        return 8 * 1024**3


def _size(n_bytes: float) -> str:
    units = ("B", "kB", "MB", "GB", "TB", "PB")
    power = min(int(math.log10(max(n_bytes, 1.0)) // 3), len(units) - 1)
    return f"{n_bytes / 1000**power:.3g} {units[power]}"


def check_size(model: NeuronModel, spec: SimulationSpec, n_values: int | None = None) -> None:
    """Refuse, before any allocation, a simulation whose output does not fit in memory or whose
    step count is beyond :data:`MAX_STEPS`.

    Args:
        n_values: number of control values (default: ``len(spec.control_values)``), so a caller
            can check a sweep before building its grid.

    Raises:
        ModelError: naming the estimated size and the limit.
    """
    dt, sample_dt, transient, duration, _ = resolve_times(model, spec)
    n_values = len(spec.control_values) if n_values is None else int(n_values)
    if spec.n_ic < 1:
        raise ModelError(f"number of initial states must be >= 1, got {spec.n_ic}")
    n_traj = float(n_values) * float(spec.n_ic)
    n_record = round(duration / sample_dt)
    n_bytes = n_traj * model.n_state * n_record * 4.0  # float32 samples
    limit = memory_limit()
    if n_bytes > limit:
        raise ModelError(
            f"the output would take {_size(n_bytes)} ({n_values:g} values x {spec.n_ic} initial states x "
            f"{n_record} samples x {model.n_state} states); the limit is {_size(limit)} (half this "
            "machine's memory): use fewer values or initial states, a shorter duration or a longer sample_dt"
        )
    steps = n_traj * (transient + duration) / dt
    if steps > MAX_STEPS:
        raise ModelError(
            f"the simulation would take {steps:.3g} integration steps ({n_traj:g} trajectories x "
            f"{(transient + duration) / dt:.3g} steps of dt = {dt:g}); the limit is {MAX_STEPS:.0e}: "
            "use a larger dt, a shorter duration or fewer trajectories"
        )


def resolve_integrator(model: NeuronModel, spec: SimulationSpec) -> tuple[str, float, float]:
    """Check the integrator settings; return (integrator name, rtol, atol)."""
    name = model.integrator if spec.integrator is None else spec.integrator
    if name not in INTEGRATORS:
        raise ModelError(f"unknown integrator {name!r}; available: {', '.join(sorted(INTEGRATORS))}")
    rtol = _positive("rtol", model.rtol if spec.rtol is None else spec.rtol)
    atol = _positive("atol", model.atol if spec.atol is None else spec.atol)
    return name, rtol, atol


def check_control_values(model: NeuronModel, values: Sequence[float]) -> np.ndarray:
    """Return control values as float64 (n_param,), raising on empty or non-finite input."""
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.size == 0:
        raise ModelError(f"no values of control parameter {model.control.name!r} given")
    bad = array[~np.isfinite(array)]
    if bad.size:
        raise ModelError(f"control parameter {model.control.name!r}: value {bad[0]} is not finite")
    return array


class BlockRunner:
    """Advances ensemble integrators block by block, so that ``progress`` (if given) receives a
    line every ``block_seconds`` of wall time or so; results do not depend on the block size.

    One runner serves every integrator of one simulation (a piecewise-constant control runs one
    integrator per piece), so progress counts all of them against ``total`` sampling intervals.
    """

    def __init__(self, model: NeuronModel, n_traj: int, total: int, sample_dt: float,
                 progress: ProgressCallback | None = None, block_seconds: float = 5.0) -> None:
        self.model = model
        self.n_traj = n_traj
        self.total = total
        self.sample_dt = sample_dt
        self.progress = progress
        self.block_seconds = block_seconds
        self.done = 0
        self.block = max(1, min(total, 1000))
        self.started = time.perf_counter()
        self.last_report = self.started

    def run(self, ensemble, n_samples: int, out: np.ndarray | None = None, final: np.ndarray | None = None) -> None:
        """Advance ``ensemble`` by ``n_samples`` sampling intervals.

        Args:
            out: (n_traj, n_state, n_samples) array receiving every sample (cast to its dtype),
                or None to advance without recording.
            final: (n_traj, n_state) float64 array receiving the state at the last sample, or None.
        """
        n_state = self.model.n_state
        if out is None and final is not None:  # only the last state: record just the last sample
            if n_samples > 1:
                self.run(ensemble, n_samples - 1)
            if n_samples > 0:
                view = np.empty((self.n_traj, n_state, 1))
                self._advance(ensemble, 1, view)
                final[:] = view[:, :, -1]
            return
        position = 0
        while position < n_samples:
            count = min(self.block, n_samples - position)
            view = np.empty((self.n_traj, n_state, 0 if out is None else count))
            self._advance(ensemble, count, view)
            if out is not None:
                out[:, :, position : position + count] = view
                if final is not None:
                    final[:] = view[:, :, -1]
            position += count

    def _advance(self, ensemble, count: int, view: np.ndarray) -> None:
        tick = time.perf_counter()
        ensemble.advance(count, view)
        elapsed = time.perf_counter() - tick
        self.done += count
        if elapsed > 0:  # aim each block at roughly block_seconds of wall time
            self.block = max(1, min(4 * self.block, int(count * self.block_seconds / elapsed)))
        now = time.perf_counter()
        if self.progress is not None and (now - self.last_report >= self.block_seconds or self.done == self.total):
            self.last_report = now
            self.progress(
                f"{self.model.name}: {100.0 * self.done / self.total:5.1f}% of {self.total * self.sample_dt:g} "
                f"{self.model.time_label} x {self.n_traj} trajectories, {now - self.started:.1f} s elapsed"
            )


def simulate(
    model: NeuronModel,
    spec: SimulationSpec,
    progress: ProgressCallback | None = None,
    block_seconds: float = 5.0,
    trajectory_parameters: np.ndarray | None = None,
) -> SimulationResult:
    """Integrate every (control value, initial state) pair with the chosen integrator.

    Integration runs in blocks so that ``progress`` (if given) receives a line every
    ``block_seconds`` of wall time or so. Results do not depend on the block size.

    Args:
        trajectory_parameters: (n_param, n_ic, n_params) full parameter vector of every
            trajectory, in ``model.parameter_names`` order, for ensembles whose members differ in
            more than the control (degenerate populations: :mod:`neurorecon.simulate.population`);
            the control values then only label the ``param`` axis. None: every trajectory has the
            spec's parameters with its control value.
    """
    dt, sample_dt, transient, duration, steps_per_sample = resolve_times(model, spec)
    check_size(model, spec)
    integrator, rtol, atol = resolve_integrator(model, spec)
    values = check_control_values(model, spec.control_values)
    parameters = model.parameters(spec.parameter_set, spec.overrides)
    ics = model.initial_states(spec.n_ic, spec.seed)

    n_param, n_ic, n_state = values.size, ics.shape[0], model.n_state
    if trajectory_parameters is None:
        base = model.parameter_vector(parameters)
        params = np.repeat(base[None, :], n_param * n_ic, axis=0)
        params[:, model.parameter_names.index(model.control.name)] = np.repeat(values, n_ic)
    else:
        expected = (n_param, n_ic, len(model.parameter_names))
        if np.shape(trajectory_parameters) != expected:
            raise ModelError(f"trajectory parameters have shape {np.shape(trajectory_parameters)}, expected {expected}")
        params = np.ascontiguousarray(trajectory_parameters, dtype=np.float64).reshape(n_param * n_ic, -1)
    ensemble = INTEGRATORS[integrator](
        model.rhs, np.tile(ics, (n_param, 1)), params, model.divergence_bound,
        Tolerances(dt=dt, steps_per_sample=steps_per_sample, sample_dt=sample_dt, rtol=rtol, atol=atol),
    )

    n_transient = round(transient / sample_dt)
    n_record = round(duration / sample_dt)
    transient = n_transient * sample_dt  # what is integrated: whole sampling intervals
    duration = n_record * sample_dt
    out = np.empty((n_param * n_ic, n_state, n_record), dtype=np.float32)
    final = np.empty((n_param * n_ic, n_state))
    runner = BlockRunner(model, n_param * n_ic, n_transient + n_record, sample_dt, progress, block_seconds)
    runner.run(ensemble, n_transient)
    runner.run(ensemble, n_record, out, final)
    steps, evaluations = ensemble.step_counts()

    return SimulationResult(
        trajectories=out.reshape(n_param, n_ic, n_state, n_record),
        time=transient + np.arange(1, n_record + 1, dtype=np.float64) * sample_dt,
        control_values=values,
        initial_states=ics,
        final_states=final.reshape(n_param, n_ic, n_state),
        status=ensemble.status.reshape(n_param, n_ic),
        parameters=parameters,
        dt=dt,
        sample_dt=sample_dt,
        transient=transient,
        duration=duration,
        integrator=integrator,
        rtol=rtol,
        atol=atol,
        steps=steps.reshape(n_param, n_ic),
        rhs_evaluations=evaluations.reshape(n_param, n_ic),
    )
