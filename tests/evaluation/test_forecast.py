"""Forecast horizons from held-out truth: exact continuations reach the whole window, a wrong
frequency loses the truth sooner, diverged truth trajectories are left out."""

import numpy as np
import pytest
import xarray as xr

from neurorecon.evaluation.forecast import forecast_horizons, with_forecast_horizons
from neurorecon.surrogates import Surrogate

DT = 0.01
OMEGA = np.array([2.0, 3.0, 5.0])  # rad per time unit, one per control value


def _truth(n_ic=2, n_time=3000):
    t = DT * np.arange(n_time)
    phase = np.array([0.0, 1.0])[:n_ic]
    x = np.sin(OMEGA[:, None, None] * t + phase[None, :, None])
    return xr.Dataset(
        {"V": (("param", "ic", "time"), x), "status": (("param", "ic"), np.zeros(x.shape[:2], dtype=np.int8))},
        coords={"param": OMEGA, "ic": np.arange(n_ic), "time": ("time", t, {"units": "ms"})},
        attrs={"kind": "trajectories", "observed": "V", "sample_dt": DT},
    )


class SineContinuation(Surrogate):
    """Continues a sampled sine of frequency ``factor * control`` by its exact two-term recurrence."""

    family = "sine"

    def __init__(self, factor=1.0):
        self.factor = factor

    store_attrs = training_values = property(lambda self: None)

    def rollout(self, *args, **kwargs):
        raise NotImplementedError

    def forecast(self, history, control, n_steps):
        c = 2 * np.cos(self.factor * control * DT)
        prev, cur = history[:, -2], history[:, -1]
        out = np.empty((history.shape[0], n_steps))
        for k in range(n_steps):
            prev, cur = cur, c * cur - prev
            out[:, k] = cur
        return out

    def save(self, path):
        raise NotImplementedError

    @classmethod
    def load(cls, path, device="auto"):
        raise NotImplementedError

    @classmethod
    def train(cls, train_store, settings, seed, device, out_dir, progress):
        raise NotImplementedError


def test_an_exact_continuation_stays_on_the_truth_for_the_whole_window():
    horizon = forecast_horizons(SineContinuation(), _truth(), n_starts=3, n_steps=500, history=10, seed=0)
    np.testing.assert_allclose(horizon, 500 * DT)


def test_a_wrong_frequency_leaves_the_truth_sooner_the_larger_the_error():
    truth = _truth()
    slight = forecast_horizons(SineContinuation(1.01), truth, n_starts=3, n_steps=2000, history=10, seed=0)
    large = forecast_horizons(SineContinuation(1.10), truth, n_starts=3, n_steps=2000, history=10, seed=0)
    assert np.all(large < slight) and np.all(slight < 2000 * DT)
    # |sin(wt+a) - sin(1.1wt+a)| first exceeds 0.5 * std = 0.354 near 0.1 w t ~ 0.36 (phase slip):
    assert large == pytest.approx(0.36 / (0.1 * OMEGA), rel=0.5)


def test_diverged_truth_is_left_out_and_the_result_lands_in_the_sweep_store():
    truth = _truth()
    truth["status"][1, :] = 1
    sweep = truth.copy()
    out = with_forecast_horizons(sweep, SineContinuation(), truth, n_starts=2, n_steps=100, history=10, seed=1)
    assert out["forecast_horizon"].dims == ("param",) and out["forecast_horizon"].attrs["units"] == "ms"
    assert np.isnan(out["forecast_horizon"].values[1]) and np.allclose(out["forecast_horizon"].values[[0, 2]], 1.0)


def test_bad_lengths_and_grids_are_clear_errors():
    with pytest.raises(ValueError, match="history \\+ n_steps = 3010"):
        forecast_horizons(SineContinuation(), _truth(), n_starts=1, n_steps=3000, history=10, seed=0)
    shifted = _truth().assign_coords(param=OMEGA + 1)
    with pytest.raises(ValueError, match="not on the sweep's control grid"):
        with_forecast_horizons(_truth(), SineContinuation(), shifted, 1, 10, 10, 0)
