"""Ground-truth stage: simulate an ensemble and write it as a trajectory store; check that an
existing store is the simulation a dataset asks for."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr

from .models import get_model
from .simulate import SimulationSpec, simulate
from .simulate.ensemble import ProgressCallback, resolve_times
from .store import check_store_output, trajectories_dataset, write_dataset


def simulate_to_store(
    model_name: str,
    spec: SimulationSpec,
    output: str | os.PathLike,
    attrs: Mapping[str, object] | None = None,
    progress: ProgressCallback | None = None,
    overwrite: bool = False,
) -> Path:
    """Simulate ``spec`` for model ``model_name`` and write the trajectory store ``output``.

    Checks the output path (output-path policy of :mod:`neurorecon.outputs`; ``overwrite`` as
    there) before integrating, and :func:`~neurorecon.simulate.simulate` checks the model and the
    size of the work before allocating, so bad input fails fast; reports diverged trajectories through ``progress``. Returns the written path.
    """
    model = get_model(model_name)
    output = check_store_output(output, "trajectories", overwrite=overwrite)
    result = simulate(model, spec, progress=progress)
    parameter_set = spec.parameter_set or model.default_set
    ds = trajectories_dataset(model, result, parameter_set, attrs)
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


def mismatches(ds: xr.Dataset, model_name: str, spec: SimulationSpec) -> list[str]:
    """How the trajectory store ``ds`` differs from the simulation of ``spec`` with model
    ``model_name`` (model, parameter set, parameters, control values, initial states, seed, time
    settings); empty when it is that simulation."""
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
    values = sorted(float(v) for v in spec.control_values)
    held = sorted(float(v) for v in ds["param"].values)
    if len(values) != len(held) or not all(_close(a, b) for a, b in zip(values, held, strict=True)):
        problems.append(f"{model.control.name} values {held}, the dataset's are {values}")
    if ds.sizes.get("ic") != spec.n_ic:
        problems.append(f"{ds.sizes.get('ic')} initial states, the dataset's n_ic is {spec.n_ic}")
    if int(ds.attrs.get("seed", -1)) != spec.seed:
        problems.append(f"initial-state seed {ds.attrs.get('seed')}, the dataset's is {spec.seed}")
    dt, sample_dt, transient, duration, _ = resolve_times(model, spec)
    transient = round(transient / sample_dt) * sample_dt  # as simulate() rounds them
    duration = round(duration / sample_dt) * sample_dt
    for key, value in (("dt", dt), ("sample_dt", sample_dt), ("transient", transient), ("duration", duration)):
        if not _close(ds.attrs.get(key, math.nan), value):
            problems.append(f"{key} {ds.attrs.get(key)}, the dataset's is {value:g}")
    return problems
