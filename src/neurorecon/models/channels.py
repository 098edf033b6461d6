"""Declared channel structure of a conductance-based model: which ionic currents, through which
gates, with which kinetics.

A model that declares its channels (``NeuronModel.channels``) can be rebuilt from the declaration:
the membrane equation

    C dV/dt = I - sum_c g_c * prod_k x_k^p_k * (V - E_c)

with each gate either kinetic, ``dx/dt = (x_inf(V) - x) / tau(V)``, or instantaneous (``x = x_inf(V)``).
A model may also declare an intracellular calcium pool (:class:`CalciumPool`) fed by its calcium
currents, and gates whose steady state is scaled by a function of calcium (``Gate.calcium``).
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
"""``f(V, parameters, xp)``: V an array/tensor in mV, the model's parameter dict, ``xp`` numpy or torch.
A gate's calcium factor has the same signature with the calcium concentration in place of V."""


@dataclass(frozen=True)
class Gate:
    """One gating variable.

    Attributes:
        name: the gate's name, a state variable of the model unless instantaneous.
        steady_state: x_inf(V), dimensionless in [0, 1].
        time_constant: tau(V) in the model's time unit; None for an instantaneous gate (x = x_inf(V)).
        calcium: phi(Ca), dimensionless, for a calcium-dependent gate whose steady state is
            ``steady_state(V) * phi(Ca)`` (Ca the model's calcium pool, :class:`CalciumPool`); None
            for a purely voltage-gated one.
    """

    name: str
    steady_state: GateFunction
    time_constant: GateFunction | None = None
    calcium: GateFunction | None = None

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
class CalciumPool:
    """Intracellular calcium driven by the calcium currents (Liu et al. 1998):

        tau dCa/dt = -gain * sum_c I_c - Ca + baseline

    Attributes:
        state: the state variable holding the concentration (µM).
        currents: names of the calcium currents I_c feeding the pool.
        gain: parameter name of the gain (µM per unit of current).
        baseline: parameter name of the resting concentration without current (µM).
        time_constant: parameter name of tau (the model's time unit).
    """

    state: str
    currents: tuple[str, ...]
    gain: str
    baseline: str
    time_constant: str

    @property
    def parameter_names(self) -> tuple[str, str, str]:
        return (self.gain, self.baseline, self.time_constant)


@dataclass(frozen=True)
class TimeScales:
    """Reference time scales of the dynamic input conductances (Drion et al., eNeuro 2015).

    Attributes:
        fast, slow, ultraslow: names of the gates whose tau(V) are the fast, slow and ultraslow
            reference time constants.
        threshold: voltage (mV) at which the DICs are read; None: the first decreasing zero of the
            total DIC (:func:`neurorecon.dynamics.dic.threshold_voltage`).
    """

    fast: str
    slow: str
    ultraslow: str
    threshold: float | None = None

    @property
    def gate_names(self) -> tuple[str, str, str]:
        return (self.fast, self.slow, self.ultraslow)


@dataclass(frozen=True)
class ChannelStructure:
    """The channels of a model, enough to write its membrane equation.

    Attributes:
        capacitance: parameter name of the membrane capacitance.
        currents: the ionic currents, outward positive.
        gates: every gate the currents use, kinetic ones in the model's state order.
        calcium: the calcium pool, when a gate depends on calcium; None otherwise.
        time_scales: the reference time scales of the dynamic input conductances; None where the
            model has none (no ultraslow process).
    """

    capacitance: str
    currents: tuple[Current, ...]
    gates: tuple[Gate, ...]
    calcium: CalciumPool | None = None
    time_scales: TimeScales | None = None

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
        calcium_gates = [gate.name for gate in self.gates if gate.calcium is not None]
        if calcium_gates and self.calcium is None:
            raise ValueError(f"gates {calcium_gates} depend on calcium but no calcium pool is declared")
        if self.calcium is not None:
            current_names = [current.name for current in self.currents]
            unknown = [name for name in self.calcium.currents if name not in current_names]
            if unknown:
                raise ValueError(f"calcium pool fed by undeclared currents {unknown}")
        if self.time_scales is not None:
            unknown = [name for name in self.time_scales.gate_names if name not in names]
            if unknown:
                raise ValueError(f"time scales name undeclared gates {unknown}")
            if any(self.gate(name).instantaneous for name in self.time_scales.gate_names):
                raise ValueError("time scales must name kinetic gates")

    @property
    def gate_names(self) -> tuple[str, ...]:
        return tuple(gate.name for gate in self.gates)

    @property
    def kinetic_gates(self) -> tuple[Gate, ...]:
        """Gates with a state of their own (not instantaneous), in declaration order."""
        return tuple(gate for gate in self.gates if not gate.instantaneous)

    def current(self, name: str) -> Current:
        """The current ``name``; ValueError naming the declared currents otherwise."""
        for current in self.currents:
            if current.name == name:
                return current
        raise ValueError(f"no current {name!r}; declared currents: {', '.join(c.name for c in self.currents)}")

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
