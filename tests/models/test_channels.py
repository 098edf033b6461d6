"""Channel declarations rebuild the models' own right-hand sides, for numpy and torch alike."""

import numpy as np
import pytest
import torch

from neurorecon.models import MODELS, ModelError, get_model
from neurorecon.models.channels import CalciumPool, ChannelStructure, Current, Gate, TimeScales, x_over_expm1

DECLARED = [("hh", None), ("morris_lecar", "snic"), ("morris_lecar", "hopf"), ("stg", "spiking"), ("stg", "bursting")]


def _declared_derivative(model, y, p):
    channels = model.channels
    state = dict(zip(model.state_names, y, strict=True))
    v = y[0]
    pool = channels.calcium

    def steady(gate):
        factor = 1.0 if gate.calcium is None else gate.calcium(state[pool.state], p, np)
        return gate.steady_state(v, p, np) * factor

    value = {gate.name: steady(gate) if gate.instantaneous else state[gate.name] for gate in channels.gates}
    current = {c.name: p[c.conductance] * np.prod([value[g] ** k for g, k in c.gates]) * (v - p[c.reversal])
               for c in channels.currents}
    gates = [(steady(g) - state[g.name]) / g.time_constant(v, p, np) for g in channels.kinetic_gates]
    derivative = [(p[model.control.name] - sum(current.values())) / p[channels.capacitance], *gates]
    if pool is not None:
        influx = -p[pool.gain] * sum(current[name] for name in pool.currents)
        derivative.append((influx - state[pool.state] + p[pool.baseline]) / p[pool.time_constant])
    return np.array(derivative)


@pytest.mark.parametrize(("name", "parameter_set"), DECLARED)
def test_the_declaration_rebuilds_the_models_right_hand_side(name, parameter_set):
    model = get_model(name)
    p = model.parameters(parameter_set, {model.control.name: 7.0})
    rng = np.random.default_rng(1)
    for v in np.concatenate([rng.uniform(-90.0, 50.0, 20), [-55.0, -40.0]]):  # the HH rates' removable singularities
        y = np.asarray(model.ic_low) + (np.asarray(model.ic_high) - model.ic_low) * rng.random(model.n_state)
        y[0] = v
        np.testing.assert_allclose(_declared_derivative(model, y, p), model.derivative(y, model.parameter_vector(p)),
                                   rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("name", "parameter_set"), DECLARED)
def test_gate_functions_are_differentiable_in_torch_everywhere(name, parameter_set):
    model = get_model(name)
    p = model.parameters(parameter_set)
    v = torch.linspace(-100.0, 60.0, 3201, dtype=torch.float64, requires_grad=True)  # hits -55 and -40 exactly
    total = sum(g.steady_state(v, p, torch).sum() + (0 if g.instantaneous else g.time_constant(v, p, torch).sum())
                for g in model.channels.gates)
    total.backward()
    assert torch.isfinite(v.grad).all()


def test_x_over_expm1_is_continuous_through_zero():
    x = np.array([-1e-3, -1e-4, -1e-5, 1e-5, 1e-4, 1e-3])
    np.testing.assert_allclose(x_over_expm1(x, np), x / -np.expm1(-x), rtol=1e-12)
    assert x_over_expm1(np.array(0.0), np) == 1.0


def test_models_without_channels_declare_none():
    assert {name for name, model in MODELS.items() if model.channels is not None} == {"hh", "morris_lecar", "stg"}


def test_a_calcium_gate_needs_a_pool_and_time_scales_need_declared_kinetic_gates():
    stg = get_model("stg").channels
    with pytest.raises(ValueError, match="no calcium pool"):
        ChannelStructure("C", stg.currents, stg.gates)
    with pytest.raises(ValueError, match="undeclared gates"):
        ChannelStructure("C", stg.currents, stg.gates, stg.calcium, TimeScales("mNa", "mKd", "q"))
    with pytest.raises(ValueError, match="undeclared currents"):
        ChannelStructure("C", stg.currents, stg.gates, CalciumPool("Ca", ("CaL",), "fCa", "Ca_base", "tauCa"))


def test_a_declaration_naming_an_unknown_gate_or_parameter_is_refused():
    with pytest.raises(ValueError, match="undeclared gate"):
        ChannelStructure("C", (Current("K", "gK", "EK", (("q", 4),)),), (Gate("n", lambda v, p, xp: v),))
    hh = get_model("hh")
    bad = ChannelStructure("Cm", hh.channels.currents, hh.channels.gates)
    with pytest.raises(ModelError, match="not parameters"):
        hh.__class__(**{**{f: getattr(hh, f) for f in hh.__dataclass_fields__}, "channels": bad})
