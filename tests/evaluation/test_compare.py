"""Comparison metrics on cases with known answers."""

import numpy as np
import pytest
import xarray as xr

from neurorecon.dynamics.regimes import Regime, regime_attrs
from neurorecon.evaluation.compare import (
    CompareSettings,
    compare_stores,
    isi_distance,
    lyapunov_sign,
    regime_agreement,
    regime_confusion,
    relative_error,
    seen_mask,
    spectrum_hellinger,
    state_space_divergence,
    summarise,
    transition_errors,
)

R, B, T = int(Regime.REST), int(Regime.BURSTING), int(Regime.TONIC_SPIKING)
PARAM = np.arange(10.0)


def _sines(freqs, n=4000, dt=0.01, ic=2, phase=0.0):
    t = np.arange(n) * dt
    return np.stack([[np.sin(2 * np.pi * f * t + phase + k) for k in range(ic)] for f in freqs])


def test_identical_regimes_agree_everywhere_and_have_no_transition_error():
    regime = np.repeat(np.array([R] * 3 + [B] * 4 + [T] * 3)[:, None], 2, axis=1)
    assert regime_agreement(regime, regime).all()
    rows = transition_errors(PARAM, regime, regime)
    assert [r["kind"] for r in rows] == ["rest->bursting", "bursting->tonic_spiking"]
    assert [r["error"] for r in rows] == [0.0, 0.0]


def test_shifted_regime_boundary_gives_the_shift():
    truth = np.repeat(np.array([R] * 3 + [B] * 4 + [T] * 3)[:, None], 2, axis=1)
    shifted = np.repeat(np.array([R] * 5 + [B] * 3 + [T] * 2)[:, None], 2, axis=1)
    rows = transition_errors(PARAM, truth, shifted)
    assert [r["error"] for r in rows] == [2.0, 1.0]
    assert regime_agreement(truth, shifted).sum() == 7


def test_missing_transition_is_nan_and_window_limits_matches():
    truth = np.repeat(np.array([R] * 3 + [B] * 7)[:, None], 1, axis=1)
    never = np.full((10, 1), B)
    assert np.isnan(transition_errors(PARAM, truth, never)[0]["error"])
    far = np.repeat(np.array([R] * 8 + [B] * 2)[:, None], 1, axis=1)
    assert transition_errors(PARAM, truth, far)[0]["error"] == 5.0
    assert np.isnan(transition_errors(PARAM, truth, far, window=2.0)[0]["error"])


def test_regime_confusion_counts_dominant_regime_pairs():
    # dominant regimes (ties go to the lower code, T=2 < B=3): truth R R B B T, surrogate R B T T T
    truth = np.array([[R, R], [R, B], [B, B], [B, B], [T, T]])
    surrogate = np.array([[R, R], [B, B], [B, T], [T, T], [T, T]])
    counts = regime_confusion(truth, surrogate)
    expected = np.zeros((6, 6), dtype=np.int64)
    expected[R, R] = 1
    expected[R, B] = 1
    expected[B, T] = 2
    expected[T, T] = 1
    np.testing.assert_array_equal(counts, expected)
    assert np.trace(counts) == regime_agreement(truth, surrogate).sum() == 2
    assert regime_confusion(truth[:0], surrogate[:0]).sum() == 0


def test_seen_mask_marks_training_values_only():
    np.testing.assert_array_equal(seen_mask([0.0, 0.5, 1.0 + 1e-12, 1.5], [1.0, 0.5]), [False, True, True, False])
    assert not seen_mask([0.0, 1.0], []).any()


def test_relative_error_of_medians():
    truth = np.array([[2.0, 2.0], [0.0, 0.0], [4.0, 4.0]])
    surrogate = np.array([[1.0, 3.0], [1.0, 1.0], [5.0, 5.0]])
    np.testing.assert_allclose(relative_error(truth, surrogate), [0.0, np.nan, 0.25])


def test_isi_distance_zero_for_identical_and_log_shift_for_scaled():
    isi = np.abs(np.random.default_rng(0).normal(1.0, 0.1, (2, 2, 50)))
    np.testing.assert_allclose(isi_distance(isi, isi), 0.0)
    np.testing.assert_allclose(isi_distance(isi, 10 * isi), 1.0)  # one decade
    empty = np.full((2, 2, 50), np.nan)
    np.testing.assert_array_equal(isi_distance(empty, empty), [0.0, 0.0])
    assert np.isnan(isi_distance(isi, empty)).all()


def test_spectrum_hellinger_zero_for_same_dynamics_and_large_for_other_frequency():
    x = _sines([1.0, 2.0])
    same_freq_other_phase = _sines([1.0, 2.0], phase=1.0)
    np.testing.assert_allclose(spectrum_hellinger(x, same_freq_other_phase), 0.0, atol=1e-3)
    other = _sines([3.0, 7.0])
    assert (spectrum_hellinger(x, other) > 0.9).all()
    flat = np.zeros_like(x)
    assert np.isnan(spectrum_hellinger(x, flat)).all()


def test_state_space_divergence_zero_for_identical_and_grows_with_mismatch():
    x = _sines([1.0, 1.0])
    np.testing.assert_allclose(state_space_divergence(x, x), 0.0, atol=1e-12)
    small = state_space_divergence(x, 0.9 * x)
    large = state_space_divergence(x, 0.3 * x)
    assert (small > 0).all() and (large > small).all()


def test_lyapunov_sign_classes_with_dead_zone():
    lyap = np.array([[-1.0, -1.0], [0.001, -0.001], [0.5, 0.4], [np.nan, np.nan]])
    assert lyapunov_sign(lyap, tolerance=0.01).tolist() == [-1, 0, 1, 0]


def _regime_store(regime, rate):
    dims = ("param", "ic")
    isi = np.where(rate[..., None] > 0, 1.0 / np.where(rate > 0, rate, 1)[..., None], np.nan) * np.ones(5)
    return xr.Dataset(
        {
            "regime": (dims, regime, regime_attrs()),
            "firing_rate": (dims, rate),
            "spikes_per_burst": (dims, np.where(regime == B, 5.0, np.nan)),
            "lyap_max": (dims, np.where(regime == R, -0.5, 0.0)),
            "isi": (("param", "ic", "isi_index"), isi),
        },
        coords={"param": PARAM[: regime.shape[0]], "ic": np.arange(regime.shape[1])},
    )


def _trace_store(x):
    return xr.Dataset({"V": (("param", "ic", "time"), x)},
                      coords={"param": PARAM[: x.shape[0]], "ic": np.arange(x.shape[1])},
                      attrs={"observed": "V"})


def test_compare_stores_of_identical_stores_is_perfect_and_marks_seen_values():
    regime = np.repeat(np.array([R, R, B, B, T, T])[:, None], 2, axis=1)
    rate = np.where(regime == R, 0.0, 2.0)
    regimes = _regime_store(regime, rate)
    traces = _trace_store(_sines([0.5] * 6))
    per_param, transitions = compare_stores(regimes, regimes, traces, traces, train_values=[2.0, 3.0])
    assert per_param["seen"].tolist() == [False, False, True, True, False, False]
    assert per_param["regime_agree"].all() and (per_param["lyap_sign_agree"] == 1.0).all()
    np.testing.assert_allclose(per_param["state_space_divergence"], 0.0, atol=1e-12)
    assert transitions["error"].tolist() == [0.0, 0.0]
    summary = summarise(per_param, transitions)
    assert summary["regime_agreement_unseen"] == 1.0 and summary["n_unseen"] == 4
    assert summary["firing_rate_rel_error_tonic_median"] == 0.0


def test_compare_refuses_different_grids():
    regime = np.full((4, 1), R)
    regimes = _regime_store(regime, np.zeros((4, 1)))
    other = regimes.assign_coords(param=regimes["param"] + 0.5)
    traces = _trace_store(_sines([0.5] * 4, ic=1))
    with pytest.raises(ValueError, match="control grid"):
        compare_stores(regimes, other, traces, traces, [], CompareSettings())


def test_forecast_horizon_known_cases():
    from neurorecon.evaluation.compare import forecast_horizon

    t = np.arange(1000) * 0.01
    truth = np.sin(2 * np.pi * t)[None, :].repeat(3, axis=0)
    prediction = truth.copy()
    prediction[1, 400:] += 10.0  # leaves the truth at sample 400
    prediction[2, :] = np.nan
    np.testing.assert_allclose(forecast_horizon(truth, prediction, 0.01), [10.0, 4.0, 0.0])


def test_lyapunov_sign_agreement_is_unknown_without_surrogate_exponents():
    regime = np.full((3, 1), R)
    truth = _regime_store(regime, np.zeros((3, 1)))
    surrogate = truth.copy()
    surrogate["lyap_max"] = surrogate["lyap_max"] * np.nan
    traces = _trace_store(_sines([0.5] * 3, ic=1))
    per_param, transitions = compare_stores(truth, surrogate, traces, traces, [])
    assert per_param["lyap_sign_agree"].isna().all()
    assert np.isnan(summarise(per_param, transitions)["lyap_sign_agreement_unseen"])


def _rate_store(param, rate, current=True):
    import xarray as xr
    ds = xr.Dataset({"firing_rate": (("param", "ic"), np.stack([rate, np.zeros_like(rate)], axis=1))},
                    coords={"param": param, "ic": [0, 1]})
    ds.attrs["control_is_current"] = int(current)
    return ds


def test_excitability_comparison_reads_type_and_onset_from_each_f_i_curve():
    from neurorecon.evaluation.compare import excitability_comparison

    param = np.linspace(0.0, 20.0, 41)
    jump = np.where(param >= 6.5, 0.06 + 0.001 * param, 0.0)  # firing starts at a finite rate: type II
    root = np.where(param >= 4.0, 0.02 * np.sqrt(np.clip(param - 3.9, 0.0, None)), 0.0)  # from ~zero: type I
    result = excitability_comparison(_rate_store(param, jump), _rate_store(param, root))
    assert (result["excitability_truth"], result["excitability_surrogate"]) == ("II", "I")
    assert result["onset_truth"] == 6.5 and result["onset_surrogate"] == 4.0
    assert result["onset_error"] == -2.5
    assert excitability_comparison(_rate_store(param, jump, current=False), _rate_store(param, root)) == {}
