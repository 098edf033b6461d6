"""The training-value check every family reports the same way: run the trained surrogate freely at
its training values, through the :class:`~neurorecon.surrogates.base.Surrogate` interface, and
test whether its observed traces reproduce the training regime.

Both the training data and the free-running traces are classified by
:func:`neurorecon.dynamics.regimes.classify`. Per control value the truth is summarised by the most
frequent regime over initial states and the median spikes per burst and period; the *period* is
the burst period (spikes per burst / firing rate, since the mean ISI of periodic bursting is one
burst period over the spikes per burst) for bursting, the mean ISI for tonic spiking, undefined
otherwise. A surrogate trajectory passes when it stayed finite and bounded, has the truth's regime,
and (bursting) its spikes per burst and period, (tonic) its period, are within the tolerances of
:class:`~neurorecon.surrogates.settings.CheckSettings`. Only training data are used.

The result, :class:`TrainingCheck`, is written as ``training_check.json`` next to the surrogate.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..dynamics.regimes import Regime, classify
from ..io.outputs import write_json
from ..simulate.protocol import constant_control
from .base import Surrogate
from .settings import CheckSettings

SCHEMA = "neurorecon.training_check/1"
"""``schema`` entry of every ``training_check.json``."""

MISMATCH_ERROR = 2.0
"""Error of a trajectory whose regime differs from the truth (ranking only)."""


@dataclass(frozen=True)
class TraceStats:
    """Regime statistics of (n_val, n_ic) traces of the observed variable.

    Attributes:
        regime: (n_val, n_ic) int8 :class:`~neurorecon.dynamics.regimes.Regime` codes.
        spikes_per_burst: (n_val, n_ic) mean spikes per complete burst (NaN unless bursting).
        period: (n_val, n_ic) burst period (bursting) or mean ISI (tonic), time unit; else NaN.
    """

    regime: np.ndarray
    spikes_per_burst: np.ndarray
    period: np.ndarray


def trace_stats(observed: np.ndarray, sample_dt: float, spike_threshold: float) -> TraceStats:
    """:class:`TraceStats` of traces (n_val, n_ic, n_time) sampled every ``sample_dt``."""
    time = np.arange(observed.shape[-1]) * sample_dt
    result = classify(observed, time, spike_threshold)
    regime = result["regime"]
    rate = result["firing_rate"]
    with np.errstate(divide="ignore", invalid="ignore"):
        period = np.where(regime == Regime.BURSTING, result["spikes_per_burst"] / rate,
                          np.where(regime == Regime.TONIC_SPIKING, 1.0 / rate, np.nan))
    return TraceStats(regime, result["spikes_per_burst"], period)


@dataclass(frozen=True)
class TrainingTruth:
    """Regime summary of the training data per control value.

    Attributes:
        control: (n_val,) control values, control unit.
        regime: (n_val,) most frequent regime over initial states (ties: lower code).
        spikes_per_burst: (n_val,) median over initial states (NaN unless bursting).
        period: (n_val,) median burst period or ISI over initial states, time unit.
    """

    control: np.ndarray
    regime: np.ndarray
    spikes_per_burst: np.ndarray
    period: np.ndarray

    def to_dict(self) -> dict[str, list]:
        return {"control": self.control.tolist(), "regime": self.regime.tolist(),
                "spikes_per_burst": self.spikes_per_burst.tolist(), "period": self.period.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> TrainingTruth:
        def array(key, dtype):
            return np.array([np.nan if v is None else v for v in data[key]], dtype=dtype)
        return cls(array("control", np.float64), array("regime", np.int8),
                   array("spikes_per_burst", np.float64), array("period", np.float64))


def training_truth(series: np.ndarray, control: np.ndarray, sample_dt: float, spike_threshold: float) -> TrainingTruth:
    """Summarise training segments per control value.

    Args:
        series: (n_seg, n_time) observed training segments.
        control: (n_seg,) control value of each segment.
        sample_dt: sampling interval, time unit.
        spike_threshold: spike threshold, observed unit.
    """
    values = np.unique(control)
    regime = np.empty(values.size, dtype=np.int8)
    spb = np.full(values.size, np.nan)
    period = np.full(values.size, np.nan)
    for i, value in enumerate(values):
        stats = trace_stats(series[control == value][None], sample_dt, spike_threshold)
        codes = stats.regime[0].astype(np.int64)
        regime[i] = np.bincount(codes).argmax()
        same = codes == regime[i]
        if np.isfinite(stats.spikes_per_burst[0][same]).any():
            spb[i] = np.nanmedian(stats.spikes_per_burst[0][same])
        if np.isfinite(stats.period[0][same]).any():
            period[i] = np.nanmedian(stats.period[0][same])
    return TrainingTruth(values, regime, spb, period)


def _relative(value: float, reference: float) -> float:
    return abs(value / reference - 1.0) if np.isfinite(value) and reference > 0 else np.inf


def check_rollouts(
    truth: TrainingTruth,
    observed: np.ndarray,
    status: np.ndarray,
    sample_dt: float,
    spike_threshold: float,
    settings: CheckSettings,
) -> dict[str, Any]:
    """Compare free-running traces at the training values with the training truth.

    Args:
        truth: :func:`training_truth` of the training data.
        observed: (n_val, n_ic, n_time) decoded observed traces, one row per ``truth.control``,
            transient already removed.
        status: (n_val, n_ic) non-zero where a rollout became non-finite or unbounded.
        sample_dt: time per map step, time unit.
        spike_threshold: observed unit.
        settings: tolerances.

    Returns:
        JSON-ready report: ``passed`` (every value passed), ``n_values_passed``,
        ``n_traces_passed``, ``error`` (mean over traces of the relative errors of spikes per burst
        and period, :data:`MISMATCH_ERROR` for a wrong regime or a failed rollout) and per value
        ``values``: truth, per-trace regime / spikes per burst / period / status / passed.
    """
    stats = trace_stats(np.where(status[..., None] != 0, np.nan, observed), sample_dt, spike_threshold)
    values = []
    errors = []
    n_traces_passed = 0
    for i, control in enumerate(truth.control):
        traces = []
        for j in range(observed.shape[1]):
            regime = int(stats.regime[i, j])
            spb, period = float(stats.spikes_per_burst[i, j]), float(stats.period[i, j])
            ok = status[i, j] == 0 and regime == truth.regime[i]
            error = MISMATCH_ERROR
            if ok and regime == Regime.BURSTING:
                spb_error = abs(spb - truth.spikes_per_burst[i]) if np.isfinite(spb) else np.inf
                period_error = _relative(period, truth.period[i])
                ok = spb_error <= settings.spikes_per_burst_tol and period_error <= settings.period_rel_tol
                error = min(spb_error / truth.spikes_per_burst[i] + period_error, MISMATCH_ERROR)
            elif ok and regime == Regime.TONIC_SPIKING:
                period_error = _relative(period, truth.period[i])
                ok = period_error <= settings.period_rel_tol
                error = min(period_error, MISMATCH_ERROR)
            elif ok:
                error = 0.0
            errors.append(error)
            n_traces_passed += int(ok)
            traces.append({"regime": Regime(regime).name.lower(), "spikes_per_burst": spb, "period": period,
                           "status": int(status[i, j]), "passed": bool(ok)})
        values.append({
            "control": float(control),
            "truth": {"regime": Regime(int(truth.regime[i])).name.lower(),
                      "spikes_per_burst": float(truth.spikes_per_burst[i]), "period": float(truth.period[i])},
            "traces": traces,
            "passed": all(trace["passed"] for trace in traces),
        })
    n_values_passed = sum(value["passed"] for value in values)
    return {
        "passed": n_values_passed == len(values),
        "n_values_passed": n_values_passed,
        "n_traces_passed": n_traces_passed,
        "error": float(np.mean(errors)),
        "values": values,
    }


@dataclass(frozen=True)
class TrainingCheck:
    """Outcome of the free-running check at the training values (``training_check.json``).

    Attributes:
        passed: every training value passed.
        n_values_passed: training values whose every trajectory passed.
        n_traces_passed: trajectories that passed, over all values.
        error: mean over trajectories of the relative errors of spikes per burst and period
            (:data:`MISMATCH_ERROR` for a wrong regime or a failed rollout); for ranking.
        values: per training value, the truth and every trajectory's regime, spikes per burst,
            period, status and verdict (JSON-ready).
        settings: the :class:`CheckSettings` used, as a mapping.
    """

    passed: bool
    n_values_passed: int
    n_traces_passed: int
    error: float
    values: list[dict[str, Any]]
    settings: dict[str, Any]

    @classmethod
    def from_report(cls, report: dict[str, Any], settings: CheckSettings) -> TrainingCheck:
        """From the report of :func:`check_rollouts`."""
        return cls(bool(report["passed"]), int(report["n_values_passed"]), int(report["n_traces_passed"]),
                   float(report["error"]), list(report["values"]), settings.to_dict())

    def write(self, path: str | os.PathLike) -> Path:
        """Write as ``training_check.json`` (with :data:`SCHEMA`)."""
        return write_json(path, {"schema": SCHEMA, "passed": self.passed, "n_values_passed": self.n_values_passed,
                                 "n_traces_passed": self.n_traces_passed, "error": self.error,
                                 "settings": self.settings, "values": self.values})

    @classmethod
    def read(cls, path: str | os.PathLike) -> TrainingCheck:
        """Read a file written by :meth:`write`.

        Raises:
            ValueError: not a training check file (naming the path).
        """
        try:
            data = json.loads(Path(path).read_text())
            if data.get("schema") != SCHEMA:
                raise KeyError("schema")
            return cls(bool(data["passed"]), int(data["n_values_passed"]), int(data["n_traces_passed"]),
                       float(data["error"] if data["error"] is not None else np.nan), list(data["values"]),
                       dict(data["settings"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{str(path)!r} is not a training check file ({exc})") from None


def run_training_check(surrogate: Surrogate, train: xr.Dataset, settings: CheckSettings, seed: int) -> TrainingCheck:
    """Run ``surrogate`` freely at the training values of the trajectory store ``train`` (from
    ``settings.n_ic`` initial states of seed ``seed``) and check its traces against the training data.

    The free runs are at constant control, so a step-protocol store is compared through its step
    epochs (the last repeat's, whole: :func:`~neurorecon.simulate.protocol.step_epochs`)."""
    train = constant_control(train)
    observed_name = str(train.attrs["observed"])
    series = train[observed_name].transpose("param", "ic", "time")
    ok = train["status"].transpose("param", "ic").values == 0 if "status" in train else None
    values = train["param"].values.astype(np.float64)
    rows = series.values.reshape(-1, series.sizes["time"])
    control = np.repeat(values, series.sizes["ic"])
    keep = np.isfinite(rows).all(axis=1) & (True if ok is None else ok.reshape(-1))
    rows, control = rows[keep], control[keep]
    sample_dt = float(train.attrs["sample_dt"])
    threshold = float(train.attrs["spike_threshold"])
    truth = training_truth(rows, control, sample_dt, threshold)
    n_free = settings.n_steps - settings.transient_steps
    rollout = surrogate.rollout(truth.control, settings.n_ic, n_free, settings.transient_steps, seed)
    report = check_rollouts(truth, rollout.observed, rollout.status, sample_dt, threshold, settings)
    return TrainingCheck.from_report(report, settings)
