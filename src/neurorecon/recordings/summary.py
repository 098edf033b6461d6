"""Per-recording features from the steps: f–I curve, rheobase, f–I slope, excitability, block.

The f–I curve: a sweep's amplitude is that of its first step epoch (the first step away from
holding), and every step of the sweep at that amplitude is a point (both steps A and B of the
shipped protocol; not a pre-pulse of another level); the rate is that of :mod:`.features` (spikes
/ step duration), and the points of one amplitude are averaged.
On that curve, sorted by amplitude:

- rheobase: the lowest amplitude that fires at least one spike, the amplitude below it firing
  none (NaN if no step fires, or the lowest already does).
- f–I slope: least-squares slope of rate against amplitude from the rheobase up to the amplitude
  of the highest rate (NaN with fewer than two such points), Hz/pA.
- excitability type: :func:`neurorecon.dynamics.excitability.excitability_type` on the curve of
  the steady rate (second half of each step), so that a few spikes at the step onset, before the
  cell settles to rest, do not count as firing (Type I: sustained firing starts near zero rate;
  Type II: it starts with a jump).
- block onset: the lowest amplitude whose step is in depolarisation block (NaN if none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..dynamics.excitability import Excitability, excitability_type
from .features import StepFeatures, StepRegime


@dataclass(frozen=True)
class FICurve:
    """Firing rate against step amplitude (one point per distinct amplitude, increasing).

    Attributes:
        amplitude_pA: (n,) step amplitudes relative to holding, pA.
        rate_hz: (n,) mean firing rate over the step, Hz.
        steady_rate_hz: (n,) mean firing rate over the second half of the step, Hz.
        n_spikes: (n,) mean spike count per step.
        block: (n,) bool, a step of that amplitude is in depolarisation block.
    """

    amplitude_pA: np.ndarray
    rate_hz: np.ndarray
    steady_rate_hz: np.ndarray
    n_spikes: np.ndarray
    block: np.ndarray


@dataclass(frozen=True)
class RecordingSummary:
    """Per-recording features (rules in the module docstring).

    Attributes:
        fi: the f–I curve.
        rheobase_pA: rheobase, pA (NaN if not bracketed by the steps).
        fi_slope_hz_per_pA: slope of the rising f–I curve, Hz/pA.
        excitability: excitability type of the f–I curve.
        block_onset_pA: lowest amplitude in depolarisation block, pA (NaN if none).
    """

    fi: FICurve
    rheobase_pA: float
    fi_slope_hz_per_pA: float
    excitability: Excitability
    block_onset_pA: float


def fi_curve(steps: Sequence[StepFeatures]) -> FICurve:
    """The f–I curve of a recording's steps (rule in the module docstring)."""
    first: dict[int, StepFeatures] = {}
    for step in steps:
        if step.sweep not in first or step.epoch < first[step.sweep].epoch:
            first[step.sweep] = step
    points = [s for s in steps if s.amplitude_pA == first[s.sweep].amplitude_pA]
    amplitude = np.array([s.amplitude_pA for s in points], dtype=np.float64)
    levels, inverse = np.unique(amplitude, return_inverse=True)

    def mean(values: list[float]) -> np.ndarray:
        return np.bincount(inverse, weights=np.asarray(values, dtype=np.float64), minlength=levels.size) / np.bincount(
            inverse, minlength=levels.size
        )

    return FICurve(
        amplitude_pA=levels,
        rate_hz=mean([s.firing_rate_hz for s in points]),
        steady_rate_hz=mean([s.steady_rate_hz for s in points]),
        n_spikes=mean([s.n_spikes for s in points]),
        block=mean([s.regime == StepRegime.DEPOLARISATION_BLOCK for s in points]) > 0,
    )


def summarise(steps: Sequence[StepFeatures]) -> RecordingSummary:
    """Rheobase, f–I slope, excitability type and block onset of a recording's steps."""
    fi = fi_curve(steps)
    nan = float("nan")
    firing = fi.n_spikes > 0
    onset = next((i for i in range(1, firing.size) if firing[i] and not firing[i - 1]), None)
    rheobase = float(fi.amplitude_pA[onset]) if onset is not None else nan
    slope = nan
    if onset is not None:
        top = onset + int(np.argmax(fi.rate_hz[onset:]))
        if top > onset:
            slope = float(np.polyfit(fi.amplitude_pA[onset : top + 1], fi.rate_hz[onset : top + 1], 1)[0])
    blocked = fi.amplitude_pA[fi.block]
    return RecordingSummary(
        fi=fi,
        rheobase_pA=rheobase,
        fi_slope_hz_per_pA=slope,
        excitability=excitability_type(fi.amplitude_pA, fi.steady_rate_hz),
        block_onset_pA=float(blocked.min()) if blocked.size else nan,
    )
