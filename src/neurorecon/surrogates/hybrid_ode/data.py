"""Training data of a hybrid ODE: the observed voltage and the injected current of every training
trace, the time scale that sizes every length, and the training/validation segments.

Two kinds of store hold training traces: a simulated trajectory store (constant currents or a step
protocol; the model's units) and a recording store (recorded sweeps: V in mV, command current in pA,
time in ms; the membrane capacitance, in pF, measured from the hyperpolarising steps)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ...dynamics.spikes import detect_spikes
from ...recordings.passive import passive_properties
from ...recordings.split import sweep_amplitudes
from ...recordings.store import KIND as RECORDING_KIND
from ...recordings.store import recording_from_dataset
from ...simulate.protocol import command_current

RECORDING_MODEL = "recording"
"""``model`` of traces read from a recording (no model: latent mode only)."""

RECORDING_SPIKE_THRESHOLD_MV = -20.0
"""Spike threshold used to read the time scale of recorded traces, mV."""


@dataclass(frozen=True)
class TrainingTraces:
    """Traces a hybrid ODE trains on.

    Attributes:
        voltage: (n_trace, n_time) observed voltage, mV (finite traces only).
        current: (n_trace, n_time) injected current in force over each sampling interval, control unit.
        sample_dt: sampling interval, model time unit.
        training_values: (n_val,) control values (step amplitudes) of the store.
        parameters: the model's full parameter dict of the store.
        model: the model's name (:data:`RECORDING_MODEL` for a recording).
        spike_threshold: spike threshold, mV.
        capacitance: membrane capacitance (control unit x time unit / mV) measured from the data;
            None: the model's declared capacitance (or 1).
        time_unit: unit of ``sample_dt``.
    """

    voltage: np.ndarray
    current: np.ndarray
    sample_dt: float
    training_values: np.ndarray
    parameters: dict[str, float]
    model: str
    spike_threshold: float
    capacitance: float | None = None
    time_unit: str = ""

    @classmethod
    def from_store(cls, ds: xr.Dataset) -> TrainingTraces:
        """The finite traces of a trajectory store (constant-control or step-protocol) or of a
        recording store (every sweep; see :meth:`from_recording_store`)."""
        if ds.attrs.get("kind") == RECORDING_KIND:
            return cls.from_recording_store(ds)
        observed = ds[str(ds.attrs["observed"])].transpose("param", "ic", "time").values.astype(np.float64)
        current = np.broadcast_to(command_current(ds)[:, None, :], observed.shape)
        voltage = observed.reshape(-1, observed.shape[-1])
        current = current.reshape(-1, observed.shape[-1])
        keep = np.isfinite(voltage).all(axis=1)
        if not keep.any():
            raise ValueError("the training store has no finite trace")
        return cls(
            voltage[keep], np.ascontiguousarray(current[keep]), float(ds.attrs["sample_dt"]),
            ds["param"].values.astype(np.float64), dict(json.loads(ds.attrs["parameters"])),
            str(ds.attrs["model"]), float(ds.attrs["spike_threshold"]), time_unit=str(ds.attrs.get("time_unit", "")),
        )

    @classmethod
    def from_recording_store(cls, ds: xr.Dataset) -> TrainingTraces:
        """Every sweep of a recording store: V (mV) under the command current (pA), time in ms;
        the training values are the sweeps' step amplitudes (pA) and the capacitance (pF) is
        measured from the hyperpolarising steps (:func:`neurorecon.recordings.passive.passive_properties`)."""
        recording = recording_from_dataset(ds)
        amplitudes = sweep_amplitudes(recording)
        return cls(
            recording.voltage_mV.astype(np.float64), recording.current_pA.astype(np.float64),
            1000.0 / recording.rate_hz, np.unique(amplitudes[np.isfinite(amplitudes)]), {}, RECORDING_MODEL,
            RECORDING_SPIKE_THRESHOLD_MV, passive_properties(recording).capacitance_pF, "ms",
        )

    def median_isi(self) -> float:
        """Median inter-spike interval over all traces, model time unit.

        Raises:
            ValueError: fewer than two spikes in every trace (no time scale to read).
        """
        time = np.arange(self.voltage.shape[1]) * self.sample_dt
        isis = detect_spikes(self.voltage, time, self.spike_threshold).isis()
        isis = isis[np.isfinite(isis)]
        if isis.size == 0:
            raise ValueError("the training traces hold no two spikes in a row, so no time scale can be read "
                             "from them: set the hybrid_ode setting time_scale")
        return float(np.median(isis))


@dataclass(frozen=True)
class Segments:
    """Start samples of training segments, split into training and validation sets.

    A segment starting at sample s uses the ``warmup`` samples before s (clamped warm-up) and
    the ``horizon`` samples after it (free run). Validation starts lie in contiguous blocks of
    time, so the validation loss measures the fit on stretches not trained on.
    """

    train: np.ndarray  # (n_train, 2) (trace, start sample)
    validation: np.ndarray  # (n_val, 2)


def split_segments(n_trace: int, n_time: int, warmup: int, horizon: int, heldback_fraction: float,
                   block: int, seed: int) -> Segments:
    """Every feasible (trace, start) pair, blocks of ``block`` start samples held back at random.

    Raises:
        ValueError: traces too short for one warm-up plus one horizon.
    """
    starts = np.arange(warmup, n_time - horizon)
    if starts.size == 0:
        raise ValueError(f"training traces of {n_time} samples are too short for a warm-up of {warmup} "
                         f"samples plus a segment of {horizon}")
    pairs = np.stack(np.meshgrid(np.arange(n_trace), starts, indexing="ij"), axis=-1).reshape(-1, 2)
    blocks = pairs[:, 1] // max(block, 1) + pairs[:, 0] * (n_time // max(block, 1) + 1)
    unique = np.unique(blocks)
    rng = np.random.default_rng(seed)
    n_held = max(1, round(heldback_fraction * unique.size)) if unique.size > 1 else 0
    held = rng.choice(unique, size=n_held, replace=False)
    mask = np.isin(blocks, held)
    return Segments(pairs[~mask], pairs[mask])
