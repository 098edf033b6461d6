"""The null baseline of the benchmark: "the regime of the nearest training value".

It needs no model. At every held-out control value it predicts what the ground truth does at the
training value nearest to it (ties: the lower training value). What it predicts there is what a
user has for free before training anything: the training data themselves, classified. The
baseline therefore reads the *training* store's trajectories, classified by the same classifier as
the held-out truth (``classify_store`` with Lyapunov exponents, the workflow's
``classify_training`` rule), not the held-out truth near the training values: that would read the
held-out answer, and off the held-out grid it would describe a neighbouring value instead of the
training value itself.

Scoring is :func:`neurorecon.evaluation.compare.compare_stores` and
:func:`~neurorecon.evaluation.compare.summarise`, exactly as for a surrogate: the training stores
are re-indexed onto the held-out grid (:func:`nearest_value_stores`) and compared as if they were a
surrogate's sweep, so the baseline's regime agreement on unseen values (held-out values that are
not a training value), its transition errors, firing-rate and spikes-per-burst errors are the same
numbers a surrogate run gets. A piecewise-constant map can only show a transition between two
training values of different regime, at the midpoint between them (to the held-out grid's
resolution); every other truth transition stays unmatched.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from .compare import CompareSettings, compare_stores, summarise

NAME = "nearest_training_value"
"""The baseline's name in tables (``surrogate`` column of its summary)."""


def nearest_training_index(param: Sequence[float], train_values: Sequence[float]) -> np.ndarray:
    """Index into ``train_values`` of the training value nearest to each control value.

    Ties (a control value midway between two training values, to 1e-9 of the training values'
    span) go to the lower training value.

    Args:
        param: (n_param,) control values.
        train_values: (n_train,) distinct training values, any order.

    Returns:
        (n_param,) int64 indices into ``train_values`` (its given order).

    Raises:
        ValueError: no training values.
    """
    train = np.asarray(train_values, dtype=np.float64)
    if train.size == 0:
        raise ValueError("the nearest-training-value baseline needs at least one training value")
    param = np.asarray(param, dtype=np.float64)
    distance = np.abs(param[:, None] - train[None, :])  # (n_param, n_train)
    span = float(np.ptp(train)) if train.size > 1 else max(1.0, abs(float(train[0])))
    closest = distance <= distance.min(axis=1, keepdims=True) + 1e-9 * span
    lowest = np.where(closest, train[None, :], np.inf)  # among the closest, the lowest value
    return lowest.argmin(axis=1).astype(np.int64)


def nearest_regimes(param: Sequence[float], train_values: Sequence[float], train_regime: np.ndarray) -> np.ndarray:
    """The baseline's regime codes on a control grid.

    Args:
        param: (n_param,) control values of the grid.
        train_values: (n_train,) training values.
        train_regime: (n_train, n_ic) regime codes of the training trajectories.

    Returns:
        (n_param, n_ic) codes: the rows of ``train_regime`` at the nearest training value; their
        dominant regime is the baseline's prediction (as for a surrogate's sweep).
    """
    return np.asarray(train_regime)[nearest_training_index(param, train_values)]


def nearest_value_stores(train_regimes: xr.Dataset, train_traces: xr.Dataset,
                         param: Sequence[float]) -> tuple[xr.Dataset, xr.Dataset]:
    """The training regime and trajectory stores re-indexed onto the control grid ``param``.

    Each control value gets the training value's rows nearest to it (:func:`nearest_training_index`),
    with the coordinate ``param`` set to the grid, so the pair can stand in for a surrogate's regime
    store and sweep in :func:`~neurorecon.evaluation.compare.compare_stores`.

    Raises:
        ValueError: the two training stores are not on the same control values.
    """
    values = train_regimes["param"].values.astype(np.float64)
    if train_traces.sizes["param"] != values.size or not np.allclose(train_traces["param"].values, values):
        raise ValueError("the training regime store and trajectory store are not on the same control values")
    index = nearest_training_index(param, values)
    grid = np.asarray(param, dtype=np.float64)

    def reindex(ds: xr.Dataset) -> xr.Dataset:
        return ds.isel(param=index).assign_coords(param=grid)

    return reindex(train_regimes), reindex(train_traces)


def score_baseline(
    truth_regimes: xr.Dataset,
    truth_traces: xr.Dataset,
    train_regimes: xr.Dataset,
    train_traces: xr.Dataset,
    settings: CompareSettings = CompareSettings(),
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, object]]:
    """Score the nearest-training-value baseline against the held-out truth.

    Args:
        truth_regimes, truth_traces: the held-out truth (regime and trajectory stores, one grid).
        train_regimes, train_traces: the training store and its classification (same classifier).

    Returns:
        (per_param, transitions, summary) as :func:`~neurorecon.evaluation.compare.compare_stores`
        and :func:`~neurorecon.evaluation.compare.summarise` give them for a surrogate (the
        baseline's regime in the column ``surrogate_regime``); the training values are those of
        the training store; ``summary["surrogate"]`` is :data:`NAME`.
    """
    param = truth_regimes["param"].values
    regimes, traces = nearest_value_stores(train_regimes, train_traces, param)
    per_param, transitions = compare_stores(truth_regimes, regimes, truth_traces, traces,
                                            train_values=train_regimes["param"].values.tolist(),
                                            settings=settings)
    summary = summarise(per_param, transitions)
    summary["surrogate"] = NAME
    summary["train_values"] = sorted(float(v) for v in train_regimes["param"].values)
    return per_param, transitions, summary
