"""Learned gate kinetics of a gates-mode hybrid ODE, and their errors against the model's own.

The error that says whether a gate was identified is taken over the voltage range the training
traces visit (outside it the data say nothing about the gate): per learned gate the largest
|x_inf,learned(V) − x_inf,truth(V)| (x_inf is a fraction in [0, 1]) and the largest relative error
|tau_learned / tau_truth − 1| on an even grid of that range.
"""

from __future__ import annotations

import numpy as np
import torch

from ...models import get_model
from .model import HybridOde

GRID_POINTS = 400
"""Voltages at which the errors are evaluated, evenly spaced over the visited range (both ends)."""


def gate_kinetics(net: HybridOde, voltage: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Learned gate name -> (x_inf, tau) at voltages (n,) mV, tau in the model's time unit."""
    weight = next(net.parameters())
    with torch.no_grad():
        v_scaled = net.scaled(torch.as_tensor(voltage, dtype=weight.dtype, device=weight.device))
        x_inf, tau = net.learned_gate_kinetics(v_scaled)
    return {name: (x_inf[:, i].cpu().numpy(), tau[:, i].cpu().numpy()) for i, name in enumerate(net.learned)}


def gate_errors(net: HybridOde, v_range: tuple[float, float]) -> dict[str, dict[str, float]]:
    """Learned gate name -> ``{"x_inf_max_abs_error", "tau_max_rel_error"}`` over ``v_range`` (mV);
    empty in latent mode or with no gate learned (nothing to compare with)."""
    if net.channels is None or not net.learned:
        return {}
    model = get_model(net.arch.model)
    voltage = np.linspace(v_range[0], v_range[1], GRID_POINTS)
    errors = {}
    for name, (x_inf, tau) in gate_kinetics(net, voltage).items():
        gate = model.channels.gate(name)
        truth_x = gate.steady_state(voltage, net.arch.parameters, np)
        truth_tau = gate.time_constant(voltage, net.arch.parameters, np)
        errors[name] = {"x_inf_max_abs_error": float(np.max(np.abs(x_inf - truth_x))),
                        "tau_max_rel_error": float(np.max(np.abs(tau / truth_tau - 1.0)))}
    return errors
