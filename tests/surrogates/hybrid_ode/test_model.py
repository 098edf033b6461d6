"""The hybrid ODE's structure and numerics against exact answers: the current enters only the
voltage equation, additively; with the model's own gates it is the model (its spike times match the
package's truth kernel); clamped hidden states relax to their steady states."""

import numpy as np
import pytest
import torch

from neurorecon.dynamics.spikes import detect_spikes
from neurorecon.models import get_model
from neurorecon.simulate import SimulationSpec, simulate
from neurorecon.surrogates.hybrid_ode.model import HybridArchitecture, HybridOde


def _net(mode: str, learned=(), model: str = "hh", parameter_set=None) -> HybridOde:
    torch.manual_seed(0)
    parameters = get_model(model).parameters(parameter_set)
    arch = HybridArchitecture(mode, model, parameters, tuple(learned), latent_dim=2, width=8, depth=2,
                              v_offset=-20.0, v_scale=50.0, tau_init=3.0, tau_floor=0.1, current_scale=10.0)
    net = HybridOde(arch).double()
    with torch.no_grad():  # give the zero-initialised last layers some shape
        for parameter in net.parameters():
            parameter.add_(0.1 * torch.randn_like(parameter))
    return net


@pytest.mark.parametrize(("mode", "learned", "model"), [("gates", ("n",), "hh"), ("gates", ("m", "h", "n"), "hh"),
                                                        ("latent", (), "hh"), ("latent", (), "fitzhugh_nagumo"),
                                                        ("gates", ("w",), "morris_lecar")])
def test_the_current_enters_only_the_voltage_equation_additively(mode, learned, model):
    net = _net(mode, learned, model)
    state = torch.cat([torch.linspace(-1, 1, 5)[:, None], torch.rand(5, net.n_state - 1)], dim=1).double()
    base = net.derivative(state, torch.zeros(5, dtype=torch.float64))
    for current in (1.0, -3.5, 20.0):
        shifted = net.derivative(state, torch.full((5,), current, dtype=torch.float64))
        difference = (shifted - base).detach().numpy()
        np.testing.assert_allclose(difference[:, 0], current / (net.capacitance * net.arch.v_scale), rtol=1e-12)
        np.testing.assert_array_equal(difference[:, 1:], 0.0)


@pytest.mark.slow
def test_with_the_models_own_gates_the_hybrid_is_hodgkin_huxley():
    """RK4 at dt = 0.05 ms against the truth kernel (dopri5, tight tolerances): every one of 20+
    spike times within 1 % of the ISI."""
    model = get_model("hh")
    result = simulate(model, SimulationSpec([10.0], n_ic=1, seed=3, transient=0.0, duration=320.0,
                                            integrator="dopri5", rtol=1e-9, atol=1e-10))
    truth = result.trajectories[0, 0, 0].astype(np.float64)
    net = _net("gates", ())
    y0 = torch.as_tensor(result.initial_states[:1], dtype=torch.float64)
    state = torch.cat([net.scaled(y0[:, :1]), y0[:, 1:]], dim=1)
    voltage = []
    with torch.no_grad():
        for _ in range(truth.size):  # the truth's samples are at sample_dt, 2 sample_dt, ...
            state = net.step(state, torch.tensor([10.0], dtype=torch.float64), 0.05, 2)
            voltage.append(float(net.voltage(state[0, 0])))
    spikes = detect_spikes(np.stack([truth, np.array(voltage)]), result.time, 0.0)
    assert spikes.counts[0] == spikes.counts[1] >= 20
    times = spikes.times[:, : spikes.counts[0]]
    isi = np.diff(times[0]).mean()
    assert np.abs(times[1] - times[0]).max() < 0.01 * isi


def test_a_learned_gate_can_be_told_apart_from_the_truth():
    """The same comparison with n learned (initial x_inf = 0.5) fails: the test above can fail."""
    net = _net("gates", ("n",))
    v = torch.linspace(-80.0, -50.0, 7, dtype=torch.float64)
    learned, _ = net.learned_gate_kinetics(net.scaled(v))
    truth = get_model("hh").channels.gate("n").steady_state(v.numpy(), net.p, np)
    assert np.abs(learned[:, 0].detach().numpy() - truth).max() > 0.05


def test_a_clamp_at_constant_voltage_relaxes_every_gate_to_its_steady_state():
    net = _net("gates", ())
    channels = get_model("hh").channels
    for voltage in (-70.0, -55.0, 0.0):
        trace = net.scaled(torch.full((1, 3000), voltage, dtype=torch.float64))
        hidden = net.clamp(trace, 0.1, hidden=torch.zeros(1, 3, dtype=torch.float64))
        expected = [channels.gate(name).steady_state(np.array(voltage), net.p, np) for name in ("m", "h", "n")]
        np.testing.assert_allclose(hidden[0].numpy(), expected, atol=1e-9)


def test_an_undeclared_gate_is_refused():
    with pytest.raises(ValueError, match="no kinetic gates"):
        _net("gates", ("q",))


def test_driven_by_a_current_step_the_surrogate_rests_then_fires():
    """``drive`` applies a recorded waveform sample by sample: hh (its own gates) held at rest with
    0 µA/cm² fires only once the command steps to 10."""
    from neurorecon.surrogates.hybrid_ode.family import HybridOdeInfo, HybridOdeSurrogate

    net = _net("gates", ()).float()
    rest = torch.tensor([[float(net.scaled(torch.tensor(-65.0))), 0.053, 0.596, 0.318]])
    info = HybridOdeInfo(training_values=[10.0], store_attrs={}, sample_dt=0.1, substeps=2, time_scale=14.0,
                         v_range=[-75.0, 40.0])
    surrogate = HybridOdeSurrogate(net, rest, info)
    command = np.concatenate([np.zeros(500), np.full(1000, 10.0)])[None, :]
    voltage = surrogate.drive(command, state=rest.clone())[0]
    assert voltage[:500].max() < -60.0
    spikes = detect_spikes(voltage[None].astype(np.float64), np.arange(voltage.size) * 0.1, 0.0)
    assert spikes.counts[0] >= 5 and spikes.times[0, 0] > 50.0


def test_gate_errors_of_an_untrained_gate_are_its_distance_to_the_truth():
    """Untrained, the learned n has x_inf = 0.5 and tau = tau_init (3 ms) at every voltage (zero last
    layer), so its errors over the range are max |0.5 − n_inf(V)| and max |3 / tau_n(V) − 1|; in
    latent mode there is no gate to compare."""
    from neurorecon.surrogates.hybrid_ode.kinetics import GRID_POINTS, gate_errors

    torch.manual_seed(0)
    arch = HybridArchitecture("gates", "hh", get_model("hh").parameters(None), ("n",), latent_dim=2, width=8, depth=2,
                              v_offset=-20.0, v_scale=50.0, tau_init=3.0, tau_floor=0.1, current_scale=10.0)
    errors = gate_errors(HybridOde(arch).double(), (-80.0, -50.0))
    gate, voltage = get_model("hh").channels.gate("n"), np.linspace(-80.0, -50.0, GRID_POINTS)
    assert list(errors) == ["n"]
    x_inf, tau = gate.steady_state(voltage, arch.parameters, np), gate.time_constant(voltage, arch.parameters, np)
    assert errors["n"]["x_inf_max_abs_error"] == pytest.approx(np.abs(0.5 - x_inf).max())
    assert errors["n"]["tau_max_rel_error"] == pytest.approx(np.abs(3.0 / tau - 1).max())
    assert errors["n"]["x_inf_max_abs_error"] > 0.1  # n_inf(-80 mV) is about 0.15: the comparison can fail
    assert gate_errors(_net("latent"), (-80.0, -50.0)) == {}
