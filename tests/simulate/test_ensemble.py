"""Ensemble simulator: determinism, chunk invariance, divergence detection, input checks; both
integrators (fixed-step RK4, adaptive Dormand–Prince 5(4)) against exact solutions."""

import numba
import numpy as np
import pytest

from neurorecon.models import ControlParameter, ModelError, NeuronModel, get_model
from neurorecon.simulate import SimulationSpec, simulate


@numba.njit
def _blowup_rhs(y, p, dydt):
    # dx/dt = x^2 + I: from x0 > 0 reaches infinity at finite time ~ 1/x0 (for I = 0).
    dydt[0] = y[0] * y[0] + p[0]


BLOWUP = NeuronModel(
    name="blowup", title="finite-time blow-up", reference="dx/dt = x^2 + I (textbook)",
    state_names=("x",), state_units=("1",), time_unit="1", observed="x",
    control=ControlParameter("I", "1", "offset", (-1.0, 1.0)), parameter_names=("I",),
    parameter_sets={"default": {"I": 0.0}}, default_set="default", rhs=_blowup_rhs,
    dt=1e-3, sample_dt=1e-2, transient=0.0, duration=3.0, ic_low=(0.5,), ic_high=(0.6,),
    spike_threshold=1.0, min_record=1.0,
)


@numba.njit
def _oscillator_rhs(y, p, dydt):
    # x'' = -w^2 x: x(t) = x0 cos(w t) + v0 / w sin(w t)
    dydt[0] = y[1]
    dydt[1] = -p[0] * p[0] * y[0]


OSCILLATOR = NeuronModel(
    name="oscillator", title="harmonic oscillator", reference="x'' = -w^2 x (textbook)",
    state_names=("x", "v"), state_units=("1", "1"), time_unit="1", observed="x",
    control=ControlParameter("w", "1", "angular frequency", (0.1, 100.0)), parameter_names=("w",),
    parameter_sets={"default": {"w": 1.0}}, default_set="default", rhs=_oscillator_rhs,
    dt=1e-3, sample_dt=0.25, transient=0.0, duration=20.0, ic_low=(0.5, -1.0), ic_high=(1.0, 1.0),
    spike_threshold=0.0, min_record=1.0, integrator="dopri5", rtol=1e-6, atol=1e-9,
)

INTEGRATORS = ["rk4", "dopri5"]


@pytest.mark.parametrize("integrator", INTEGRATORS)
def test_same_seed_gives_identical_arrays(integrator):
    model = get_model("fitzhugh_nagumo")
    spec = SimulationSpec(control_values=[0.3, 0.6], n_ic=3, seed=7, transient=10, duration=50,
                          integrator=integrator)
    a, b = simulate(model, spec), simulate(model, spec)
    np.testing.assert_array_equal(a.trajectories, b.trajectories)
    np.testing.assert_array_equal(a.initial_states, b.initial_states)


@pytest.mark.parametrize("integrator", INTEGRATORS)
def test_chunking_of_control_values_does_not_change_results(integrator):
    model = get_model("fitzhugh_nagumo")
    settings = {"n_ic": 2, "seed": 3, "transient": 5, "duration": 20, "integrator": integrator}
    whole = simulate(model, SimulationSpec(control_values=[0.2, 0.5, 0.9], **settings))
    part = simulate(model, SimulationSpec(control_values=[0.5, 0.9], **settings))
    np.testing.assert_array_equal(whole.trajectories[1:], part.trajectories)


@pytest.mark.parametrize("integrator", INTEGRATORS)
def test_block_size_does_not_change_results(integrator):
    model = get_model("fitzhugh_nagumo")
    spec = SimulationSpec(control_values=[0.5], n_ic=1, transient=3, duration=40, integrator=integrator)
    coarse = simulate(model, spec, block_seconds=10.0)
    fine = simulate(model, spec, block_seconds=1e-9)
    np.testing.assert_array_equal(coarse.trajectories, fine.trajectories)
    np.testing.assert_array_equal(coarse.final_states, fine.final_states)


def test_rk4_matches_exact_solution_below_blowup():
    # x' = x^2 has x(t) = x0 / (1 - x0 t).
    spec = SimulationSpec(control_values=[0.0], n_ic=1, seed=0, transient=0.0, duration=1.0)
    result = simulate(BLOWUP, spec)
    x0 = result.initial_states[0, 0]
    exact = x0 / (1.0 - x0 * result.time)
    np.testing.assert_allclose(result.trajectories[0, 0, 0], exact, rtol=1e-6)


@pytest.mark.parametrize("integrator", INTEGRATORS)
def test_divergence_is_flagged_and_not_propagated_silently(integrator):
    spec = SimulationSpec(control_values=[0.0, -1.0], n_ic=1, transient=0.0, duration=3.0,
                          integrator=integrator)
    result = simulate(BLOWUP, spec)
    # I = 0: blows up near t = 1/x0 < 2; I = -1: x0 < 1 decays to the stable point x = -1.
    assert result.status[0, 0] != 0
    assert result.status[1, 0] == 0
    x = result.trajectories[0, 0, 0]
    assert np.isnan(x[-1]) and np.isfinite(x[0])
    assert np.all(np.isfinite(result.trajectories[1]))
    assert np.all(np.isnan(result.final_states[0])) and np.all(np.isfinite(result.final_states[1]))


def test_dopri5_matches_exact_solution_below_blowup():
    # x' = x^2 steepens towards the blow-up; the step shrinks and the error stays at the tolerance
    spec = SimulationSpec(control_values=[0.0], transient=0.0, duration=1.0, integrator="dopri5",
                          rtol=1e-9, atol=1e-12)
    result = simulate(BLOWUP, spec)
    x0 = result.initial_states[0, 0]
    exact = x0 / (1.0 - x0 * result.time)
    np.testing.assert_allclose(result.trajectories[0, 0, 0], exact, rtol=1e-6)


@pytest.mark.parametrize(("rtol", "bound"), [(1e-6, 2e-5), (1e-8, 3e-7)])  # samples are float32
def test_dopri5_dense_output_between_steps_is_as_accurate_as_the_steps(rtol, bound):
    # samples every 0.25 with steps of ~0.1-1: nearly every sample is read off the continuous
    # extension; its error follows the tolerance (a linear interpolant would be off by ~1e-2)
    spec = SimulationSpec(control_values=[1.0, 3.0], n_ic=2, seed=1, transient=0.0, duration=20.0,
                          rtol=rtol, atol=rtol * 1e-3)
    result = simulate(OSCILLATOR, spec)
    x0, v0 = result.initial_states[:, 0], result.initial_states[:, 1]
    w = result.control_values[:, None, None]
    t = result.time[None, None, :]
    exact = x0[None, :, None] * np.cos(w * t) + (v0 / result.control_values[:, None])[..., None] * np.sin(w * t)
    error = np.abs(result.trajectories[:, :, 0].astype(np.float64) - exact)
    assert error.max() < bound
    # each trajectory takes its own steps: three times the frequency, about three times the steps
    ratio = result.steps[1].mean() / result.steps[0].mean()
    assert 2.5 < ratio < 3.5
    assert np.all(result.rhs_evaluations >= 6 * result.steps)


@pytest.mark.parametrize(("field", "value", "message"), [("integrator", "euler", "integrator"),
                                                         ("rtol", 0.0, "rtol"), ("atol", -1.0, "atol")])
def test_bad_integrator_settings_raise_model_error(field, value, message):
    spec = SimulationSpec(control_values=[1.0], duration=1.0, **{field: value})
    with pytest.raises(ModelError, match=message):
        simulate(OSCILLATOR, spec)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration", -1.0, "duration"),
        ("duration", float("nan"), "duration"),
        ("dt", 0.0, "dt"),
        ("transient", float("inf"), "transient"),
        ("sample_dt", 0.015, "multiple"),
        ("control_values", [0.1, float("nan")], "not finite"),
        ("control_values", [], "no values"),
        ("n_ic", 0, "initial states"),
    ],
)
def test_bad_settings_raise_model_error_naming_them(field, value, message):
    spec = {"control_values": [0.5], "n_ic": 1, "dt": 0.01, "sample_dt": 0.1, "duration": 1.0}
    spec[field] = value
    with pytest.raises(ModelError, match=message):
        simulate(get_model("fitzhugh_nagumo"), SimulationSpec(**spec))


def test_transient_rounded_to_whole_samples_keeps_time_axis_exact():
    model = get_model("fitzhugh_nagumo")
    # transient 5.1 is not a whole number of 0.4 sampling intervals: 13 intervals (5.2) are integrated
    rounded = simulate(model, SimulationSpec(control_values=[0.5], transient=5.1, duration=4.0,
                                             dt=0.2, sample_dt=0.4))
    exact = simulate(model, SimulationSpec(control_values=[0.5], transient=0.0, duration=9.2,
                                           dt=0.2, sample_dt=0.4))
    assert rounded.transient == pytest.approx(5.2)
    np.testing.assert_allclose(rounded.time, exact.time[-10:])
    np.testing.assert_array_equal(rounded.trajectories[..., :], exact.trajectories[..., -10:])
