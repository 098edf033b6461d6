"""Degenerate populations as ensembles: the control is a dynamic input conductance (DIC), and the
``ic`` axis of the trajectory store holds twins, maximal-conductance sets drawn by compensation
(:mod:`neurorecon.dynamics.compensation`) that share the control value and the fixed DICs.

Twin k of a control value starts from initial state k of the model's box (the dataset seed, as for
any ensemble); its conductances are drawn from a seed derived from the dataset seed and the value
itself, so a value gets the same twins whatever grid or chunk it is simulated in.

Store layout: a trajectory store (:func:`neurorecon.simulate.to_store.trajectories_dataset`) whose
``param`` coordinate holds the DIC values (attrs ``control`` = "g_s" etc.), with the variable
``conductance`` (param, ic, channel) holding each twin's maximal conductances, and the attr
``population`` (JSON of :class:`DicPopulation`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
import xarray as xr

from ..dynamics.compensation import generate_population
from ..dynamics.dic import TIME_SCALES, conductance_names
from ..io.stores import check_store_output, write_dataset
from ..models import ModelError, NeuronModel, get_model
from .ensemble import ProgressCallback, SimulationResult, SimulationSpec, simulate
from .to_store import trajectories_dataset

SYMBOLS = {"fast": "g_f", "slow": "g_s", "ultraslow": "g_u"}


@dataclass(frozen=True)
class DicPopulation:
    """How the twins of each control value are drawn.

    Attributes:
        control: the DIC swept by the control values ("fast", "slow" or "ultraslow").
        fixed: the other prescribed DICs, name -> value (dimensionless, units of g_L).
        free: conductances solved for, one per prescribed DIC (control included).
        ranges: (low, high) of every other conductance, drawn uniformly (the model's units).
        draws: candidate sets drawn per value; the first n_ic kept (all conductances >= 0) are used.
    """

    control: str
    fixed: Mapping[str, float]
    free: tuple[str, ...]
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    draws: int = 1000

    def __post_init__(self) -> None:
        named = [self.control, *self.fixed]
        if any(name not in TIME_SCALES for name in named) or len(set(named)) != len(named):
            raise ModelError(f"population DICs {named} must be distinct names among {TIME_SCALES}")

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.control]

    def to_json(self) -> str:
        """The settings as the store's ``population`` attr writes them (keys sorted)."""
        return json.dumps(asdict(self), sort_keys=True)


def value_seed(seed: int, value: float) -> int:
    """Seed of the twins of one control value: from the dataset seed and the value's float64 bits."""
    bits = int(np.float64(value).view(np.uint64))
    return int(np.random.SeedSequence([seed, bits]).generate_state(1)[0])


def twin_conductances(model: NeuronModel, population: DicPopulation, values, n_ic: int, seed: int,
                      parameters: Mapping[str, float]) -> np.ndarray:
    """Maximal conductances of every twin, shape (n_param, n_ic, n_currents) in
    :func:`~neurorecon.dynamics.dic.conductance_names` order.

    Raises:
        ModelError: fewer than ``n_ic`` of ``population.draws`` candidates are kept at some value.
    """
    out = []
    for value in np.asarray(values, dtype=np.float64):
        targets = {population.control: float(value), **population.fixed}
        twins = generate_population(model, targets, population.free, population.ranges, population.draws,
                                    value_seed(seed, value), parameters)
        if len(twins.conductances) < n_ic:
            raise ModelError(f"{population.symbol} = {value:g}: only {len(twins.conductances)} of "
                             f"{population.draws} drawn sets have no negative conductance, {n_ic} twins wanted")
        out.append(twins.conductances[:n_ic])
    return np.stack(out)


def simulate_population(model: NeuronModel, spec: SimulationSpec, population: DicPopulation, seed: int,
                        progress: ProgressCallback | None = None) -> tuple[SimulationResult, np.ndarray]:
    """Simulate the twins of every control value of ``spec`` (its control values are DIC values).

    Returns:
        (the result, with ``control_values`` the DIC values; the conductances, (n_param, n_ic, n_currents)).
    """
    parameters = model.parameters(spec.parameter_set, spec.overrides)
    conductances = twin_conductances(model, population, spec.control_values, spec.n_ic, seed, parameters)
    vectors = np.repeat(model.parameter_vector(parameters)[None, None, :], spec.n_ic, axis=1)
    vectors = np.repeat(vectors, conductances.shape[0], axis=0)
    for c, name in enumerate(conductance_names(model)):
        vectors[:, :, model.parameter_names.index(name)] = conductances[:, :, c]
    return simulate(model, spec, progress, trajectory_parameters=vectors), conductances


def population_dataset(model: NeuronModel, result: SimulationResult, conductances: np.ndarray,
                       population: DicPopulation, parameter_set: str,
                       attrs: Mapping[str, object] | None = None) -> xr.Dataset:
    """The trajectory store of a simulated population (layout in the module docstring)."""
    ds = trajectories_dataset(model, result, parameter_set, attrs)
    long_name = f"{population.control} dynamic input conductance {population.symbol} at threshold"
    ds["param"].attrs.update({"units": "g_L", "long_name": long_name, "control": population.symbol})
    ds["channel"] = ("channel", np.array(conductance_names(model), dtype=object))
    ds["conductance"] = (("param", "ic", "channel"), conductances, {"long_name": "maximal conductance of each twin"})
    ds.attrs.update({"control": population.symbol, "control_unit": "g_L", "control_is_current": False,
                     "population": population.to_json()})
    return ds


def simulate_population_to_store(model_name: str, spec: SimulationSpec, population: DicPopulation, seed: int,
                                 output: str | os.PathLike, attrs: Mapping[str, object] | None = None,
                                 progress: ProgressCallback | None = None):
    """Draw the twins of every control value of ``spec`` (DIC values) from ``seed``, simulate them
    and write the population store ``output`` (layout in the module docstring); as
    :func:`~neurorecon.simulate.to_store.simulate_to_store`, the output path is checked before
    anything is drawn or integrated and diverged twins are reported through ``progress``. Returns the
    written path."""
    model = get_model(model_name)
    output = check_store_output(output, "trajectories")
    result, conductances = simulate_population(model, spec, population, seed, progress)
    ds = population_dataset(model, result, conductances, population, spec.parameter_set or model.default_set, attrs)
    diverged = np.argwhere(result.status != 0)
    if diverged.size and progress is not None:
        where = ", ".join(f"{population.symbol}={result.control_values[i]:g}/twin {k}" for i, k in diverged[:10])
        progress(f"warning: {len(diverged)} of {result.status.size} twins diverged: {where}")
    return write_dataset(ds, output)
