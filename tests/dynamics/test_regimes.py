"""Regime classification of synthetic traces with known structure, and the store glue."""

import json

import numpy as np
import pytest
import xarray as xr

from neurorecon.dynamics.regimes import (
    ClassifierSettings,
    Regime,
    classify,
    classify_trajectories,
    regime_attrs,
)
from neurorecon.dynamics.spikes import detect_spikes

from . import REST_MV, THRESHOLD_MV, burst_times, spike_train

T = np.arange(0.0, 2000.0, 0.1)


def tonic(period=20.0, t=T):
    return spike_train(np.arange(7.0, t[-1], period), t)


def bursting(k=4, t=T):
    return spike_train(burst_times(int(t[-1] // 100.0) + 1, k, intra=3.0, period=100.0, start=40.0), t)


def sine(amplitude=5.0, period=50.0, t=T):
    return REST_MV + amplitude * np.sin(2 * np.pi * t / period)


def run(traces, lyap=None, settings=ClassifierSettings(), t=T):
    """Classify a list of traces as one parameter value with several initial states."""
    observed = np.stack(traces)[None]
    return classify(observed, t, THRESHOLD_MV, None if lyap is None else np.asarray(lyap)[None], settings)


def test_regular_train_is_tonic_with_its_rate():
    result = run([tonic(20.0), tonic(12.5)])
    assert result["regime"].tolist() == [[Regime.TONIC_SPIKING] * 2]
    np.testing.assert_allclose(result["firing_rate"][0], [0.05, 0.08], rtol=1e-9)
    np.testing.assert_allclose(result["isi_cv"][0], 0.0, atol=1e-9)
    assert result["n_spikes"][0].tolist() == [100, 160]
    assert np.isnan(result["spikes_per_burst"]).all()


@pytest.mark.parametrize("k", [2, 3, 7])
def test_bursts_of_k_spikes(k):
    result = run([bursting(k)])
    assert result["regime"][0, 0] == Regime.BURSTING
    assert result["spikes_per_burst"][0, 0] == k
    assert result["spikes_per_burst_stable"][0, 0]


def test_ripple_is_not_double_counted():
    x = spike_train(np.arange(30.0, T[-1], 60.0), T, width=8.0)  # slow flanks
    x += 2.0 * np.sin(2 * np.pi * T / 0.4)  # a ripple of +-2 mV: several crossings per flank
    assert detect_spikes(x, T, THRESHOLD_MV, hysteresis=0.0).counts[0] > 33
    result = run([x])
    assert result["regime"][0, 0] == Regime.TONIC_SPIKING
    assert result["n_spikes"][0, 0] == 33
    assert result["firing_rate"][0, 0] == pytest.approx(1.0 / 60.0, rel=1e-6)


def test_non_finite_or_unbounded_traces_are_divergent():
    with_nan, with_inf, huge = tonic(), tonic(), tonic()
    with_nan[5000:] = np.nan
    with_inf[-1] = np.inf
    huge[7000] = 1e7
    result = run([with_nan, with_inf, huge, tonic()], lyap=[1.0, 1.0, 1.0, 0.0])
    assert result["regime"][0].tolist() == [Regime.DIVERGENT] * 3 + [Regime.TONIC_SPIKING]
    assert result["n_spikes"][0, :3].tolist() == [0, 0, 0]
    assert np.isnan(result["firing_rate"][0, :3]).all()
    assert result["multistable"].tolist() == [True]


def test_quiet_traces():
    flat = np.full(T.size, REST_MV)
    noisy_flat = flat + 1e-5 * np.random.default_rng(0).standard_normal(T.size)
    decaying = REST_MV + 5.0 * np.exp(-T / 200.0) * np.sin(2 * np.pi * T / 50.0)
    drift = REST_MV + 2.0 * T / T[-1]  # slow monotone relaxation, no oscillation
    result = run([flat, noisy_flat, decaying, drift, sine(5.0), sine(0.5, period=7.0)])
    assert result["regime"][0].tolist() == [Regime.REST] * 4 + [Regime.SUBTHRESHOLD_OSCILLATION] * 2
    assert (result["firing_rate"][0] == 0).all() and (result["n_spikes"][0] == 0).all()


def test_spiking_that_stops_is_rest():
    x = spike_train([50.0, 100.0, 150.0], T)
    result = run([x, spike_train([1900.0, 1950.0], T)])
    assert result["regime"][0].tolist() == [Regime.REST, Regime.TONIC_SPIKING]
    assert result["n_spikes"][0].tolist() == [3, 2] and result["firing_rate"][0, 0] == 0.0
    # unless the silence is allowed, or the spikes fall in a discarded transient
    assert run([x], settings=ClassifierSettings(max_silence=100.0))["regime"][0, 0] == Regime.TONIC_SPIKING
    transient = run([x], settings=ClassifierSettings(transient=200.0))
    assert transient["regime"][0, 0] == Regime.REST and transient["n_spikes"][0, 0] == 0


def test_chaos_needs_a_clearly_positive_exponent():
    traces = [tonic(20.0), bursting(4), sine(5.0), np.full(T.size, REST_MV), tonic(20.0), tonic(20.0)]
    # tonic at 0.05 spikes per time unit: the default threshold is 0.02 * 0.05 = 1e-3
    lyap = [0.01, 0.01, 0.01, 0.01, 5e-4, np.nan]
    result = run(traces, lyap=lyap)
    assert result["regime"][0].tolist() == [Regime.CHAOTIC] * 3 + [Regime.REST] + [Regime.TONIC_SPIKING] * 2
    assert result["spikes_per_burst"][0, 1] == 4  # chaotic bursting keeps its burst statistics
    stricter = run(traces, lyap=lyap, settings=ClassifierSettings(lyap_abs_tol=0.02))
    assert Regime.CHAOTIC not in stricter["regime"]


def test_multistability_per_parameter_value():
    observed = np.stack([np.stack([tonic(), tonic(25.0)]), np.stack([tonic(), np.full(T.size, REST_MV)])])
    result = classify(observed, T, THRESHOLD_MV)
    assert result["multistable"].tolist() == [False, True]
    assert result["regime"].shape == (2, 2) and result["regime"].dtype == np.int8


def test_regime_flags():
    attrs = regime_attrs()
    assert attrs["flag_values"].tolist() == [0, 1, 2, 3, 4, 5] and attrs["flag_values"].dtype == np.int8
    assert attrs["flag_meanings"].split() == [
        "rest", "subthreshold_oscillation", "tonic_spiking", "bursting", "chaotic", "divergent"
    ]


def test_full_size_sweep_of_mixed_regimes_is_classified_per_trace():
    # Timing of this size lives in benchmarks/classify.py; here only the answers are checked.
    t = np.arange(60_000) * 0.1
    kinds = [tonic(20.0, t), bursting(5, t), sine(5.0, t=t), np.full(t.size, REST_MV), tonic(9.0, t)]
    observed = np.stack([kinds[i % len(kinds)] for i in range(41 * 4)]).astype(np.float32).reshape(41, 4, -1)
    result = classify(observed, t, THRESHOLD_MV, lyap_max=np.zeros((41, 4)))
    expected = [Regime.TONIC_SPIKING, Regime.BURSTING, Regime.SUBTHRESHOLD_OSCILLATION, Regime.REST]
    expected.append(Regime.TONIC_SPIKING)
    assert result["regime"].reshape(-1).tolist() == [expected[i % 5] for i in range(164)]


def trajectory_store(n_ic=2):
    """A small synthetic store in the trajectory layout: 3 param values x n_ic initial states."""
    traces = np.stack([
        np.stack([np.full(T.size, REST_MV)] * n_ic),
        np.stack([bursting(3)] * n_ic),
        np.stack([tonic(20.0)] + [np.full(T.size, REST_MV)] * (n_ic - 1)),
    ]).astype(np.float32)
    return xr.Dataset(
        {
            "V": (("param", "ic", "time"), traces, {"units": "mV"}),
            "n": (("param", "ic", "time"), np.zeros_like(traces), {"units": "1"}),
            "status": (("param", "ic"), np.zeros((3, n_ic), dtype=np.int8)),
        },
        coords={
            "param": ("param", [1.0, 2.0, 3.0], {"units": "uA/cm^2", "long_name": "injected current"}),
            "ic": ("ic", np.arange(n_ic)),
            "time": ("time", T, {"units": "ms"}),
        },
        attrs={
            "kind": "trajectories", "model": "toy", "observed": "V", "spike_threshold": THRESHOLD_MV,
            "time_unit": "ms", "control": "I", "created_utc": "2026-01-01T00:00:00", "seed": 3,
        },
    )


def test_classify_trajectories_builds_the_regime_store(tmp_path):
    ds = trajectory_store()
    ds["status"][0, 1] = 1
    out = classify_trajectories(ds, lyap_max=xr.DataArray(np.zeros((2, 3)), dims=("ic", "param")), k_max=8)
    assert out.attrs["kind"] == "regimes" and out.attrs["model"] == "toy" and out.attrs["control"] == "I"
    assert "created_utc" not in out.attrs and "seed" not in out.attrs
    assert json.loads(out.attrs["classifier"])["burst_ratio"] == ClassifierSettings().burst_ratio
    assert out["param"].attrs["units"] == "uA/cm^2"
    assert out["regime"].dims == ("param", "ic") and out["regime"].dtype == np.int8
    assert out["regime"].values.tolist() == [
        [Regime.REST, Regime.DIVERGENT], [Regime.BURSTING] * 2, [Regime.TONIC_SPIKING, Regime.REST]
    ]
    assert out["multistable"].values.tolist() == [True, False, True]
    assert out["spikes_per_burst"].values[1].tolist() == [3.0, 3.0]
    assert out["firing_rate"].attrs["units"] == "1/ms"
    np.testing.assert_allclose(out["lyap_max"].values, 0.0)
    assert out["isi"].dims == ("param", "ic", "isi_index") and out.sizes["isi_index"] == 8
    assert out["peak"].dims == ("param", "ic", "peak_index")
    np.testing.assert_allclose(out["isi"].values[2, 0], 20.0, rtol=1e-4)
    np.testing.assert_allclose(out["peak"].values[2, 0], 25.0, atol=0.1)
    assert np.isnan(out["isi"].values[0]).all()
    assert set(out["regime"].attrs) >= {"flag_values", "flag_meanings"}

    out.to_zarr(tmp_path / "regimes.zarr", mode="w", consolidated=False)
    back = xr.open_zarr(tmp_path / "regimes.zarr", consolidated=False).load()
    xr.testing.assert_identical(back["regime"].drop_attrs(), out["regime"].drop_attrs())
    assert list(back["regime"].attrs["flag_values"]) == [0, 1, 2, 3, 4, 5]


def test_classify_trajectories_without_lyapunov_has_no_chaos():
    out = classify_trajectories(trajectory_store(n_ic=1))
    assert np.isnan(out["lyap_max"].values).all()
    assert out["regime"].values[:, 0].tolist() == [Regime.REST, Regime.BURSTING, Regime.TONIC_SPIKING]


def test_not_a_trajectory_store_is_a_clear_error():
    ds = trajectory_store()
    with pytest.raises(ValueError, match="no attribute 'kind'"):
        classify_trajectories(ds.drop_attrs())
    wrong = ds.copy()
    wrong.attrs["kind"] = "regimes"
    with pytest.raises(ValueError, match="kind='regimes'"):
        classify_trajectories(wrong)
    with pytest.raises(ValueError, match="observed variable 'V' missing"):
        classify_trajectories(ds.drop_vars("V"))
    with pytest.raises(ValueError, match="expected a trajectory store"):
        classify_trajectories(ds["V"])
    with pytest.raises(ValueError, match="lyap_max has shape"):
        classify_trajectories(ds, lyap_max=np.zeros((2, 3)))
