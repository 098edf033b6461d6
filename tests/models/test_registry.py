"""Registry and model-definition checks for every ground-truth model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurorecon.models import MODELS, ModelError, get_model

NAMES = ("srk", "hh", "morris_lecar", "hindmarsh_rose", "fitzhugh_nagumo")
MODEL_SETS = [(name, set_name) for name in NAMES for set_name in get_model(name).parameter_sets]


@pytest.mark.parametrize("name", NAMES)
def test_model_is_registered_under_its_name(name):
    assert name in MODELS
    assert get_model(name).name == name


def test_unknown_model_raises_naming_it():
    with pytest.raises(ModelError, match="no_such_neuron"):
        get_model("no_such_neuron")


@pytest.mark.parametrize("name", NAMES)
def test_unknown_parameter_set_raises(name):
    with pytest.raises(ModelError, match="no_such_set"):
        get_model(name).parameters("no_such_set")


@pytest.mark.parametrize("name", NAMES)
def test_unknown_override_raises(name):
    with pytest.raises(ModelError, match="no_such_parameter"):
        get_model(name).parameters(None, {"no_such_parameter": 1.0})


@pytest.mark.parametrize(("name", "set_name"), MODEL_SETS)
def test_parameter_set_holds_exactly_the_parameter_names(name, set_name):
    model = get_model(name)
    values = model.parameters(set_name)
    assert sorted(values) == sorted(model.parameter_names)
    assert len(model.parameter_names) == len(set(model.parameter_names))
    assert all(math.isfinite(v) for v in values.values())


@pytest.mark.parametrize(("name", "set_name"), MODEL_SETS)
def test_default_control_value_lies_in_the_control_range(name, set_name):
    model = get_model(name)
    assert model.control.contains(model.parameters(set_name)[model.control.name])


@pytest.mark.parametrize("name", NAMES)
def test_default_times_are_whole_numbers_of_samples(name):
    # The ensemble records on a grid of sample_dt from t = 0, so the default transient and
    # duration must be whole multiples of sample_dt for result.time to be exact.
    model = get_model(name)
    for value in (model.transient, model.duration):
        samples = value / model.sample_dt
        assert abs(samples - round(samples)) < 1e-9 * max(samples, 1.0)
    assert model.duration > 10 * model.sample_dt


@pytest.mark.parametrize("name", NAMES)
def test_rhs_is_finite_over_the_initial_state_box(name):
    model = get_model(name)
    p = model.parameter_vector(model.parameters())
    low, high = np.asarray(model.ic_low), np.asarray(model.ic_high)
    assert np.all(low < high)
    for y in model.initial_states(64, seed=1):
        assert np.all(np.isfinite(model.derivative(y, p)))
    assert low[model.observed_index] < high[model.observed_index]


@pytest.mark.parametrize("v_singular", [-40.0, -55.0])
def test_hh_rates_are_smooth_at_their_removable_singularities(v_singular):
    model = get_model("hh")
    p = model.parameter_vector(model.parameters())
    state = np.array([0.0, 0.3, 0.5, 0.4])

    def f(v):
        state[0] = v
        return model.derivative(state, p)

    at = f(v_singular)
    assert np.all(np.isfinite(at))
    for offset in (1e-12, 1e-9, 1e-7, 1e-5):
        for side in (-1.0, 1.0):
            # each component is smooth in V: differences shrink with the offset
            shifted = f(v_singular + side * offset)
            np.testing.assert_allclose(shifted, at, rtol=0, atol=1e3 * offset + 1e-12)
    # the limits a_m(-40) = 1 and a_n(-55) = 0.1 per ms: dm/dt = 0.7 a_m - 0.3 b_m at m = 0.3,
    # dn/dt = 0.6 a_n - 0.4 b_n at n = 0.4
    if v_singular == -40.0:
        b_m = 4.0 * math.exp(-25.0 / 18.0)
        assert at[1] == pytest.approx(0.7 * 1.0 - 0.3 * b_m, rel=1e-12)
    else:
        b_n = 0.125 * math.exp(-10.0 / 80.0)
        assert at[3] == pytest.approx(0.6 * 0.1 - 0.4 * b_n, rel=1e-12)
