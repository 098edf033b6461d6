"""Free-running check at the training values: does the surrogate reproduce the training regime?

Both the training data and the surrogate's free-running traces are classified by
:func:`neurorecon.dynamics.regimes.classify`. Per control value the truth is summarised by the most
frequent regime over initial states and the median spikes per burst and period; the *period* is
the burst period (spikes per burst / firing rate, since the mean ISI of periodic bursting is one
burst period over the spikes per burst) for bursting, the mean ISI for tonic spiking, undefined
otherwise. A surrogate trajectory passes when it stayed finite and bounded, has the truth's regime,
and (bursting) its spikes per burst and period, (tonic) its period, are within the tolerances of
:class:`~neurorecon.surrogates.settings.RolloutCheckSettings`. Only training data are used.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from ..dynamics.regimes import Regime, classify
from .settings import RolloutCheckSettings

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
    settings: RolloutCheckSettings,
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


def check_passed(path: str | os.PathLike) -> bool:
    """Whether the kept map of a ``rollout_check.json`` (written by the map training) passed."""
    data = json.loads(Path(path).read_text())
    try:
        return bool(data["selected"]["passed"])
    except (KeyError, TypeError):
        raise ValueError(f"{str(path)!r}: not a rollout check report (no selected.passed)") from None


def rank_key(report: dict[str, Any]) -> tuple[float, ...]:
    """Sort key of a check report, larger is better: passed traces, then smaller error."""
    return (float(report["n_traces_passed"]), -float(report["error"]))


class FreeRunner(Protocol):
    """What the check needs of a surrogate: free runs from given states, decoded."""

    def run(self, z0: torch.Tensor, control: np.ndarray, n_steps: int, transient_steps: int
            ) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class TrainingValueCheck:
    """The free-running check of a surrogate at the training values, from fixed start states.

    Attributes:
        truth: :func:`training_truth` of the training data.
        starts: (n_val * n_ic, d) start states (encoded training states), grouped by value in the
            order of ``truth.control``.
        start_control: (n_val * n_ic,) control value of every start state.
        sample_dt: time per map step, time unit.
        spike_threshold: observed unit.
        settings: steps and tolerances.
    """

    truth: TrainingTruth
    starts: torch.Tensor
    start_control: np.ndarray
    sample_dt: float
    spike_threshold: float
    settings: RolloutCheckSettings

    def judge(self, surrogate: FreeRunner) -> tuple[tuple[float, ...], dict[str, Any]]:
        """(:func:`rank_key`, summary) of a surrogate: ``passed``, ``check_values_passed``,
        ``check_traces_passed``, ``check_error`` and the full ``report`` (:func:`check_rollouts`)."""
        s = self.settings
        observed, status = surrogate.run(self.starts, self.start_control, s.n_steps - s.transient_steps,
                                         s.transient_steps)
        shape = (self.truth.control.size, s.n_ic)
        report = check_rollouts(self.truth, observed.reshape(*shape, -1), status.reshape(shape), self.sample_dt,
                                self.spike_threshold, s)
        summary = {"passed": report["passed"], "check_values_passed": report["n_values_passed"],
                   "check_traces_passed": report["n_traces_passed"], "check_error": report["error"], "report": report}
        return rank_key(report), summary
