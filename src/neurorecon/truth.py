"""Ground-truth stage: simulate an ensemble and write it as a trajectory store."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .models import get_model
from .simulate import SimulationSpec, simulate
from .simulate.ensemble import ProgressCallback
from .store import check_writable, trajectories_dataset, write_dataset


def simulate_to_store(
    model_name: str,
    spec: SimulationSpec,
    output: str | os.PathLike,
    attrs: Mapping[str, object] | None = None,
    progress: ProgressCallback | None = None,
) -> Path:
    """Simulate ``spec`` for model ``model_name`` and write the trajectory store ``output``.

    Checks the model and the output path before integrating, so bad input fails fast; reports
    diverged trajectories through ``progress``. Returns the written path.
    """
    model = get_model(model_name)
    output = check_writable(output)
    result = simulate(model, spec, progress=progress)
    parameter_set = spec.parameter_set or model.default_set
    ds = trajectories_dataset(model, result, parameter_set, attrs)
    diverged = np.argwhere(result.status != 0)
    if diverged.size and progress is not None:
        where = ", ".join(
            f"{model.control.name}={result.control_values[i]:g}/ic {k}" for i, k in diverged[:10]
        )
        progress(f"warning: {len(diverged)} of {result.status.size} trajectories diverged: {where}")
    return write_dataset(ds, output)
