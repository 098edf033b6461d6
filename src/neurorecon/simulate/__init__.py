"""Ground-truth simulation: compiled ensemble kernels (RK4, adaptive dopri5), current-clamp step
protocols and a reference solver."""

from . import dopri5, rk4
from .ensemble import SimulationResult, SimulationSpec, simulate
from .protocol import StepProtocol, command_current, simulate_protocol, step_epochs
from .reference import reference_trajectory

__all__ = ["SimulationResult", "SimulationSpec", "StepProtocol", "command_current", "dopri5", "reference_trajectory",
           "rk4", "simulate", "simulate_protocol", "step_epochs"]
