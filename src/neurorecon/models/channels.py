"""Declared channel structure of a conductance-based model: which ionic currents, through which
gates, with which kinetics.

A model that declares its channels (``NeuronModel.channels``) can be rebuilt from the declaration:
the membrane equation

    C dV/dt = I - sum_c g_c * prod_k x_k^p_k * (V - E_c)

with each gate either kinetic, ``dx/dt = (x_inf(V) - x) / tau(V)``, or instantaneous (``x = x_inf(V)``).
Surrogates that keep the membrane equation and learn some gates (the ``hybrid_ode`` family) read it,
and so do figures comparing learned kinetics with the truth's.

Gate functions take the voltage (mV), the model's full parameter dict and an array namespace ``xp``
(``numpy`` or ``torch``: both provide ``exp``, ``expm1``, ``tanh``, ``cosh``, ``where``, ``abs``), so one
declaration serves numpy figures and differentiable torch models alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

GateFunction = Callable[[Any, Mapping[str, float], Any], Any]
"""``f(V, parameters, xp)``: V an array/tensor in mV, the model's parameter dict, ``xp`` numpy or torch."""


@dataclass(frozen=True)
class Gate:
    """One gating variable.

    Attributes:
        name: the gate's name, a state variable of the model unless instantaneous.
        steady_state: x_inf(V), dimensionless in [0, 1].
        time_constant: tau(V) in the model's time unit; None for an instantaneous gate (x = x_inf(V)).
    """

    name: str
    steady_state: GateFunction
    time_constant: GateFunction | None = None

    @property
    def instantaneous(self) -> bool:
        return self.time_constant is None


@dataclass(frozen=True)
class Current:
    """One ionic current g * prod(x^p) * (V - E).

    Attributes:
        name: e.g. "Na", "K", "leak".
        conductance: parameter name of the maximal conductance.
        reversal: parameter name of the reversal potential.
        gates: (gate name, exponent) pairs; empty for a leak.
    """

    name: str
    conductance: str
    reversal: str
    gates: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class ChannelStructure:
    """The channels of a model, enough to write its membrane equation.

    Attributes:
        capacitance: parameter name of the membrane capacitance.
        currents: the ionic currents, outward positive.
        gates: every gate the currents use, kinetic ones in the model's state order.
    """

    capacitance: str
    currents: tuple[Current, ...]
    gates: tuple[Gate, ...]

    def __post_init__(self) -> None:
        names = [gate.name for gate in self.gates]
        if len(set(names)) != len(names):
            raise ValueError(f"gate names repeat: {names}")
        for current in self.currents:
            for gate, exponent in current.gates:
                if gate not in names:
                    raise ValueError(f"current {current.name!r} uses undeclared gate {gate!r}")
                if exponent < 1:
                    raise ValueError(f"current {current.name!r}: gate {gate!r} exponent must be >= 1")

    @property
    def gate_names(self) -> tuple[str, ...]:
        return tuple(gate.name for gate in self.gates)

    @property
    def kinetic_gates(self) -> tuple[Gate, ...]:
        """Gates with a state of their own (not instantaneous), in declaration order."""
        return tuple(gate for gate in self.gates if not gate.instantaneous)

    def gate(self, name: str) -> Gate:
        """The gate ``name``; ValueError naming the declared gates otherwise."""
        for gate in self.gates:
            if gate.name == name:
                return gate
        raise ValueError(f"no gate {name!r}; declared gates: {', '.join(self.gate_names)}")


def x_over_expm1(x, xp):
    """x / (1 - exp(-x)) for numpy arrays or torch tensors, smooth through x = 0 (limit 1).

    The removable singularity of the Hodgkin–Huxley rates: the series 1 + x/2 + x^2/12 is used for
    |x| < 1e-4, and the other branch is evaluated at a safe argument there, so neither the value
    nor (in torch) the gradient is NaN.
    """
    small = xp.abs(x) < 1e-4
    safe = xp.where(small, xp.ones_like(x), x)
    return xp.where(small, 1.0 + 0.5 * x + x * x / 12.0, safe / -xp.expm1(-safe))


def from_rates(alpha: GateFunction, beta: GateFunction) -> tuple[GateFunction, GateFunction]:
    """(x_inf, tau) of a gate given by opening and closing rates: x_inf = a / (a + b), tau = 1 / (a + b)."""

    def steady_state(v, p, xp):
        a = alpha(v, p, xp)
        return a / (a + beta(v, p, xp))

    def time_constant(v, p, xp):
        return 1.0 / (alpha(v, p, xp) + beta(v, p, xp))

    return steady_state, time_constant
