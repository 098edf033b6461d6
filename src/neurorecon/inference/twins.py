"""Twin populations of predicted DICs: for each input spike train, maximal-conductance sets with its
predicted (g_s, g_u) drawn by compensation (:func:`neurorecon.dynamics.compensation.generate_population`,
the training data's ranges and free conductances), simulated as the training data were
(:func:`neurorecon.inference.data.simulate_sets`), their regimes and spike trains.

Twin-population store (zarr, kind ``twin_population``), dims ``id``, ``twin``, ``channel``, ``spike``:
``g_s``, ``g_u``, ``sigma_s``, ``sigma_u`` (id) float64 the prediction (units of g_L);
``p_bursting`` (id); ``conductance`` (id, twin, channel) float64 (NaN where fewer twins were kept);
``spike_times`` (id, twin, spike) float64 ms after the transient, NaN-padded; ``regime`` (id, twin)
int8; ``n_spikes`` (id, twin) int32. Attrs: ``sampling``, ``twins`` (JSON settings).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..dynamics.compensation import generate_population
from ..dynamics.dic import conductance_names
from ..dynamics.regimes import Regime
from ..models import get_model
from .data import simulate_sets
from .predict import Prediction
from .settings import SamplingSettings, TwinSettings

KIND = "twin_population"


@dataclass(frozen=True)
class Twins:
    """Simulated twins of n DIC pairs.

    Attributes:
        conductances: (n, n_twins, n_currents) float64, NaN rows where fewer sets were kept.
        spike_times: (n, n_twins, max_isis + 1) float64 ms, NaN-padded.
        n_spikes: (n, n_twins) int32.
        regime: (n, n_twins) int8 (:class:`Regime`; DIVERGENT for a missing twin).
    """

    conductances: np.ndarray
    spike_times: np.ndarray
    n_spikes: np.ndarray
    regime: np.ndarray


def make_twins(sampling: SamplingSettings, settings: TwinSettings, g_s: np.ndarray, g_u: np.ndarray,
               progress: Callable[[str], None] | None = None) -> Twins:
    """Draw and simulate ``settings.n_twins`` twins of every (g_s[i], g_u[i]) (units of g_L)."""
    model = get_model(sampling.model)
    parameters = model.parameters(sampling.parameter_set)
    n, k, names = len(g_s), settings.n_twins, conductance_names(model)
    conductances = np.full((n, k, len(names)), np.nan)
    seeds = np.random.SeedSequence(settings.seed).generate_state(n + 1)
    for i in range(n):
        population = generate_population(model, {"slow": float(g_s[i]), "ultraslow": float(g_u[i])}, sampling.free,
                                         sampling.range_map(), settings.draws, int(seeds[i]), parameters)
        kept = population.conductances[:k]
        conductances[i, : kept.shape[0]] = kept
    flat = conductances.reshape(n * k, len(names))
    present = np.isfinite(flat[:, 0])
    keep = sampling.max_isis + 1
    spike_times = np.full((n * k, keep), np.nan)
    n_spikes = np.zeros(n * k, dtype=np.int32)
    regime = np.full(n * k, Regime.DIVERGENT, dtype=np.int8)
    if present.any():
        sim = simulate_sets(model, sampling, flat[present], int(seeds[n]), progress)
        spike_times[present], n_spikes[present], regime[present] = sim.spike_times, sim.n_spikes, sim.regime
    return Twins(conductances, spike_times.reshape(n, k, keep), n_spikes.reshape(n, k), regime.reshape(n, k))


def twin_dataset(ids: Sequence[str], prediction: Prediction, twins: Twins, sampling: SamplingSettings,
                 settings: TwinSettings) -> xr.Dataset:
    """The twin-population store of predictions and their twins (layout in the module docstring)."""
    names = conductance_names(get_model(sampling.model))
    unit = {"units": "g_L"}
    return xr.Dataset(
        {
            "g_s": ("id", prediction.g_s, {**unit, "long_name": "predicted slow DIC"}),
            "g_u": ("id", prediction.g_u, {**unit, "long_name": "predicted ultraslow DIC"}),
            "sigma_s": ("id", prediction.sigma_s, {**unit, "long_name": "predicted standard deviation of g_s"}),
            "sigma_u": ("id", prediction.sigma_u, {**unit, "long_name": "predicted standard deviation of g_u"}),
            "p_bursting": ("id", prediction.p_bursting, {"long_name": "predicted probability of bursting"}),
            "conductance": (("id", "twin", "channel"), twins.conductances, {"long_name": "maximal conductance"}),
            "spike_times": (("id", "twin", "spike"), twins.spike_times, {"units": "ms"}),
            "n_spikes": (("id", "twin"), twins.n_spikes),
            "regime": (("id", "twin"), twins.regime, {"long_name": "dynamical regime"}),
        },
        coords={"id": ("id", np.array([str(i) for i in ids], dtype=object)),
                "channel": ("channel", np.array(names, dtype=object))},
        attrs={"kind": KIND, "model": sampling.model, "sampling": json.dumps(sampling.to_dict(), sort_keys=True),
               "twins": json.dumps(settings.to_dict(), sort_keys=True)},
    )


def firing_class(regime: np.ndarray) -> np.ndarray:
    """Spiking/bursting class of regime codes: 1 bursting, 0 tonic spiking, -1 anything else."""
    regime = np.asarray(regime)
    return np.where(regime == Regime.BURSTING, 1, np.where(regime == Regime.TONIC_SPIKING, 0, -1))


def majority_class(regime: np.ndarray) -> np.ndarray:
    """Per row of (n, n_twins) regime codes, the class most twins show (ties and no spiking twin: -1)."""
    cls = firing_class(regime)
    bursting, tonic = (cls == 1).sum(axis=1), (cls == 0).sum(axis=1)
    return np.where(bursting > tonic, 1, np.where(tonic > bursting, 0, -1))
