"""Ground-truth stage: the trajectory-store layout of a simulation, simulating into a store,
merging chunk stores, and checking that an existing store is the simulation a dataset asks for."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from ..io.stores import STATUS_FLAGS, StoreError, check_store_output, read_dataset, write_dataset
from ..models import NeuronModel, get_model
from .ensemble import ProgressCallback, SimulationResult, SimulationSpec, resolve_times, simulate
from .protocol import COMMAND, PROTOCOL_ATTR, ProtocolError, StepProtocol, protocol_of, simulate_protocol

if TYPE_CHECKING:
    from .population import DicPopulation

POPULATION_ATTR = "population"
"""Store attr of a degenerate-population store: the JSON of its
:class:`~neurorecon.simulate.population.DicPopulation` (:mod:`neurorecon.simulate.population`)."""


def simulate_to_store(
    model_name: str,
    spec: SimulationSpec,
    output: str | os.PathLike,
    attrs: Mapping[str, object] | None = None,
    progress: ProgressCallback | None = None,
    overwrite: bool = False,
    protocol: StepProtocol | None = None,
) -> Path:
    """Simulate ``spec`` for model ``model_name`` and write the trajectory store ``output``.

    With ``protocol``, the control values are step amplitudes and every trajectory follows the
    current-clamp protocol (:func:`~neurorecon.simulate.protocol.simulate_protocol`); the store
    then also holds the command current (:mod:`neurorecon.simulate.protocol`, "Store layout").

    Checks the output path (output-path policy of :mod:`neurorecon.io.outputs`; ``overwrite`` as
    there) before integrating, and :func:`~neurorecon.simulate.simulate` checks the model and the
    size of the work before allocating, so bad input fails fast; reports diverged trajectories
    through ``progress``. Returns the written path.
    """
    model = get_model(model_name)
    output = check_store_output(output, "trajectories", overwrite=overwrite)
    if protocol is None:
        result = simulate(model, spec, progress=progress)
    else:
        result = simulate_protocol(model, spec, protocol, progress=progress)
    parameter_set = spec.parameter_set or model.default_set
    ds = trajectories_dataset(model, result, parameter_set, attrs, protocol)
    diverged = np.argwhere(result.status != 0)
    if diverged.size and progress is not None:
        where = ", ".join(
            f"{model.control.name}={result.control_values[i]:g}/ic {k}" for i, k in diverged[:10]
        )
        progress(f"warning: {len(diverged)} of {result.status.size} trajectories diverged: {where}")
    return write_dataset(ds, output, overwrite=overwrite)


def _close(a: object, b: float) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    except (TypeError, ValueError):
        return False


def _protocol_mismatches(ds: xr.Dataset, protocol: StepProtocol | None) -> list[str]:
    try:
        stored = protocol_of(ds)
    except ProtocolError as exc:
        return [f"its protocol attr cannot be read ({exc})"]
    if stored is None and protocol is None:
        return []
    if stored is None:
        return [f"it holds constant-control traces, the dataset's training is a step protocol ({protocol.to_json()})"]
    if protocol is None:
        return [f"it holds a step protocol ({stored.to_json()}), the dataset's training is at constant control"]
    old, new = stored.to_dict(), protocol.to_dict()
    return [f"protocol {key} {old[key]:g}, the dataset's is {new[key]:g}"
            for key in StepProtocol.field_names() if not _close(old[key], new[key])]


def _population_mismatches(ds: xr.Dataset, population: DicPopulation | None) -> list[str]:
    stored = ds.attrs.get(POPULATION_ATTR)
    if stored is None and population is None:
        return []
    if stored is None:
        return [f"it holds an ensemble of one model, the dataset is a population ({population.to_json()})"]
    if population is None:
        return [f"it holds a population ({stored}), the dataset is an ensemble of one model"]
    if stored != population.to_json():
        return [f"population {stored}, the dataset's is {population.to_json()}"]
    return []


def mismatches(ds: xr.Dataset, model_name: str, spec: SimulationSpec, protocol: StepProtocol | None = None,
               population: DicPopulation | None = None) -> list[str]:
    """How the trajectory store ``ds`` differs from the simulation of ``spec`` with model
    ``model_name`` (model, parameter set, parameters, control values, initial states, seed, time
    settings, the step ``protocol``: None for constant control, and the degenerate ``population``:
    None for an ensemble of one model); empty when it is that simulation. With a protocol, the
    settle time and the protocol's length stand for the transient and the duration of ``spec``; with
    a population, the control values are its DIC values and ``ic`` counts twins."""
    model = get_model(model_name)
    stored_model = ds.attrs.get("model")
    if stored_model != model.name:
        return [f"it holds model {stored_model!r}, the dataset's model is {model.name!r}"]
    problems = []
    parameter_set = spec.parameter_set or model.default_set
    if ds.attrs.get("parameter_set") != parameter_set:
        problems.append(f"parameter set {ds.attrs.get('parameter_set')!r}, the dataset's is {parameter_set!r}")
    expected = model.parameters(spec.parameter_set, spec.overrides)
    try:
        stored = dict(json.loads(ds.attrs.get("parameters", "{}")))
    except (TypeError, ValueError):
        stored = {}
    differ = [name for name in model.parameter_names if name != model.control.name
              and not (name in stored and _close(stored[name], expected[name]))]
    if differ:
        problems.append("parameters " + ", ".join(
            f"{name}={stored.get(name)} (dataset: {expected[name]:g})" for name in differ))
    control = model.control.name if population is None else population.symbol
    values = sorted(float(v) for v in spec.control_values)
    held = sorted(float(v) for v in ds["param"].values)
    if len(values) != len(held) or not all(_close(a, b) for a, b in zip(values, held, strict=True)):
        problems.append(f"{control} values {held}, the dataset's are {values}")
    if ds.sizes.get("ic") != spec.n_ic:
        what = "initial states" if population is None else "twins"
        problems.append(f"{ds.sizes.get('ic')} {what}, the dataset's n_ic is {spec.n_ic}")
    if int(ds.attrs.get("seed", -1)) != spec.seed:
        problems.append(f"initial-state seed {ds.attrs.get('seed')}, the dataset's is {spec.seed}")
    problems += _protocol_mismatches(ds, protocol)
    problems += _population_mismatches(ds, population)
    dt, sample_dt, transient, duration, _ = resolve_times(model, spec)
    if protocol is not None:
        try:
            layout = protocol.layout(sample_dt)
        except ProtocolError as exc:
            return [*problems, f"the dataset's protocol cannot be sampled ({exc})"]
        transient, duration = layout.n_settle * sample_dt, layout.n_record * sample_dt
    else:
        transient = round(transient / sample_dt) * sample_dt  # as simulate() rounds them
        duration = round(duration / sample_dt) * sample_dt
    for key, value in (("dt", dt), ("sample_dt", sample_dt), ("transient", transient), ("duration", duration)):
        if not _close(ds.attrs.get(key, math.nan), value):
            problems.append(f"{key} {ds.attrs.get(key)}, the dataset's is {value:g}")
    return problems


def trajectories_dataset(
    model: NeuronModel,
    result: SimulationResult,
    parameter_set: str,
    attrs: Mapping[str, object] | None = None,
    protocol: StepProtocol | None = None,
) -> xr.Dataset:
    """Lay a :class:`SimulationResult` out as a trajectory store (dims param, ic, time, state).

    With the ``protocol`` the result was simulated with, the store also gets the ``command``
    variable (param, time) and the ``protocol`` attr (:mod:`neurorecon.simulate.protocol`)."""
    control = model.control
    coords = {
        "param": (
            "param",
            result.control_values,
            {"units": control.unit, "long_name": control.long_name, "control": control.name},
        ),
        "ic": ("ic", np.arange(result.initial_states.shape[0]), {"long_name": "initial state index"}),
        "time": ("time", result.time, {"units": model.time_unit, "long_name": "time since start"}),
        "state": ("state", np.array(model.state_names, dtype=object), {"long_name": "state variable"}),
    }
    data_vars: dict[str, tuple] = {}
    for index, (name, unit) in enumerate(zip(model.state_names, model.state_units, strict=True)):
        data_vars[name] = (
            ("param", "ic", "time"),
            result.trajectories[:, :, index, :],
            {"units": unit, "long_name": name},
        )
    data_vars["initial_state"] = (("ic", "state"), result.initial_states, {"long_name": "state at t = 0"})
    data_vars["final_state"] = (
        ("param", "ic", "state"), result.final_states, {"long_name": "state at the last sample"},
    )
    data_vars["status"] = (
        ("param", "ic"),
        result.status,
        {
            "long_name": "integration status",
            "flag_values": list(STATUS_FLAGS.values()),
            "flag_meanings": " ".join(STATUS_FLAGS),
        },
    )
    if protocol is not None:
        data_vars[COMMAND] = (
            ("param", "time"),
            protocol.command(result.control_values, result.sample_dt),
            {"units": control.unit, "long_name": f"injected command current ({control.name}) in force over the "
                                                 "sampling interval after each sample"},
        )
    ds = xr.Dataset(data_vars, coords=coords)
    if protocol is not None:
        ds.attrs[PROTOCOL_ATTR] = protocol.to_json()
    ds.attrs.update(
        {
            "kind": "trajectories",
            "source": "ground truth",
            "model": model.name,
            "parameter_set": parameter_set,
            "parameters": json.dumps(result.parameters, sort_keys=True),
            "control": control.name,
            "control_unit": control.unit,
            "control_is_current": bool(control.injected_current),
            "observed": model.observed,
            "spike_threshold": float(model.spike_threshold),
            "time_unit": model.time_unit,
            "dt": result.dt,
            "sample_dt": result.sample_dt,
            "transient": result.transient,
            "duration": result.duration,
        }
    )
    ds.attrs.update(dict(attrs or {}))
    return ds


def merge_trajectories(parts: list[xr.Dataset]) -> xr.Dataset:
    """Concatenate trajectory chunks along ``param`` (sorted); chunk settings must agree (a
    population's: its ``population`` attr; its ``conductance`` variable is concatenated too)."""
    if not parts:
        raise StoreError("no trajectory chunks to merge")
    keys = ("model", "parameters", "control", "dt", "sample_dt", "transient", "duration", "seed", PROTOCOL_ATTR,
            POPULATION_ATTR)
    first = parts[0].attrs
    for part in parts[1:]:
        for key in keys:
            if part.attrs.get(key) != first.get(key):
                raise StoreError(f"trajectory chunks disagree on {key!r}; cannot merge")
    merged = xr.concat(parts, dim="param", data_vars="minimal", coords="minimal", compat="override",
                       join="exact", combine_attrs="override").sortby("param")
    if np.unique(merged["param"].values).size != merged.sizes["param"]:
        raise StoreError("trajectory chunks overlap in control values")
    return merged


def merge_stores(
    inputs: list[str | os.PathLike], output: str | os.PathLike, provenance_attrs: Mapping[str, object]
) -> Path:
    """Merge trajectory chunk stores into one store; seed and config hash come from the chunks."""
    check_store_output(output, "trajectories", inputs=inputs)
    merged = merge_trajectories([read_dataset(path, kind="trajectories") for path in inputs])
    attrs = dict(provenance_attrs)
    attrs["seed"] = merged.attrs.get("seed", -1)
    attrs["config_hash"] = merged.attrs.get("config_hash", "")
    merged.attrs.update(attrs)
    return write_dataset(merged, output, inputs=inputs)
