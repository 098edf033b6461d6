"""Model-free baselines for spike counts at held-out step amplitudes.

What a user predicts without any model, from the counts measured at a few training amplitudes:

- interpolation: the counts joined by straight lines (``numpy.interp``); outside the training
  range it holds the count of the nearest training amplitude.
- extrapolation: the straight line through the counts at the two highest training amplitudes.

A surrogate of the recorded cell is worth its training only where it beats these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def interpolate_counts(train_pA: np.ndarray, train_counts: np.ndarray, query_pA: np.ndarray) -> np.ndarray:
    """Spike counts at ``query_pA`` by linear interpolation between the training amplitudes.

    Args:
        train_pA: (n,) training amplitudes, pA, distinct (any order).
        train_counts: (n,) spike counts per step at those amplitudes.
        query_pA: (m,) amplitudes to predict, pA.

    Returns:
        (m,) float64 predicted counts.
    """
    order = np.argsort(train_pA)
    return np.interp(np.asarray(query_pA, dtype=np.float64), np.asarray(train_pA, dtype=np.float64)[order],
                     np.asarray(train_counts, dtype=np.float64)[order])


def extrapolate_counts(train_pA: np.ndarray, train_counts: np.ndarray, query_pA: np.ndarray) -> np.ndarray:
    """Spike counts at ``query_pA`` on the line through the two highest training amplitudes.

    Args:
        train_pA: (n >= 2,) training amplitudes, pA, distinct.
        train_counts: (n,) spike counts per step at those amplitudes.
        query_pA: (m,) amplitudes to predict, pA.

    Returns:
        (m,) float64 predicted counts.

    Raises:
        ValueError: fewer than two training amplitudes.
    """
    if np.size(train_pA) < 2:
        raise ValueError(f"extrapolation needs two training amplitudes, got {np.size(train_pA)}")
    order = np.argsort(train_pA)[-2:]
    a0, a1 = np.asarray(train_pA, dtype=np.float64)[order]
    c0, c1 = np.asarray(train_counts, dtype=np.float64)[order]
    return c1 + (c1 - c0) / (a1 - a0) * (np.asarray(query_pA, dtype=np.float64) - a1)


@dataclass(frozen=True)
class BaselineErrors:
    """Median absolute error, in spikes per step, of both baselines over the held-out amplitudes.

    Attributes:
        train_pA: the training amplitudes, pA.
        n_heldout: number of held-out amplitudes.
        interpolation: median |predicted - measured| of :func:`interpolate_counts`.
        extrapolation: median |predicted - measured| of :func:`extrapolate_counts`.
    """

    train_pA: tuple[float, ...]
    n_heldout: int
    interpolation: float
    extrapolation: float


def baseline_errors(amplitude_pA: np.ndarray, counts: np.ndarray, train_pA: np.ndarray) -> BaselineErrors:
    """Errors of both baselines fitted at ``train_pA`` on every other amplitude of an f–I curve.

    Args:
        amplitude_pA: (n,) distinct step amplitudes, pA.
        counts: (n,) spike count per step at each amplitude (a mean where several steps share it).
        train_pA: the training amplitudes, each one of ``amplitude_pA``.

    Raises:
        ValueError: a training amplitude that is not in ``amplitude_pA``, or none left to hold out.
    """
    amplitude_pA = np.asarray(amplitude_pA, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.float64)
    train_pA = np.unique(np.asarray(train_pA, dtype=np.float64))
    absent = train_pA[~np.isin(train_pA, amplitude_pA)]
    if absent.size:
        raise ValueError(f"no step at training amplitude(s) {', '.join(f'{a:g}' for a in absent)} pA")
    train = np.isin(amplitude_pA, train_pA)
    if train.all():
        raise ValueError("every amplitude is a training amplitude: nothing is held out")
    query, truth = amplitude_pA[~train], counts[~train]
    fit_pA, fit_counts = amplitude_pA[train], counts[train]
    return BaselineErrors(
        train_pA=tuple(float(a) for a in fit_pA),
        n_heldout=int(query.size),
        interpolation=float(np.median(np.abs(interpolate_counts(fit_pA, fit_counts, query) - truth))),
        extrapolation=float(np.median(np.abs(extrapolate_counts(fit_pA, fit_counts, query) - truth))),
    )


def spread_amplitudes(amplitude_pA: np.ndarray, n: int) -> np.ndarray:
    """``n`` of the positive amplitudes, evenly spaced by rank, lowest and highest included.

    Args:
        amplitude_pA: (m,) distinct step amplitudes, pA.
        n: how many to pick (at most the number of positive amplitudes).
    """
    positive = np.sort(np.asarray(amplitude_pA, dtype=np.float64)[np.asarray(amplitude_pA) > 0])
    if not 1 <= n <= positive.size:
        raise ValueError(f"cannot pick {n} of {positive.size} positive amplitudes")
    return positive[np.round(np.linspace(0, positive.size - 1, n)).astype(int)]


def lower_half(amplitude_pA: np.ndarray) -> np.ndarray:
    """The lower half (rounded down) of the positive amplitudes, in increasing order, pA."""
    positive = np.sort(np.asarray(amplitude_pA, dtype=np.float64)[np.asarray(amplitude_pA) > 0])
    return positive[: positive.size // 2]


@dataclass(frozen=True)
class BaselineReport:
    """Both baselines in the two standard splits of the positive amplitudes of an f–I curve.

    Attributes:
        spread: trained at ``n_spread`` amplitudes spread over the positive range (:func:`spread_amplitudes`),
            tested on the other positive ones: an interpolation task.
        upper: trained on the lower half (:func:`lower_half`), tested on the upper half: an
            extrapolation task.
    """

    spread: BaselineErrors
    upper: BaselineErrors


def baseline_report(amplitude_pA: np.ndarray, counts: np.ndarray, n_spread: int = 4) -> BaselineReport:
    """:class:`BaselineReport` of an f–I curve (distinct amplitudes in pA, spike counts per step)."""
    amplitude_pA = np.asarray(amplitude_pA, dtype=np.float64)
    positive = amplitude_pA > 0
    amps, counts = amplitude_pA[positive], np.asarray(counts, dtype=np.float64)[positive]
    return BaselineReport(
        spread=baseline_errors(amps, counts, spread_amplitudes(amps, n_spread)),
        upper=baseline_errors(amps, counts, lower_half(amps)),
    )
