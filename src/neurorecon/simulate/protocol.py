"""Current-clamp step protocols: the training data of a current-driven dataset recorded the way an
experiment records them.

A :class:`StepProtocol` holds the cell at a holding current and steps the injected current to each
training value (the step *amplitude*, in the control unit), then back, several times. For every
training value A the command current is, in the model's time unit::

    [settle at holding, not recorded]
    repeats x ( [gap at holding] [step at A] )
    [final gap at holding]

Every duration is rounded to whole sampling intervals (as the simulator rounds ``transient`` and
``duration``), so every change of the command falls on a sample time. The model starts from the
dataset's initial states at t = 0, settles at the holding current and is recorded from then on.

Simulation (:func:`simulate_protocol`) chains constant-control pieces of the ensemble machinery
(:mod:`neurorecon.simulate.ensemble`): each piece starts a fresh integrator at the previous piece's
final states, so no integration step straddles a change of the command and the adaptive
integrator restarts its step-size control at each jump, as it should at a discontinuity of the
right-hand side. The compiled kernels are unchanged: with RK4 a protocol whose step equals its
holding current gives bit for bit the samples of a constant-control simulation.

Store layout (the interface every surrogate family reads): a protocol training store is a
trajectory store, dims (param, ic, time), whose ``param`` coordinate holds the step amplitudes,
plus

- ``command`` (param, time) float64: the injected current, control unit, in force over the
  sampling interval *after* each recorded sample (sample k is the state at time t_k; the model
  went from sample k to sample k + 1 under ``command[k]``; the last sample's command is the
  holding current);
- attr ``protocol``: the JSON of :meth:`StepProtocol.to_dict`; ``transient`` is the settle time,
  ``duration`` the recorded protocol.

:func:`command_current` reads the command of any trajectory store (a constant-control store gives
its control value at every sample); :func:`step_epochs` cuts the constant-control step epochs out
of a protocol store for the consumers that need constant-control traces (the classifier, the
training-value check, ``vae_map``); :func:`constant_control` is that cut for a protocol store and
the store itself otherwise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np
import xarray as xr

from ..models import ModelError, NeuronModel
from .ensemble import (
    BlockRunner,
    ProgressCallback,
    SimulationResult,
    SimulationSpec,
    check_control_values,
    check_size,
    resolve_integrator,
    resolve_times,
)
from .integrators import INTEGRATORS, Tolerances

PROTOCOL_ATTR = "protocol"
"""Store attr holding the JSON of the protocol (absent in a constant-control store)."""

COMMAND = "command"
"""Data variable (param, time) of a protocol store: the command current at every sample."""

EPOCHS_ATTR = "step_epochs"
"""Attr of a :func:`step_epochs` dataset: JSON of the protocol, the repeats cut and their onsets."""

DEFAULT_REPEATS = 3
"""Steps per training value when the config does not say."""


class ProtocolError(ValueError):
    """A protocol setting that cannot be used; ``key`` names the setting ("" for the protocol as a
    whole), ``problem`` says why."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}" if key else problem)
        self.key = key
        self.problem = problem


def default_holding(model: NeuronModel) -> float:
    """The default holding current: 0 (no current injected, the cell's own rest) when 0 lies in
    the model's control range, else the lower end of the range (``hindmarsh_rose``: 1)."""
    low, high = model.control.range
    return 0.0 if low <= 0.0 <= high else float(low)


def protocol_defaults(model: NeuronModel, transient: float | None = None) -> dict[str, float | int]:
    """Per-model defaults, derived from the model's shortest classifiable record ``min_record``:
    holding :func:`default_holding`, step ``2 * min_record`` (a step epoch is classifiable with
    room to spare), gap ``min_record``, :data:`DEFAULT_REPEATS` repeats, settle ``transient`` (the
    dataset's transient; None: the model's)."""
    return {
        "holding": default_holding(model),
        "step": 2.0 * model.min_record,
        "gap": float(model.min_record),
        "repeats": DEFAULT_REPEATS,
        "settle": float(model.transient if transient is None else transient),
    }


def not_a_current(model: NeuronModel) -> str | None:
    """Why ``model`` cannot take a current-clamp protocol (its control is not an injected
    current), or None when it can."""
    control = model.control
    if control.injected_current:
        return None
    return (f"model {model.name!r} is controlled by {control.name} [{control.unit}] ({control.long_name}), "
            "which is not an injected current: a current-clamp step protocol applies only to models whose "
            "control is an injected current (injected_current in the model registry)")


@dataclass(frozen=True)
class ProtocolLayout:
    """A protocol in whole sampling intervals.

    Attributes:
        n_settle: intervals at holding before the first recorded sample.
        n_gap: intervals of every gap (before each step and after the last).
        n_step: intervals of every step.
        repeats: number of steps.
    """

    n_settle: int
    n_gap: int
    n_step: int
    repeats: int

    @property
    def n_record(self) -> int:
        """Recorded samples: every gap and step, the final gap included."""
        return self.repeats * (self.n_gap + self.n_step) + self.n_gap

    def step_start(self, repeat: int) -> int:
        """Index of the first interval at the step amplitude in repeat ``repeat`` (0-based), which is
        also the index of the first sample recorded after the step onset; the sample before it is
        the state at the onset."""
        if not 0 <= repeat < self.repeats:
            raise IndexError(f"repeat {repeat} outside 0..{self.repeats - 1}")
        return self.n_gap + repeat * (self.n_gap + self.n_step)

    def pieces(self) -> list[tuple[int, bool, bool]]:
        """(intervals, at the step amplitude?, recorded?) of every constant-control piece in order;
        the settle piece is left out when it is empty."""
        pieces = [(self.n_settle, False, False)] if self.n_settle else []
        for _ in range(self.repeats):
            pieces += [(self.n_gap, False, True), (self.n_step, True, True)]
        return pieces + [(self.n_gap, False, True)]


def _samples(duration: float, sample_dt: float) -> int:
    return round(duration / sample_dt)


@dataclass(frozen=True)
class StepProtocol:
    """A current-clamp step protocol (config ``datasets.<name>.train.protocol``).

    Attributes:
        holding: holding current, control unit.
        step: duration of every step, model time unit.
        gap: duration at holding before every step and after the last one, model time unit.
        repeats: steps per training value.
        settle: time at holding before recording starts (not recorded), model time unit.

    The step amplitudes are the dataset's training values. Durations are rounded to whole
    sampling intervals when simulated.
    """

    holding: float
    step: float
    gap: float
    repeats: int = DEFAULT_REPEATS
    settle: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.holding, bool) or not isinstance(self.holding, (int, float)) or not math.isfinite(
                self.holding):
            raise ProtocolError("holding", f"must be a finite number, got {self.holding!r}")
        for name in ("step", "gap"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value <= 0:
                raise ProtocolError(name, f"must be a finite number > 0, got {value!r}")
        if isinstance(self.settle, bool) or not isinstance(self.settle, (int, float)) or not math.isfinite(
                self.settle) or self.settle < 0:
            raise ProtocolError("settle", f"must be a finite number >= 0, got {self.settle!r}")
        if isinstance(self.repeats, bool) or not isinstance(self.repeats, int) or self.repeats < 1:
            raise ProtocolError("repeats", f"must be a whole number >= 1, got {self.repeats!r}")
        for name in ("holding", "step", "gap", "settle"):
            object.__setattr__(self, name, float(getattr(self, name)))

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> StepProtocol:
        """Build from a mapping; keys that are missing or None take ``defaults`` (e.g.
        :func:`protocol_defaults`).

        Raises:
            ProtocolError: an unknown key, a missing key without default, or a bad value (naming it).
        """
        if not isinstance(mapping, Mapping):
            raise ProtocolError("", f"expected a mapping, got {type(mapping).__name__}")
        unknown = sorted(set(mapping) - set(cls.field_names()))
        if unknown:
            raise ProtocolError(unknown[0], f"unknown key (known keys: {', '.join(cls.field_names())})")
        values = {key: value for key, value in (defaults or {}).items() if key in cls.field_names()}
        values.update({key: value for key, value in mapping.items() if value is not None})
        missing = [key for key in ("holding", "step", "gap") if key not in values]
        if missing:
            raise ProtocolError(missing[0], "missing (no default given)")
        return cls(**values)

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> StepProtocol:
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ProtocolError("", f"protocol attr is not JSON ({exc})") from None
        return cls.from_dict(data)

    def layout(self, sample_dt: float) -> ProtocolLayout:
        """The protocol in whole sampling intervals of ``sample_dt``.

        Raises:
            ProtocolError: a step or gap shorter than half a sampling interval (it would vanish).
        """
        n_step, n_gap = _samples(self.step, sample_dt), _samples(self.gap, sample_dt)
        for key, n in (("step", n_step), ("gap", n_gap)):
            if n < 1:
                raise ProtocolError(key, f"{getattr(self, key):g} is shorter than one sampling interval "
                                         f"({sample_dt:g})")
        return ProtocolLayout(_samples(self.settle, sample_dt), n_gap, n_step, self.repeats)

    def problems(self, model: NeuronModel, sample_dt: float) -> list[tuple[str, str]]:
        """(key, problem) for every way the protocol does not suit ``model`` sampled every
        ``sample_dt`` (key "" for the protocol as a whole)."""
        control = model.control
        unit = model.time_label
        refused = not_a_current(model)
        if refused:
            return [("", refused)]
        problems = []
        low, high = control.range
        if not control.contains(self.holding):
            problems.append(("holding", f"{self.holding:g} is outside the allowed range [{low:g}, {high:g}] "
                                        f"of {control.name} [{control.unit}]"))
        try:
            layout = self.layout(sample_dt)
        except ProtocolError as exc:
            return [*problems, (exc.key, exc.problem)]
        step = layout.n_step * sample_dt
        if step < model.min_record * (1.0 - 1e-9):
            problems.append(("step", (
                f"{self.step:g} {unit} is shorter than the shortest classifiable record of model {model.name!r} "
                f"(min_record, {model.min_record:g} {unit}): every step epoch must be long enough to "
                "classify its regime, since the classifier and the training-value check read the step epochs")))
        return problems

    def check(self, model: NeuronModel, sample_dt: float) -> ProtocolLayout:
        """The layout, after refusing a protocol with :meth:`problems`.

        Raises:
            ProtocolError: the first problem, naming its key.
        """
        for key, problem in self.problems(model, sample_dt):
            raise ProtocolError(key, problem)
        return self.layout(sample_dt)

    def command(self, values: Sequence[float], sample_dt: float) -> np.ndarray:
        """(n_param, n_record) float64 command current at every recorded sample, one row per step
        amplitude in ``values``: the current in force over the sampling interval after the sample
        (the last sample's is the holding current)."""
        layout = self.layout(sample_dt)
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        interval = np.full((values.size, layout.n_record + 1), self.holding)  # interval k leads to sample k
        for repeat in range(layout.repeats):
            start = layout.step_start(repeat)
            interval[:, start : start + layout.n_step] = values[:, None]
        return interval[:, 1:]


def simulate_protocol(
    model: NeuronModel,
    spec: SimulationSpec,
    protocol: StepProtocol,
    progress: ProgressCallback | None = None,
    block_seconds: float = 5.0,
) -> SimulationResult:
    """Simulate ``protocol`` for every step amplitude in ``spec.control_values`` and initial state.

    ``spec.transient`` and ``spec.duration`` are not used: the protocol's ``settle`` is the
    (unrecorded) transient and the protocol sets the recorded duration; the result reports both,
    rounded to whole sampling intervals. Every other setting of ``spec`` (initial states, seed,
    parameters, integrator and its steps or tolerances) is used as by
    :func:`~neurorecon.simulate.ensemble.simulate`.

    Raises:
        ModelError: bad settings, a protocol that does not suit the model (naming its key), or a
            simulation too large for this machine.
    """
    dt, sample_dt, _, _, steps_per_sample = resolve_times(model, spec)
    try:
        layout = protocol.check(model, sample_dt)
    except ProtocolError as exc:
        raise ModelError(f"protocol {exc}") from None
    check_size(model, replace(spec, transient=layout.n_settle * sample_dt, duration=layout.n_record * sample_dt))
    integrator, rtol, atol = resolve_integrator(model, spec)
    values = check_control_values(model, spec.control_values)
    parameters = model.parameters(spec.parameter_set, spec.overrides)
    ics = model.initial_states(spec.n_ic, spec.seed)

    n_param, n_ic, n_state = values.size, ics.shape[0], model.n_state
    n_traj = n_param * n_ic
    params = np.repeat(model.parameter_vector(parameters)[None, :], n_traj, axis=0)
    control = model.parameter_names.index(model.control.name)
    amplitudes = np.repeat(values, n_ic)
    tolerances = Tolerances(dt=dt, steps_per_sample=steps_per_sample, sample_dt=sample_dt, rtol=rtol, atol=atol)

    out = np.empty((n_traj, n_state, layout.n_record), dtype=np.float32)
    y = np.tile(ics, (n_param, 1))
    status = np.zeros(n_traj, dtype=np.int8)
    steps = np.zeros(n_traj, dtype=np.int64)
    evaluations = np.zeros(n_traj, dtype=np.int64)
    runner = BlockRunner(model, n_traj, layout.n_settle + layout.n_record, sample_dt, progress, block_seconds)
    position = 0
    for n_samples, at_step, recorded in layout.pieces():
        params[:, control] = amplitudes if at_step else protocol.holding
        ensemble = INTEGRATORS[integrator](model.rhs, y, params.copy(), model.divergence_bound, tolerances)
        ensemble.status[:] = status  # a diverged trajectory stays diverged (NaN, not advanced)
        last = np.empty((n_traj, n_state))
        target = out[:, :, position : position + n_samples] if recorded else None
        runner.run(ensemble, n_samples, target, last)
        position += n_samples if recorded else 0
        y, status = last, ensemble.status.copy()
        piece_steps, piece_evaluations = ensemble.step_counts()
        steps += piece_steps
        evaluations += piece_evaluations

    settle = layout.n_settle * sample_dt
    return SimulationResult(
        trajectories=out.reshape(n_param, n_ic, n_state, layout.n_record),
        time=settle + np.arange(1, layout.n_record + 1, dtype=np.float64) * sample_dt,
        control_values=values,
        initial_states=ics,
        final_states=y.reshape(n_param, n_ic, n_state),
        status=status.reshape(n_param, n_ic),
        parameters=parameters,
        dt=dt,
        sample_dt=sample_dt,
        transient=settle,
        duration=layout.n_record * sample_dt,
        integrator=integrator,
        rtol=rtol,
        atol=atol,
        steps=steps.reshape(n_param, n_ic),
        rhs_evaluations=evaluations.reshape(n_param, n_ic),
    )


def protocol_of(ds: xr.Dataset) -> StepProtocol | None:
    """The protocol of a trajectory store (attr ``protocol``), None for a constant-control store.

    Raises:
        ProtocolError: the attr is not a protocol's JSON.
    """
    text = ds.attrs.get(PROTOCOL_ATTR)
    return None if text is None else StepProtocol.from_json(text)


def command_current(ds: xr.Dataset) -> np.ndarray:
    """(n_param, n_time) float64 injected command current at every sample of a trajectory store,
    control unit: the ``command`` variable of a protocol store, else every ``param`` value
    broadcast over time (a constant-control store), so a family reads both kinds the same way."""
    if COMMAND in ds:
        return np.asarray(ds[COMMAND].transpose("param", "time").values, dtype=np.float64)
    values = np.asarray(ds["param"].values, dtype=np.float64)
    return np.repeat(values[:, None], ds.sizes["time"], axis=1)


def _repeats(which: str | int, repeats: int) -> list[int]:
    if which == "last":
        return [repeats - 1]
    if which == "all":
        return list(range(repeats))
    if isinstance(which, (int, np.integer)) and not isinstance(which, bool) and -repeats <= which < repeats:
        return [int(which) % repeats]
    raise ValueError(f"repeats must be 'last', 'all' or a repeat index in [-{repeats}, {repeats - 1}], got {which!r}")


def step_epochs(ds: xr.Dataset, repeats: str | int = "last", skip: float = 0.0) -> xr.Dataset:
    """The step epochs of a protocol store as a constant-control trajectory dataset.

    A step epoch is the constant-control trajectory at the step amplitude from the state at the
    step onset (the cell at holding), so nothing has to be dropped for it to be one: by default the
    whole epoch is kept, the onset response included (the rest-to-firing transition is what a
    protocol is recorded for).

    Args:
        ds: a protocol trajectory store (attr ``protocol``).
        repeats: ``"last"`` (default: the last repeat, the one furthest from the initial states),
            ``"all"`` (every repeat, stacked along ``ic``: row ``r * n_ic + k`` is repeat ``r`` of
            initial state ``k``; coordinates ``repeat`` and ``source_ic`` along ``ic`` say which), or
            a repeat index.
        skip: time after the onset left out of every epoch, model time unit (rounded to whole
            sampling intervals; less than the step).

    Returns:
        Trajectory dataset (param, ic, time): every variable of ``ds`` with a ``time`` dim except
        ``command``, cut to the epochs; ``time`` is the time since the step onset (the first
        sample is at ``skip + sample_dt``); ``status`` as in ``ds``; ``onset_state`` (param, ic,
        state), the state at the sample before the epoch's first (at the onset when ``skip`` is
        0); ``final_state``, the state at the epoch's last sample (both from the float32 samples);
        attrs of ``ds`` without ``protocol``, with ``transient`` = ``skip``, ``duration`` the epoch
        length and :data:`EPOCHS_ATTR` (the protocol, the repeats cut, their onset times in the
        store's time). ``command_current`` of it gives the step amplitudes.

    Raises:
        ValueError: ``ds`` is not a protocol store, its time axis does not match its protocol, or
            ``repeats`` / ``skip`` are out of range.
    """
    protocol = protocol_of(ds)
    if protocol is None:
        raise ValueError("not a step-protocol store (no 'protocol' attr): its traces are at constant control already")
    sample_dt = float(ds.attrs["sample_dt"])
    layout = protocol.layout(sample_dt)
    if ds.sizes["time"] != layout.n_record:
        raise ValueError(f"the store has {ds.sizes['time']} samples, its protocol records {layout.n_record}")
    n_skip = _samples(skip, sample_dt)
    if not 0 <= n_skip < layout.n_step:
        raise ValueError(f"skip ({skip:g}) must be >= 0 and shorter than the step ({layout.n_step * sample_dt:g})")
    chosen = _repeats(repeats, layout.repeats)
    n_time = layout.n_step - n_skip
    time_vars = [name for name in ds.data_vars if "time" in ds[name].dims and name != COMMAND]
    states = [str(name) for name in ds["state"].values] if "state" in ds.coords else []
    states = [name for name in states if name in ds.data_vars]
    n_ic = ds.sizes["ic"]
    time = ds["time"]
    parts = []
    for repeat in chosen:
        start = layout.step_start(repeat) + n_skip
        part = ds[time_vars].isel(time=slice(start, start + n_time))
        part = part.assign_coords(time=("time", (n_skip + np.arange(1, n_time + 1)) * sample_dt, {
            "units": time.attrs.get("units", ds.attrs.get("time_unit", "")),
            "long_name": "time since the step onset"}))
        if "status" in ds:
            part["status"] = ds["status"]
        if states:
            def at(index, name):
                values = [ds[state].transpose("param", "ic", "time").isel(time=index).values for state in states]
                return (("param", "ic", "state"), np.stack(values, axis=-1).astype(np.float64), {"long_name": name})

            part["onset_state"] = at(start - 1, "state at the sample before the epoch (the step onset)")
            part["final_state"] = at(start + n_time - 1, "state at the epoch's last sample")
        if len(chosen) > 1:
            part = part.assign_coords(ic=("ic", repeat * n_ic + np.arange(n_ic), ds["ic"].attrs),
                                      repeat=("ic", np.full(n_ic, repeat), {"long_name": "protocol repeat"}),
                                      source_ic=("ic", ds["ic"].values, {"long_name": "initial state index"}))
        parts.append(part)
    out = parts[0] if len(parts) == 1 else xr.concat(parts, dim="ic", data_vars="minimal", coords="different",
                                                     compat="equals", join="outer", combine_attrs="override")
    if "state" in ds.coords and "state" not in out.coords and states:
        out = out.assign_coords(state=ds["state"])
    attrs = {key: value for key, value in ds.attrs.items() if key != PROTOCOL_ATTR}
    onsets = [float(ds.attrs.get("transient", 0.0)) + layout.step_start(r) * sample_dt for r in chosen]
    attrs.update({
        "transient": n_skip * sample_dt,
        "duration": n_time * sample_dt,
        "source": f"{ds.attrs.get('source', 'trajectories')}, step epochs of a current-clamp protocol",
        EPOCHS_ATTR: json.dumps({"protocol": protocol.to_dict(), "repeats": chosen, "onsets": onsets,
                                 "skip": n_skip * sample_dt}, sort_keys=True),
    })
    out.attrs = attrs
    return out


def constant_control(ds: xr.Dataset, repeats: str | int = "last") -> xr.Dataset:
    """Constant-control traces of any trajectory store: :func:`step_epochs` of a protocol store
    (``repeats`` as there), the store itself otherwise."""
    return ds if protocol_of(ds) is None else step_epochs(ds, repeats)
