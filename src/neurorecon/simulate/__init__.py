"""Ground-truth simulation: compiled ensemble RK4 and an adaptive reference solver."""

from .ensemble import SimulationResult, SimulationSpec, simulate
from .reference import reference_trajectory

__all__ = ["SimulationResult", "SimulationSpec", "reference_trajectory", "simulate"]
