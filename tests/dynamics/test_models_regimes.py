"""The dynamics toolkit on the ground-truth models: known regimes, excitability types and exponents."""

from dataclasses import replace

import numpy as np
import pytest

from neurorecon.dynamics import Regime, classify_trajectories, excitability_type, lyapunov_for_store
from neurorecon.models import get_model


def test_srk_rest_bursting_tonic_and_their_exponents(trajectory_store):
    ds = trajectory_store("srk", [-47.0, -38.0, -28.0], duration=300.0)
    lyap = lyapunov_for_store(ds, duration=150.0)
    out = classify_trajectories(ds, lyap)
    assert out["regime"].values[:, 0].tolist() == [Regime.REST, Regime.BURSTING, Regime.TONIC_SPIKING]
    assert out["spikes_per_burst_stable"].values[1, 0] and out["spikes_per_burst"].values[1, 0] > 5
    assert out["lyap_max"].values[0, 0] < -0.1
    np.testing.assert_allclose(out["lyap_max"].values[1:, 0], 0.0, atol=0.01)
    assert out["lyap_max"].attrs["units"] == "1/s" and out.attrs["lyap_duration"] == 150.0
    assert out.attrs["lyap_integrator"] == "dopri5"  # srk's integrator


def test_lyapunov_for_store_follows_the_models_integrator(trajectory_store):
    ds = trajectory_store("srk", [-47.0, -38.0], duration=100.0)
    adaptive = lyapunov_for_store(ds)
    fixed = lyapunov_for_store(ds, model=replace(get_model("srk"), integrator="rk4"))
    assert fixed.attrs["lyap_integrator"] == "rk4" and fixed.attrs["lyap_dt"] == 1e-3
    assert adaptive.attrs["lyap_renorm_interval"] == fixed.attrs["lyap_renorm_interval"] == 0.1
    np.testing.assert_allclose(adaptive["lyap_max"].values, fixed["lyap_max"].values, atol=0.01)


def test_hodgkin_huxley_tonic_at_10_and_type_two_onset_between_6_and_7(trajectory_store):
    current = np.arange(4.0, 12.01, 0.25)
    out = classify_trajectories(trajectory_store("hh", current, n_ic=2, transient=100.0, duration=400.0))
    assert (out["regime"].sel(param=10.0).values == Regime.TONIC_SPIKING).all()
    result = excitability_type(current, out["firing_rate"].max("ic").values)
    assert result.type == "II" and 6.0 <= result.onset <= 7.0


@pytest.mark.parametrize(
    ("parameter_set", "kind", "low", "high"), [("snic", "I", 35.0, 45.0), ("hopf", "II", 85.0, 100.0)]
)
def test_morris_lecar_excitability(trajectory_store, parameter_set, kind, low, high):
    current = np.arange(0.0, 120.01, 2.5)
    out = classify_trajectories(trajectory_store("morris_lecar", current, parameter_set=parameter_set, duration=3000.0))
    result = excitability_type(current, out["firing_rate"].max("ic").values)
    assert result.type == kind and low <= result.onset <= high


def test_hindmarsh_rose_bursting_and_chaos(trajectory_store):
    ds = trajectory_store("hindmarsh_rose", [2.0, 3.1], n_ic=2, duration=3000.0)
    out = classify_trajectories(ds, lyapunov_for_store(ds))
    assert (out["regime"].values[0] == Regime.BURSTING).all()
    assert (out["spikes_per_burst"].values[0] == 2).all()
    assert (out["regime"].values[1] == Regime.CHAOTIC).all()
    assert (out["lyap_max"].values[1] > 0.002).all()  # about 0.01 per time unit


def test_lyapunov_for_store_needs_final_states(trajectory_store):
    ds = trajectory_store("fitzhugh_nagumo", [0.5], duration=100.0)
    with pytest.raises(ValueError, match="final_state"):
        lyapunov_for_store(ds.drop_vars("final_state"))


# Control values that sit near each model's transitions, where a short record misleads first.
MIN_RECORD_CASES = [
    ("srk", None, [-46.0, -44.0, -40.0, -36.0, -30.0]),
    ("hh", None, [3.0, 6.5, 7.0, 10.0]),
    ("morris_lecar", "snic", [30.0, 41.0, 60.0, 130.0]),
    ("hindmarsh_rose", None, [1.2, 1.5, 2.0, 3.8]),
    ("fitzhugh_nagumo", None, [0.2, 0.5, 1.1, 1.45]),
]


@pytest.mark.parametrize(("name", "parameter_set", "values"), MIN_RECORD_CASES)
def test_min_record_decides_the_regimes_of_a_record_five_times_longer(trajectory_store, name, parameter_set, values):
    model = get_model(name)
    short = classify_trajectories(trajectory_store(name, values, n_ic=2, parameter_set=parameter_set,
                                        duration=model.min_record))
    long = classify_trajectories(trajectory_store(name, values, n_ic=2, parameter_set=parameter_set,
                                       duration=5 * model.min_record))
    assert short["regime"].values.tolist() == long["regime"].values.tolist()
    assert len(np.unique(long["regime"].values)) >= 2  # the values straddle a transition
    with pytest.raises(ValueError, match=f"at least {model.min_record:g} {model.time_label}"):
        classify_trajectories(trajectory_store(name, values[:1], parameter_set=parameter_set, duration=0.5 * model.min_record))
