"""A surrogate's predicted sweeps against the recorded ones, step for step, beside the two
model-free baselines a user has for free.

Inputs are two recordings on one time grid with the same sweeps and epochs: the recorded one and
the predicted one (every sweep run by the surrogate under its own command current). Features of
every step come from :func:`neurorecon.recordings.features.step_features`, applied alike to both.

Metrics (``metrics.json`` of a recording run; counts are spikes per step):

- ``spike_count_error``: median over the held-out positive amplitudes of |predicted - recorded|
  spike count, each amplitude's count the mean over its steps (both steps of a sweep); the
  baselines ``interpolation_error`` and ``extrapolation_error`` are scored on the same amplitudes
  from the recorded counts at the training amplitudes (:mod:`neurorecon.recordings.baselines`);
- ``latency_error``: median relative error of the first-spike latency over held-out steps where
  both fire; ``adaptation_error``: median absolute error of the adaptation index over held-out
  steps where both have three spikes or more (an index near 0 makes a relative error meaningless);
  ``adaptation_error_rel``: the same relative to |recorded index|;
- ``regime_agreement``: fraction of held-out steps with the same regime (rest, tonic spiking,
  bursting, depolarisation block);
- ``silent_below_rheobase``: no held-out step below the recorded rheobase fires in the prediction;
- rheobase, block onset and excitability type of the recorded and the predicted f–I curves (every
  sweep, training ones included), and their errors (predicted - recorded, pA);
  ``rheobase_within_step``: |rheobase error| is at most one protocol step (the smallest spacing of
  the amplitudes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..recordings.baselines import extrapolate_counts, interpolate_counts
from ..recordings.features import StepFeatures, step_features
from ..recordings.recording import Recording
from ..recordings.summary import FICurve, RecordingSummary, fi_curve, summarise

STEP_COLUMNS = ("sweep", "epoch", "amplitude_pA", "training", "n_spikes", "n_spikes_predicted",
                "first_spike_latency_ms", "first_spike_latency_ms_predicted", "adaptation_index",
                "adaptation_index_predicted", "mean_isi_ms", "mean_isi_ms_predicted", "regime", "regime_predicted")
"""Columns of :attr:`RecordingComparison.steps`."""


@dataclass(frozen=True)
class RecordingComparison:
    """Step table, f–I curves and metrics of one prediction (see module docstring).

    Attributes:
        steps: one row per step epoch of every sweep, columns :data:`STEP_COLUMNS`.
        recorded_fi, predicted_fi: f–I curves over every sweep.
        train_pA: the training amplitudes, pA.
        interpolation, extrapolation: (n_amplitude,) baseline spike counts at ``recorded_fi``'s
            amplitudes.
        metrics: the metrics, JSON-ready.
    """

    steps: pd.DataFrame
    recorded_fi: FICurve
    predicted_fi: FICurve
    train_pA: tuple[float, ...]
    interpolation: np.ndarray
    extrapolation: np.ndarray
    metrics: dict[str, object]


def _number(value: object) -> float:
    """A metric read back from JSON as a float (null, written for NaN, becomes NaN)."""
    return math.nan if value is None else float(value)


def _median(values: Sequence[float]) -> float:
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else math.nan


def _step_table(recorded: Sequence[StepFeatures], predicted: Sequence[StepFeatures],
                train_pA: Sequence[float]) -> pd.DataFrame:
    rows = []
    for a, b in zip(recorded, predicted, strict=True):
        rows.append({
            "sweep": a.sweep, "epoch": a.epoch, "amplitude_pA": a.amplitude_pA,
            "training": bool(np.any(np.isclose(a.amplitude_pA, train_pA))),
            "n_spikes": a.n_spikes, "n_spikes_predicted": b.n_spikes,
            "first_spike_latency_ms": a.first_spike_latency_ms,
            "first_spike_latency_ms_predicted": b.first_spike_latency_ms,
            "adaptation_index": a.adaptation_index, "adaptation_index_predicted": b.adaptation_index,
            "mean_isi_ms": a.mean_isi_ms, "mean_isi_ms_predicted": b.mean_isi_ms,
            "regime": a.regime_name, "regime_predicted": b.regime_name,
        })
    return pd.DataFrame(rows, columns=list(STEP_COLUMNS))


def _summary_fields(prefix: str, summary: RecordingSummary) -> dict[str, object]:
    return {f"rheobase_{prefix}": summary.rheobase_pA, f"block_onset_{prefix}": summary.block_onset_pA,
            f"excitability_{prefix}": summary.excitability.type}


def _difference(a: float, b: float) -> float:
    return b - a if math.isfinite(a) and math.isfinite(b) else math.nan


def compare_recording(recorded: Recording, predicted: Recording, train_pA: Sequence[float]) -> RecordingComparison:
    """Compare ``predicted`` with ``recorded`` (same sweeps, epochs and time grid).

    Args:
        recorded: the recording (every sweep).
        predicted: the surrogate's prediction of every sweep.
        train_pA: the training amplitudes, pA (sweeps of other amplitudes are held out).

    Raises:
        ValueError: the two recordings differ in sweeps, epochs or samples.
    """
    if recorded.voltage_mV.shape != predicted.voltage_mV.shape or recorded.epochs != predicted.epochs:
        raise ValueError("the predicted recording has other sweeps, epochs or samples than the recorded one")
    train_pA = tuple(sorted(float(a) for a in train_pA))
    steps_recorded, steps_predicted = step_features(recorded), step_features(predicted)
    table = _step_table(steps_recorded, steps_predicted, train_pA)
    rec_fi, pred_fi = fi_curve(steps_recorded), fi_curve(steps_predicted)
    is_train = np.array([np.any(np.isclose(a, train_pA)) for a in rec_fi.amplitude_pA])
    interpolation = interpolate_counts(rec_fi.amplitude_pA[is_train], rec_fi.n_spikes[is_train], rec_fi.amplitude_pA)
    extrapolation = (extrapolate_counts(rec_fi.amplitude_pA[is_train], rec_fi.n_spikes[is_train], rec_fi.amplitude_pA)
                     if is_train.sum() >= 2 else np.full(rec_fi.amplitude_pA.shape, np.nan))
    scored = ~is_train & (rec_fi.amplitude_pA > 0)
    held = table[~table["training"]]
    both_fire = held[(held["n_spikes"] > 0) & (held["n_spikes_predicted"] > 0)]
    adapting = held[(held["n_spikes"] >= 3) & (held["n_spikes_predicted"] >= 3)]
    rec_summary, pred_summary = summarise(steps_recorded), summarise(steps_predicted)
    rheobase_error = _difference(rec_summary.rheobase_pA, pred_summary.rheobase_pA)
    protocol_step = float(np.min(np.diff(rec_fi.amplitude_pA))) if rec_fi.amplitude_pA.size > 1 else math.nan
    below = held["amplitude_pA"] < (rec_summary.rheobase_pA if math.isfinite(rec_summary.rheobase_pA) else -np.inf)
    metrics: dict[str, object] = {
        "train_pA": list(train_pA),
        "heldout_pA": [float(a) for a in rec_fi.amplitude_pA[~is_train]],
        "n_heldout_steps": len(held),
        "spike_count_error": _median(np.abs(pred_fi.n_spikes - rec_fi.n_spikes)[scored]),
        "interpolation_error": _median(np.abs(interpolation - rec_fi.n_spikes)[scored]),
        "extrapolation_error": _median(np.abs(extrapolation - rec_fi.n_spikes)[scored]),
        "spike_count_error_steps": _median(np.abs(held["n_spikes_predicted"] - held["n_spikes"])),
        "latency_error": _median(np.abs(both_fire["first_spike_latency_ms_predicted"] - both_fire["first_spike_latency_ms"])
                                 / both_fire["first_spike_latency_ms"]),
        "adaptation_error": _median(np.abs(adapting["adaptation_index_predicted"] - adapting["adaptation_index"])),
        "adaptation_error_rel": _median(np.abs(adapting["adaptation_index_predicted"] - adapting["adaptation_index"])
                                        / np.abs(adapting["adaptation_index"])),
        "regime_agreement": float(np.mean(held["regime"] == held["regime_predicted"])) if len(held) else math.nan,
        "silent_below_rheobase": bool(np.all(held.loc[below, "n_spikes_predicted"] == 0)),
        **_summary_fields("recorded", rec_summary),
        **_summary_fields("predicted", pred_summary),
        "rheobase_error": rheobase_error,
        "rheobase_within_step": bool(math.isfinite(rheobase_error) and abs(rheobase_error) <= protocol_step + 1e-9),
        "block_onset_error": _difference(rec_summary.block_onset_pA, pred_summary.block_onset_pA),
        "protocol_step_pA": protocol_step,
    }
    return RecordingComparison(table, rec_fi, pred_fi, train_pA, interpolation, extrapolation, metrics)


SPREAD_METRICS = ("spike_count_error", "latency_error", "adaptation_error", "regime_agreement", "rheobase_error",
                  "block_onset_error")
"""Metrics of :func:`recording_table` given as median, min and max over seeds."""


def recording_table(runs: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """One row per (dataset, surrogate) of recording runs' ``metrics.json`` contents.

    Columns: ``dataset``, ``surrogate``, ``n_seeds``, the training amplitudes, ``<metric>_median``,
    ``_min`` and ``_max`` over seeds for every metric of :data:`SPREAD_METRICS`, the two baselines
    (``interpolation_error``, ``extrapolation_error``; the same for every seed), the recorded
    rheobase and block onset, the fraction of seeds silent below the rheobase, and
    ``beats_interpolation`` (median spike-count error at most the interpolation's).
    """
    groups: dict[tuple[str, str], list[Mapping[str, object]]] = {}
    for run in runs:
        groups.setdefault((str(run["dataset"]), str(run["surrogate"])), []).append(run)
    rows = []
    for (dataset, surrogate), members in sorted(groups.items()):
        row: dict[str, object] = {"dataset": dataset, "surrogate": surrogate, "n_seeds": len(members),
                                  "train_pA": " ".join(f"{a:g}" for a in members[0]["train_pA"])}
        for metric in SPREAD_METRICS:
            values = np.array([_number(m[metric]) for m in members], dtype=np.float64)
            finite = values[np.isfinite(values)]
            row[f"{metric}_median"] = float(np.median(finite)) if finite.size else math.nan
            row[f"{metric}_min"] = float(finite.min()) if finite.size else math.nan
            row[f"{metric}_max"] = float(finite.max()) if finite.size else math.nan
        first = members[0]
        row.update({"interpolation_error": first["interpolation_error"], "extrapolation_error": first["extrapolation_error"],
                    "rheobase_recorded": first["rheobase_recorded"], "block_onset_recorded": first["block_onset_recorded"],
                    "silent_below_rheobase": float(np.mean([bool(m["silent_below_rheobase"]) for m in members]))})
        row["beats_interpolation"] = bool(row["spike_count_error_median"] <= _number(first["interpolation_error"]))
        rows.append(row)
    return pd.DataFrame(rows)


def _spikes(value: float) -> str:
    return "–" if not np.isfinite(value) else f"{value:.3g}"


def recording_verdicts(table: pd.DataFrame) -> dict[str, str]:
    """One sentence per recording dataset (plain text, from :func:`recording_table`'s rows): each
    surrogate's median held-out spike-count error against the two baselines a user has for free,
    whether it predicts spikes at all, and its rheobase error."""
    sentences: dict[str, list[str]] = {}
    for row in table.to_dict(orient="records"):
        n = int(row["n_seeds"])
        error = _number(row["spike_count_error_median"])
        interpolation, extrapolation = _number(row["interpolation_error"]), _number(row["extrapolation_error"])
        verdict = "matches or beats" if bool(row["beats_interpolation"]) else "does not beat"
        part = (f"{row['surrogate']} ({n} seed{'' if n == 1 else 's'}, trained on {row['train_pA']} pA) "
                f"{verdict} interpolating the recorded f–I curve: median held-out spike-count error "
                f"{_spikes(error)} spikes per step against interpolation's {_spikes(interpolation)} and "
                f"extrapolation's {_spikes(extrapolation)}")
        rheobase = _number(row["rheobase_error_median"])
        if np.isfinite(rheobase):
            part += f"; rheobase off by {rheobase:.3g} pA"
        elif np.isfinite(_number(row["rheobase_recorded"])):
            part += f"; no rheobase predicted (recorded {_number(row['rheobase_recorded']):.3g} pA)"
        sentences.setdefault(str(row["dataset"]), []).append(part)
    return {dataset: f"{dataset} (recorded cell): " + "; ".join(parts) + "." for dataset, parts in sentences.items()}
