"""Training and test data of spike-time inference: (ISI sequence, g_s, g_u) examples of simulated
degenerate models, generated in chunks.

One example is a maximal-conductance set with random dynamic input conductances (g_s, g_u), drawn
by compensation (:func:`neurorecon.dynamics.compensation.compensate`), simulated with the model's
ensemble kernel (:func:`neurorecon.simulate.ensemble.simulate`) from a random initial state, its
spikes detected (:func:`neurorecon.dynamics.spikes.detect_spikes`) and its regime classified by the
project's classifier (:func:`neurorecon.dynamics.regimes.classify`, without Lyapunov exponents).

Spike-set store (zarr, kind ``spike_set``), dims ``example`` and ``spike``:
``spike_times`` (example, spike) float64 ms since the end of the transient, NaN-padded, at most
``max_isis + 1`` spikes; ``n_spikes`` (example) int32 spikes in the record (all of them, also those
beyond the kept ones); ``g_s``, ``g_u`` (example) float64 units of g_L; ``conductance`` (example,
channel) float64 the model's units; ``regime`` (example) int8 codes of
:class:`~neurorecon.dynamics.regimes.Regime`; ``status`` (example) int8 of the simulation.
Attrs: ``sampling`` (JSON of :class:`SamplingSettings`), ``seed``, ``chunk``, ``duration`` (ms).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..dynamics.compensation import compensate
from ..dynamics.dic import conductance_names
from ..dynamics.regimes import ClassifierSettings, Regime, classify
from ..dynamics.spikes import DEFAULT_HYSTERESIS, detect_spikes
from ..io.stores import check_store_output, read_dataset, write_dataset
from ..models import ModelError, NeuronModel, get_model
from ..simulate.ensemble import SimulationSpec, simulate
from .settings import SamplingSettings

KIND = "spike_set"
"""``kind`` attr of a spike-set store."""

BATCH = 128
"""Models simulated at once (bounds the memory of the sampled traces: ~100 MB for 1.5 s of stg)."""


@dataclass(frozen=True)
class Draw:
    """Conductance sets with prescribed DICs.

    Attributes:
        conductances: (n, n_currents) float64, :func:`conductance_names` order, all >= 0.
        g_s, g_u: (n,) float64 the prescribed slow and ultraslow DICs (units of g_L).
    """

    conductances: np.ndarray
    g_s: np.ndarray
    g_u: np.ndarray


def draw_sets(model: NeuronModel, sampling: SamplingSettings, n: int, rng: np.random.Generator,
              g_s: np.ndarray | None = None, g_u: np.ndarray | None = None) -> Draw:
    """``n`` conductance sets: (g_s, g_u) uniform in the sampling box (or the given ones, shape (n,)),
    the drawn conductances uniform in their ranges, the free ones solved for; a candidate with a
    negative conductance is replaced by a fresh draw for the same (g_s, g_u).

    Raises:
        ModelError: some (g_s, g_u) keeps no set after ``100 * sampling.candidates`` candidates.
    """
    parameters = model.parameters(sampling.parameter_set)
    names = conductance_names(model)
    ranges = sampling.range_map()
    missing = [name for name in names if name not in ranges and name not in sampling.free]
    if missing:
        raise ModelError(f"no range for conductances {missing}")
    want_s = rng.uniform(*sampling.g_s, n) if g_s is None else np.broadcast_to(np.asarray(g_s, float), (n,))
    want_u = rng.uniform(*sampling.g_u, n) if g_u is None else np.broadcast_to(np.asarray(g_u, float), (n,))
    out = np.full((n, len(names)), np.nan)
    todo = np.arange(n)
    for _ in range(100):
        index = np.repeat(todo, sampling.candidates)
        g = np.zeros((index.size, len(names)))
        for name, (low, high) in ranges.items():
            g[:, names.index(name)] = rng.uniform(low, high, index.size)
        g, settled = compensate(model, g, {"slow": want_s[index], "ultraslow": want_u[index]}, sampling.free,
                                parameters)
        kept = settled & np.all(g >= 0, axis=1)
        for row in np.flatnonzero(kept)[::-1]:  # reversed: the first kept candidate of each example wins
            out[index[row]] = g[row]
        todo = todo[np.isnan(out[todo, 0])]
        if todo.size == 0:
            return Draw(out, np.array(want_s, dtype=np.float64), np.array(want_u, dtype=np.float64))
    raise ModelError(f"g_s = {want_s[todo[0]]:g}, g_u = {want_u[todo[0]]:g}: no conductance set without a negative "
                     f"conductance in {100 * sampling.candidates} candidates")


@dataclass(frozen=True)
class Simulated:
    """Spike trains and regimes of simulated conductance sets.

    Attributes:
        spike_times: (n, max_isis + 1) float64 ms since the end of the transient, NaN-padded.
        n_spikes: (n,) int32 spikes in the whole record.
        regime: (n,) int8 :class:`Regime` codes.
        status: (n,) int8 simulation status (0 finite).
    """

    spike_times: np.ndarray
    n_spikes: np.ndarray
    regime: np.ndarray
    status: np.ndarray


def simulate_sets(model: NeuronModel, sampling: SamplingSettings, conductances: np.ndarray, seed: int,
                  progress: Callable[[str], None] | None = None) -> Simulated:
    """Simulate every conductance set (rows of ``conductances``) from its own random initial state
    (drawn from ``seed``) for ``sampling.transient + sampling.duration`` ms; spikes and regimes of
    the recorded part."""
    parameters = model.parameters(sampling.parameter_set)
    names = conductance_names(model)
    n = conductances.shape[0]
    keep = sampling.max_isis + 1
    times = np.full((n, keep), np.nan)
    counts = np.zeros(n, dtype=np.int32)
    regime = np.full(n, Regime.DIVERGENT, dtype=np.int8)
    status = np.zeros(n, dtype=np.int8)
    seeds = np.random.SeedSequence(seed).generate_state(max(1, -(-n // BATCH)))
    for b, start in enumerate(range(0, n, BATCH)):
        rows = slice(start, min(n, start + BATCH))
        m = rows.stop - rows.start
        vectors = np.repeat(model.parameter_vector(parameters)[None, None, :], m, axis=1)
        for c, name in enumerate(names):
            vectors[0, :, model.parameter_names.index(name)] = conductances[rows, c]
        spec = SimulationSpec([0.0], n_ic=m, seed=int(seeds[b]), parameter_set=sampling.parameter_set,
                              transient=sampling.transient, duration=sampling.duration,
                              sample_dt=sampling.sample_dt)
        result = simulate(model, spec, trajectory_parameters=vectors)
        v = result.trajectories[0, :, model.state_names.index(model.observed), :]
        t = result.time - result.transient
        labels = classify(v[None], t, model.spike_threshold, settings=ClassifierSettings())
        regime[rows] = labels["regime"][0]
        status[rows] = result.status[0]
        with np.errstate(invalid="ignore"):
            ptp = np.nanmax(v, axis=1) - np.nanmin(v, axis=1)
        trains = detect_spikes(v, t, model.spike_threshold, DEFAULT_HYSTERESIS * np.nan_to_num(ptp))
        counts[rows] = trains.counts
        width = min(keep, trains.times.shape[1])
        times[rows, :width] = trains.times[:, :width]
        if progress is not None:
            progress(f"simulated {rows.stop} of {n} models")
    return Simulated(times, counts, regime, status)


def chunk_seed(seed: int, chunk: int) -> int:
    """Seed of chunk ``chunk`` of a set drawn from ``seed`` (independent streams per chunk)."""
    return int(np.random.SeedSequence([seed, chunk]).generate_state(1)[0])


def generate_chunk(sampling: SamplingSettings, n: int, seed: int, chunk: int,
                   progress: Callable[[str], None] | None = None) -> xr.Dataset:
    """The spike-set dataset (layout in the module docstring) of ``n`` examples of chunk ``chunk``."""
    model = get_model(sampling.model)
    rng = np.random.default_rng(chunk_seed(seed, chunk))
    draw = draw_sets(model, sampling, n, rng)
    sim = simulate_sets(model, sampling, draw.conductances, int(rng.integers(2**32)), progress)
    return spike_set_dataset(model, sampling, draw, sim, seed, chunk)


def spike_set_dataset(model: NeuronModel, sampling: SamplingSettings, draw: Draw, sim: Simulated,
                      seed: int, chunk: int) -> xr.Dataset:
    """Assemble a spike-set dataset from its draw and simulation."""
    ds = xr.Dataset(
        {
            "spike_times": (("example", "spike"), sim.spike_times,
                            {"units": "ms", "long_name": "spike times after the transient"}),
            "n_spikes": ("example", sim.n_spikes, {"long_name": "spikes in the record"}),
            "g_s": ("example", draw.g_s, {"units": "g_L", "long_name": "slow dynamic input conductance"}),
            "g_u": ("example", draw.g_u, {"units": "g_L", "long_name": "ultraslow dynamic input conductance"}),
            "conductance": (("example", "channel"), draw.conductances, {"long_name": "maximal conductance"}),
            "regime": ("example", sim.regime, {"long_name": "dynamical regime"}),
            "status": ("example", sim.status),
        },
        coords={"channel": ("channel", np.array(conductance_names(model), dtype=object))},
        attrs={"kind": KIND, "model": model.name, "sampling": json.dumps(sampling.to_dict(), sort_keys=True),
               "seed": int(seed), "chunk": int(chunk), "duration": float(sampling.duration)},
    )
    return ds


def write_chunk(sampling: SamplingSettings, n: int, seed: int, chunk: int, output: str | os.PathLike,
                attrs: dict | None = None, progress: Callable[[str], None] | None = None):
    """Generate chunk ``chunk`` and write it as a spike-set store (path checked before any work)."""
    output = check_store_output(output, KIND)
    ds = generate_chunk(sampling, n, seed, chunk, progress)
    ds.attrs.update(attrs or {})
    return write_dataset(ds, output)


def read_spike_sets(paths: Sequence[str | os.PathLike]) -> xr.Dataset:
    """Concatenate spike-set stores along ``example`` (in the given order); they must share the
    sampling settings."""
    parts = [read_dataset(path, KIND) for path in paths]
    if not parts:
        raise ValueError("no spike-set stores given")
    sampling = {part.attrs["sampling"] for part in parts}
    if len(sampling) > 1:
        raise ValueError(f"spike-set stores {list(map(str, paths))} were drawn with different sampling settings")
    width = max(part.sizes["spike"] for part in parts)
    parts = [part.pad(spike=(0, width - part.sizes["spike"])) if part.sizes["spike"] < width else part
             for part in parts]
    merged = xr.concat(parts, dim="example", data_vars="minimal", coords="minimal", compat="override",
                       combine_attrs="drop_conflicts")
    return merged


def sampling_of(ds: xr.Dataset) -> SamplingSettings:
    """The sampling settings a spike-set store was drawn with."""
    return SamplingSettings.from_dict(json.loads(ds.attrs["sampling"]), where="sampling")
