"""Short-term forecasts of held-out truth: how long a surrogate started from observed data stays
close to what the real system did next (the "forecast horizon").

For every held-out (control value, initial state) of a truth trajectory store, ``n_starts`` start
times are drawn; the surrogate receives the observations up to each start and predicts the next
``n_steps`` samples, and :func:`neurorecon.evaluation.compare.forecast_horizon` measures when the prediction
leaves the truth. All (value, state, start) forecasts run as one batch.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..surrogates.base import Surrogate
from .compare import forecast_horizon


def forecast_horizons(
    surrogate: Surrogate,
    truth: xr.Dataset,
    n_starts: int,
    n_steps: int,
    history: int,
    seed: int,
    threshold: float = 0.5,
) -> np.ndarray | None:
    """Median forecast horizon per control value of a truth trajectory store.

    Args:
        surrogate: a loaded surrogate.
        truth: trajectory store (param, ic, time) with the observed variable and ``status``.
        n_starts: start times per (param, ic), drawn uniformly where history and forecast fit.
        n_steps: forecast length in samples (the largest horizon is ``n_steps * sample_dt``).
        history: observed samples handed to the surrogate before each start.
        seed: seed of the start times.
        threshold: a forecast has left the truth where the error exceeds ``threshold`` times the
            standard deviation of the true continuation.

    Returns:
        (n_param,) median horizon over initial states and starts, in the model's time unit (NaN
        where every truth trajectory diverged), or None when the surrogate cannot forecast.

    Raises:
        ValueError: the truth series is shorter than ``history + n_steps`` samples.
    """
    x = truth[truth.attrs["observed"]].transpose("param", "ic", "time").values
    n_param, n_ic, n_time = x.shape
    if history + n_steps > n_time:
        raise ValueError(f"forecasts need history + n_steps = {history + n_steps} samples; the truth has {n_time}")
    rng = np.random.default_rng(seed)
    starts = rng.integers(history - 1, n_time - n_steps, size=(n_param, n_ic, n_starts))  # last observed index
    rows = np.arange(n_param * n_ic).repeat(n_starts)
    flat = x.reshape(n_param * n_ic, n_time)
    ends = starts.reshape(-1)
    past = np.stack([flat[r, e - history + 1 : e + 1] for r, e in zip(rows, ends)])
    future = np.stack([flat[r, e + 1 : e + 1 + n_steps] for r, e in zip(rows, ends)])
    control = np.repeat(truth["param"].values, n_ic * n_starts)
    predicted = surrogate.forecast(past, control, n_steps)
    if predicted is None:
        return None
    horizon = forecast_horizon(future, predicted, float(truth.attrs["sample_dt"]), threshold)
    horizon = horizon.reshape(n_param, n_ic * n_starts)
    valid = np.repeat(truth["status"].values.reshape(n_param, n_ic) == 0, n_starts, axis=1)
    valid &= np.isfinite(future).all(axis=1).reshape(n_param, -1)
    with np.errstate(all="ignore"):
        masked = np.where(valid, horizon, np.nan)
        return np.array([np.nanmedian(row) if np.isfinite(row).any() else np.nan for row in masked])


def with_forecast_horizons(
    sweep: xr.Dataset, surrogate: Surrogate, truth: xr.Dataset, n_starts: int, n_steps: int, history: int, seed: int
) -> xr.Dataset:
    """The sweep store with ``forecast_horizon`` (param) from :func:`forecast_horizons` added
    (unchanged when the surrogate cannot forecast).

    Raises:
        ValueError: truth and sweep are not on the same control grid.
    """
    if truth.sizes["param"] != sweep.sizes["param"] or not np.allclose(truth["param"].values, sweep["param"].values):
        raise ValueError("the held-out truth is not on the sweep's control grid")
    horizon = forecast_horizons(surrogate, truth, n_starts, n_steps, history, seed)
    if horizon is None:
        return sweep
    unit = sweep["time"].attrs.get("units", "")
    return sweep.assign(forecast_horizon=("param", horizon, {
        "units": unit, "long_name": "median forecast horizon from held-out truth states",
        "forecast_starts": n_starts, "forecast_steps": n_steps, "forecast_history": history}))
