"""The nearest-training-value null baseline on hand-made regime maps with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurorecon.dynamics.regimes import Regime
from neurorecon.evaluation.baseline import (
    NAME,
    nearest_regimes,
    nearest_training_index,
    nearest_value_stores,
    score_baseline,
)
from neurorecon.evaluation.compare import regime_agreement, seen_mask

R, T, B = Regime.REST, Regime.TONIC_SPIKING, Regime.BURSTING
N_IC = 2


def test_nearest_index_ties_go_to_the_lower_training_value():
    # midway between 2 and 6 (4.0) and, with the values given high to low, still the lower one
    assert nearest_training_index([0.0, 3.9, 4.0, 4.1, 10.0], [2.0, 6.0]).tolist() == [0, 0, 0, 1, 1]
    assert nearest_training_index([0.0, 3.9, 4.0, 4.1, 10.0], [6.0, 2.0]).tolist() == [1, 1, 1, 0, 0]
    # a float grid whose midpoint is not exact
    grid = np.linspace(-48.0, -24.0, 41)
    index = nearest_training_index(grid, [-40.0, -38.0, -36.0])
    assert index[np.isclose(grid, -39.0)].tolist() == [0]  # -39 is midway: -40
    assert nearest_training_index([5.0], [1.0]).tolist() == [0]
    with pytest.raises(ValueError):
        nearest_training_index([1.0], [])


# Hand-made map: held-out grid 0..10 (step 1), training values 2 (rest) and 6 (tonic spiking).
# Truth: rest on 0-2, tonic on 3-7, bursting on 8-10. Baseline: rest on 0-4 (4 is a tie -> 2),
# tonic on 5-10. Unseen: the nine values other than 2 and 6; the baseline agrees on 0, 1, 5, 7.
GRID = np.arange(11.0)
TRAIN = [2.0, 6.0]
TRUTH = np.array([R] * 3 + [T] * 5 + [B] * 3)
BASELINE = np.array([R] * 5 + [T] * 6)


def test_nearest_regimes_on_the_hand_made_map():
    train_regime = np.array([[R] * N_IC, [T] * N_IC])
    codes = nearest_regimes(GRID, TRAIN, train_regime)
    assert codes.shape == (GRID.size, N_IC)
    assert codes[:, 0].tolist() == BASELINE.tolist()
    truth = np.repeat(TRUTH[:, None], N_IC, axis=1)
    agree = regime_agreement(truth, codes)
    unseen = ~seen_mask(GRID, TRAIN)
    assert agree[unseen].sum() == 4 and unseen.sum() == 9


def _regimes(param, codes, rate) -> xr.Dataset:
    """A regime store as classify_store writes it, with the fields compare_stores reads."""
    n = len(param)
    codes = np.repeat(np.asarray(codes, dtype=np.int8)[:, None], N_IC, axis=1)
    rate = np.repeat(np.asarray(rate, dtype=np.float64)[:, None], N_IC, axis=1)
    spikes = np.where(codes == B, 4.0, np.nan)
    return xr.Dataset(
        {"regime": (("param", "ic"), codes), "firing_rate": (("param", "ic"), rate),
         "spikes_per_burst": (("param", "ic"), spikes), "lyap_max": (("param", "ic"), np.full((n, N_IC), -1.0)),
         "isi": (("param", "ic", "isi_index"), np.where(rate[..., None] > 0, 1.0 / np.maximum(rate, 1e-9)[..., None],
                                                        np.nan) * np.ones((1, 1, 3)))},
        coords={"param": np.asarray(param, dtype=np.float64), "ic": np.arange(N_IC)},
        attrs={"kind": "regimes"},
    )


def _traces(param, level) -> xr.Dataset:
    n = len(param)
    time = np.arange(64) * 0.1
    x = np.asarray(level, dtype=np.float64)[:, None, None] + np.sin(time)[None, None, :] * np.ones((n, N_IC, 1))
    return xr.Dataset({"V": (("param", "ic", "time"), x)},
                      coords={"param": np.asarray(param, dtype=np.float64), "ic": np.arange(N_IC), "time": time},
                      attrs={"kind": "trajectories", "observed": "V"})


def _rate(codes):
    return np.where(np.asarray(codes) == R, 0.0, np.where(np.asarray(codes) == T, 10.0, 5.0))


def test_score_on_the_hand_made_map_gives_the_known_answers():
    truth_regimes = _regimes(GRID, TRUTH, _rate(TRUTH) * (1 + GRID / 100))  # rates change along the grid
    truth_traces = _traces(GRID, GRID)
    train = np.array(TRAIN)
    train_codes = np.array([R, T])
    train_regimes = _regimes(train, train_codes, _rate(train_codes))
    train_traces = _traces(train, train)

    per_param, transitions, summary = score_baseline(truth_regimes, truth_traces, train_regimes, train_traces)

    assert per_param["surrogate_regime"].tolist() == [Regime(c).name.lower() for c in BASELINE]
    assert per_param["seen"].tolist() == [p in TRAIN for p in GRID]
    assert summary["n_unseen"] == 9
    assert summary["regime_agreement_unseen"] == pytest.approx(4 / 9)
    assert summary["regime_agreement_seen"] == 1.0  # the training values themselves
    assert summary["surrogate"] == NAME and summary["train_values"] == TRAIN
    # truth: rest->tonic at 2.5 and tonic->bursting at 7.5; the baseline's one transition,
    # rest->tonic at 4.5 (between 4 and 5), matches the first 2.0 too high; bursting never appears
    rows = {row["kind"]: row for row in summary["transitions"]}
    assert rows["rest->tonic_spiking"]["truth"] == 2.5
    assert rows["rest->tonic_spiking"]["error"] == pytest.approx(2.0)
    assert rows["tonic_spiking->bursting"]["truth"] == 7.5 and rows["tonic_spiking->bursting"]["error"] is None
    assert list(transitions["kind"]) == ["rest->tonic_spiking", "tonic_spiking->bursting"]
    # firing rate: at unseen tonic values 3, 4 the baseline says rest (rate 0: error 100 %), at 5, 7
    # it says 10 where the truth says 10 * (1 + p / 100)
    tonic = per_param[(per_param["truth_regime"] == "tonic_spiking") & ~per_param["seen"]]
    expected = [1.0, 1.0, 1 - 1 / 1.05, 1 - 1 / 1.07]
    assert tonic["firing_rate_rel_error"].to_numpy() == pytest.approx(expected)
    assert summary["firing_rate_rel_error_tonic_median"] == pytest.approx(np.median(expected))
    assert np.isnan(summary["forecast_horizon_median"])  # the baseline forecasts nothing


def test_reindexed_stores_stand_on_the_grid_and_refuse_mismatched_training_stores():
    train = np.array(TRAIN)
    regimes, traces = nearest_value_stores(_regimes(train, [R, T], [0.0, 10.0]), _traces(train, train), GRID)
    assert regimes["param"].values.tolist() == GRID.tolist() == traces["param"].values.tolist()
    assert traces["V"].isel(param=4, ic=0, time=0).item() == 2.0  # grid value 4 -> training value 2
    with pytest.raises(ValueError, match="same control values"):
        nearest_value_stores(_regimes(train, [R, T], [0.0, 10.0]), _traces(np.array([2.0, 7.0]), train), GRID)
