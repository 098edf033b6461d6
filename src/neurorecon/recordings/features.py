"""Features of each current step of a recording, and its regime.

Per step epoch (see :mod:`.epochs`), on the samples in ``[start, stop)``:

- spikes: peaks of prominence >= ``prominence_mV`` [20] rising above ``height_mV`` [-25], at least
  ``min_interval_s`` [2 ms] apart (:func:`neurorecon.dynamics.spikes.detect_peaks`); spike times
  are the peak times.
- ``firing_rate_hz``: spikes / step duration. ``steady_rate_hz``: spikes in the second half of
  the step / half its duration, the sustained firing without the onset transient.
  ``first_spike_latency_ms``: first peak - step start. ``mean_isi_ms``: mean inter-spike interval
  (NaN below 2 spikes). ``adaptation_index``: mean of (ISI[k+1] - ISI[k]) / (ISI[k+1] + ISI[k])
  over consecutive ISIs, as eFEL and the Allen SDK define it (> 0: slowing down; NaN below 3
  spikes).
- ``spike_threshold_mV``: voltage of the first spike where its upstroke (within the 5 ms before
  the peak) rises through dV/dt = ``threshold_slope`` [20 mV/ms] (NaN if it does not).
- regime: rest (no spike); depolarisation block (the spikes stop, leaving at least
  ``block_silence`` [0.5] of the step silent, and the mean voltage over that silence is above the
  first spike's threshold, or above ``block_level_mV`` [-30 mV] where that threshold cannot be
  measured, as when the first spike rises straight from the step onset); bursting (the ISIs form
  two clusters by the logISI threshold of :func:`neurorecon.dynamics.bursts.isi_threshold`, and
  at least two groups of spikes closer than that threshold have two spikes or more, so an adapting
  train whose short ISIs all come first is not bursting); tonic spiking otherwise, including a few
  spikes that stop while the membrane returns below threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum

import numpy as np
import pandas as pd

from ..dynamics.bursts import burst_sizes, isi_threshold
from ..dynamics.spikes import detect_peaks
from .epochs import holding_level, step_epochs
from .recording import Recording

THRESHOLD_WINDOW_S = 0.005
"""How far before a spike's peak its threshold is searched, in s."""


class StepRegime(IntEnum):
    """Regime of the response to one current step."""

    REST = 0
    TONIC_SPIKING = 1
    BURSTING = 2
    DEPOLARISATION_BLOCK = 3


@dataclass(frozen=True)
class FeatureSettings:
    """Settings of :func:`step_features` (rules in the module docstring).

    Attributes:
        prominence_mV: smallest spike prominence, mV.
        height_mV: smallest spike peak, mV.
        min_interval_s: smallest time between spikes, s.
        threshold_slope: dV/dt that marks the spike threshold, mV/ms.
        block_silence: smallest silent fraction of the step after the last spike for block.
        block_level_mV: level the silent membrane must exceed for block when the first spike's
            threshold is not measurable, mV.
    """

    prominence_mV: float = 20.0
    height_mV: float = -25.0
    min_interval_s: float = 0.002
    threshold_slope: float = 20.0
    block_silence: float = 0.5
    block_level_mV: float = -30.0


@dataclass(frozen=True)
class StepFeatures:
    """Features of one step epoch of one sweep (times in s or ms as named, currents in pA)."""

    sweep: int
    epoch: int
    start_s: float
    stop_s: float
    level_pA: float
    amplitude_pA: float
    n_spikes: int
    firing_rate_hz: float
    steady_rate_hz: float
    first_spike_latency_ms: float
    mean_isi_ms: float
    adaptation_index: float
    spike_threshold_mV: float
    regime: StepRegime

    @property
    def regime_name(self) -> str:
        """The regime in words, lower case with underscores (e.g. "depolarisation_block")."""
        return self.regime.name.lower()


def adaptation_index(isis: np.ndarray) -> float:
    """Mean of (ISI[k+1] - ISI[k]) / (ISI[k+1] + ISI[k]); NaN for fewer than two ISIs.

    Args:
        isis: (n,) inter-spike intervals (any time unit).
    """
    isis = np.asarray(isis, dtype=np.float64)
    if isis.size < 2:
        return float("nan")
    return float(np.mean(np.diff(isis) / (isis[1:] + isis[:-1])))


def spike_threshold(v: np.ndarray, rate_hz: float, peak: int, slope: float) -> float:
    """Voltage where the upstroke to sample ``peak`` crosses dV/dt = ``slope`` (mV/ms).

    Args:
        v: (n_time,) voltage, mV.
        rate_hz: sampling rate, Hz.
        peak: sample index of the spike's peak.
        slope: dV/dt level, mV/ms.

    Returns:
        The voltage in mV where the upstroke (the run of dV/dt >= ``slope`` that holds the
        window's fastest rise) begins; NaN if the rise never reaches ``slope`` or fills the window.
    """
    first = max(0, peak - round(THRESHOLD_WINDOW_S * rate_hz))
    segment = np.asarray(v[first : peak + 1], dtype=np.float64)
    if segment.size < 2:
        return float("nan")
    dvdt = np.diff(segment) * rate_hz / 1000.0  # mV/ms between consecutive samples
    fastest = int(np.argmax(dvdt))
    below = np.flatnonzero(dvdt[:fastest] < slope)
    if dvdt[fastest] < slope or below.size == 0:
        return float("nan")
    return float(segment[below[-1] + 1])


def classify_step(
    v: np.ndarray, times_s: np.ndarray, start_s: float, stop_s: float, threshold_mV: float,
    settings: FeatureSettings,
) -> StepRegime:
    """Regime of one step's response (rule in the module docstring).

    Args:
        v: (n,) voltage over the step, mV; sample k at ``start_s + k / rate``.
        times_s: (n_spikes,) spike times, s.
        start_s, stop_s: the step's bounds, s.
        threshold_mV: the first spike's threshold, mV (NaN: not measurable).
    """
    if times_s.size == 0:
        return StepRegime.REST
    silent_from = (times_s[-1] - start_s) / (stop_s - start_s)
    if 1.0 - silent_from >= settings.block_silence:
        tail = v[int(np.ceil(silent_from * v.size)) :]
        level = threshold_mV if np.isfinite(threshold_mV) else settings.block_level_mV
        if tail.size and float(np.mean(tail)) > level:
            return StepRegime.DEPOLARISATION_BLOCK
    threshold = isi_threshold(np.diff(times_s))
    if np.isfinite(threshold) and np.sum(burst_sizes(times_s, threshold, -np.inf, np.inf) >= 2) >= 2:
        return StepRegime.BURSTING
    return StepRegime.TONIC_SPIKING


def step_features(
    recording: Recording, settings: FeatureSettings = FeatureSettings(), sweeps: list[int] | None = None
) -> list[StepFeatures]:
    """Features of every step epoch of the given sweeps (all by default), in sweep and epoch order."""
    rate = recording.rate_hz
    rows = []
    for sweep in range(recording.n_sweeps) if sweeps is None else sweeps:
        epochs = recording.epochs[sweep]
        holding = holding_level(epochs)
        for index, epoch in step_epochs(epochs):
            first, last = round(epoch.start_s * rate), round(epoch.stop_s * rate)
            v = recording.voltage_mV[sweep, first:last]
            t = epoch.start_s + np.arange(v.size) / rate
            times = detect_peaks(v, t, settings.prominence_mV, settings.height_mV, settings.min_interval_s).times[0]
            isis_ms = np.diff(times) * 1000.0
            threshold = (spike_threshold(v, rate, round((times[0] - epoch.start_s) * rate),
                                         settings.threshold_slope) if times.size else float("nan"))
            rows.append(StepFeatures(
                sweep=sweep,
                epoch=index,
                start_s=epoch.start_s,
                stop_s=epoch.stop_s,
                level_pA=epoch.level_pA,
                amplitude_pA=epoch.level_pA - holding,
                n_spikes=int(times.size),
                firing_rate_hz=times.size / epoch.duration_s,
                steady_rate_hz=np.sum(times >= epoch.start_s + 0.5 * epoch.duration_s) / (0.5 * epoch.duration_s),
                first_spike_latency_ms=(times[0] - epoch.start_s) * 1000.0 if times.size else float("nan"),
                mean_isi_ms=float(isis_ms.mean()) if isis_ms.size else float("nan"),
                adaptation_index=adaptation_index(isis_ms),
                spike_threshold_mV=threshold,
                regime=classify_step(v, times, epoch.start_s, epoch.stop_s, threshold, settings),
            ))
    return rows


FEATURE_COLUMNS = (*(field.name for field in fields(StepFeatures)), "regime_name")
"""Columns of :func:`features_table`: the :class:`StepFeatures` fields, then ``regime_name``."""


def features_table(steps: list[StepFeatures]) -> pd.DataFrame:
    """One row per step with columns :data:`FEATURE_COLUMNS` (``regime`` as its integer code)."""
    rows = [{**{name: getattr(step, name) for name in FEATURE_COLUMNS[:-1]}, "regime": int(step.regime),
             "regime_name": step.regime_name} for step in steps]
    return pd.DataFrame(rows, columns=list(FEATURE_COLUMNS))
