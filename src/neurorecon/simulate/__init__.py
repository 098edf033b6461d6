"""Ground-truth simulation: compiled ensemble kernels (RK4, adaptive dopri5) and a reference solver."""

from . import dopri5, rk4
from .ensemble import SimulationResult, SimulationSpec, simulate
from .reference import reference_trajectory

__all__ = ["SimulationResult", "SimulationSpec", "dopri5", "reference_trajectory", "rk4", "simulate"]
