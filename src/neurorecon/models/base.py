"""The description every ground-truth neuron model gives of itself.

A model is data plus one compiled right-hand side. The right-hand side has the signature
``rhs(y, p, dydt)`` (all 1-D float64 arrays: state of length ``n_state``, parameters of length
``n_params`` in the order of :attr:`NeuronModel.parameter_names`, output of length ``n_state``)
and is a ``numba.njit`` function, so the ensemble kernel can call it per trajectory and the
reference solver can call it from Python.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .channels import ChannelStructure

RightHandSide = Callable[[np.ndarray, np.ndarray, np.ndarray], None]


MAX_SEED = 2**32 - 1
"""Largest seed accepted anywhere (initial states, training): numpy's and torch's common range."""


class ModelError(ValueError):
    """A model, parameter set or parameter name that does not exist, or a bad parameter value."""


@dataclass(frozen=True)
class ControlParameter:
    """The parameter turned like a knob in a study.

    Attributes:
        name: parameter name, one of the model's ``parameter_names``.
        unit: physical unit ("mV", "uA/cm^2", "1" for dimensionless).
        long_name: human-readable description for plots.
        range: (low, high) allowed and default study range, in ``unit``.
        injected_current: the control is an applied current, so an f–I curve and an excitability
            type (Hodgkin's classes) are meaningful.
    """

    name: str
    unit: str
    long_name: str
    range: tuple[float, float]
    injected_current: bool = False

    def contains(self, value: float) -> bool:
        low, high = self.range
        return low <= value <= high


@dataclass(frozen=True)
class NeuronModel:
    """A ground-truth neuron model: equations, units, parameters and simulation defaults.

    Attributes:
        name: registry key.
        title: short human-readable name.
        reference: literature source of equations and default parameters.
        state_names: names of the state variables, in the order of ``rhs``.
        state_units: unit of each state variable.
        time_unit: unit of time ("ms", "s", "1").
        observed: the state variable a recording gives (usually the voltage).
        control: the control parameter and its range.
        parameter_names: order of the parameter vector passed to ``rhs``.
        parameter_sets: named parameter sets; each maps every name in ``parameter_names`` to a value.
        default_set: the parameter set used when none is named.
        rhs: compiled right-hand side ``rhs(y, p, dydt)``.
        dt: default fixed integration step, in ``time_unit``.
        sample_dt: default output sampling interval, in ``time_unit`` (a multiple of ``dt``).
        transient: default discarded transient, in ``time_unit``.
        duration: default recorded duration after the transient, in ``time_unit``.
        ic_low, ic_high: box of plausible initial states, one bound per state variable.
        spike_threshold: level of the observed variable (its unit) whose upward crossing marks a
            spike; used for spike detection in truth and surrogate alike and for validation.
        min_record: shortest recorded duration, in ``time_unit``, whose regime the classifier
            decides: the shortest record that gives the same regimes at the model's reference
            control values as its default duration (measured), about two of its slowest periods.
            Shorter records are refused by the classifier, never given a regime.
        positive_parameters: parameters that divide in the equations (capacitances, time
            constants, slope factors); a value <= 0 is refused.
        divergence_bound: a state with any |component| above this is treated as divergent.
        integrator: default integrator, ``"rk4"`` (fixed step ``dt``) or ``"dopri5"`` (adaptive),
            chosen per model by measured spike-time error and cost (benchmarks/simulate.py).
        rtol, atol: default relative and absolute local error tolerance of ``dopri5`` (atol in the
            units of the state variables).
        channels: the declared channel structure (conductance-based models whose currents are known;
            None otherwise): kinetic gates are state variables, conductances, reversal potentials
            and the capacitance are parameters.
    """

    name: str
    title: str
    reference: str
    state_names: tuple[str, ...]
    state_units: tuple[str, ...]
    time_unit: str
    observed: str
    control: ControlParameter
    parameter_names: tuple[str, ...]
    parameter_sets: Mapping[str, Mapping[str, float]]
    default_set: str
    rhs: RightHandSide = field(repr=False)
    dt: float
    sample_dt: float
    transient: float
    duration: float
    ic_low: tuple[float, ...]
    ic_high: tuple[float, ...]
    spike_threshold: float
    min_record: float
    positive_parameters: tuple[str, ...] = ()
    divergence_bound: float = 1e6
    integrator: str = "rk4"
    rtol: float = 1e-6
    atol: float = 1e-8
    channels: ChannelStructure | None = None

    def __post_init__(self) -> None:
        n_state = len(self.state_names)
        if not (len(self.state_units) == len(self.ic_low) == len(self.ic_high) == n_state):
            raise ModelError(f"model {self.name!r}: state names, units and IC box differ in length")
        if self.observed not in self.state_names:
            raise ModelError(f"model {self.name!r}: observed {self.observed!r} is not a state")
        if self.control.name not in self.parameter_names:
            raise ModelError(f"model {self.name!r}: control {self.control.name!r} is not a parameter")
        if self.default_set not in self.parameter_sets:
            raise ModelError(f"model {self.name!r}: default set {self.default_set!r} is missing")
        for set_name, values in self.parameter_sets.items():
            if set(values) != set(self.parameter_names):
                raise ModelError(
                    f"model {self.name!r}, set {set_name!r}: parameters "
                    f"{sorted(values)} differ from {sorted(self.parameter_names)}"
                )
        unknown = set(self.positive_parameters) - set(self.parameter_names)
        if unknown:
            raise ModelError(f"model {self.name!r}: positive_parameters {sorted(unknown)} are not parameters")
        if self.channels is not None:
            self._check_channels(self.channels)
        steps = self.sample_dt / self.dt
        if abs(steps - round(steps)) > 1e-9 * steps:
            raise ModelError(f"model {self.name!r}: sample_dt is not a multiple of dt")

    def _check_channels(self, channels: ChannelStructure) -> None:
        not_states = [gate.name for gate in channels.kinetic_gates if gate.name not in self.state_names]
        if not_states:
            raise ModelError(f"model {self.name!r}: kinetic gates {not_states} are not state variables")
        named = [channels.capacitance] + [name for current in channels.currents
                                          for name in (current.conductance, current.reversal)]
        if channels.calcium is not None:
            if channels.calcium.state not in self.state_names:
                raise ModelError(f"model {self.name!r}: calcium {channels.calcium.state!r} is not a state variable")
            named += channels.calcium.parameter_names
        unknown = sorted(set(named) - set(self.parameter_names))
        if unknown:
            raise ModelError(f"model {self.name!r}: channel parameters {unknown} are not parameters")

    @property
    def n_state(self) -> int:
        return len(self.state_names)

    @property
    def time_label(self) -> str:
        """The time unit as written after a number: "time units" for a dimensionless model."""
        return "time units" if self.time_unit == "1" else self.time_unit

    @property
    def observed_index(self) -> int:
        return self.state_names.index(self.observed)

    @property
    def observed_unit(self) -> str:
        return self.state_units[self.observed_index]

    def parameters(
        self, parameter_set: str | None = None, overrides: Mapping[str, float] | None = None
    ) -> dict[str, float]:
        """Return the full parameter dict of a named set with overrides applied.

        Raises:
            ModelError: unknown set, unknown parameter name, or a non-finite value.
        """
        set_name = self.default_set if parameter_set is None else parameter_set
        if set_name not in self.parameter_sets:
            raise ModelError(
                f"model {self.name!r} has no parameter set {set_name!r}; "
                f"available: {', '.join(sorted(self.parameter_sets))}"
            )
        values = dict(self.parameter_sets[set_name])
        for key, value in (overrides or {}).items():
            if key not in values:
                raise ModelError(
                    f"model {self.name!r} has no parameter {key!r}; "
                    f"parameters: {', '.join(self.parameter_names)}"
                )
            value = float(value)
            if not math.isfinite(value):
                raise ModelError(f"model {self.name!r}: parameter {key!r} = {value} is not finite")
            if key in self.positive_parameters and not value > 0:
                raise ModelError(f"model {self.name!r}: parameter {key!r} = {value:g} must be > 0 "
                                 "(it divides in the equations)")
            values[key] = value
        return values

    def parameter_vector(self, values: Mapping[str, float]) -> np.ndarray:
        """Parameter dict -> float64 vector in ``parameter_names`` order, shape (n_params,)."""
        return np.array([values[name] for name in self.parameter_names], dtype=np.float64)

    def initial_states(self, n: int, seed: int) -> np.ndarray:
        """``n`` initial states drawn uniformly from the IC box; shape (n, n_state), float64.

        The same (n, seed) always gives the same states, whatever the parameter grid or chunking.
        """
        if n < 1:
            raise ModelError(f"number of initial states must be >= 1, got {n}")
        if not 0 <= seed <= MAX_SEED:
            raise ModelError(f"seed of the initial states must be in [0, {MAX_SEED}], got {seed}")
        rng = np.random.default_rng(seed)
        low = np.asarray(self.ic_low, dtype=np.float64)
        high = np.asarray(self.ic_high, dtype=np.float64)
        return low + (high - low) * rng.random((n, self.n_state))

    def derivative(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Evaluate the right-hand side from Python; y shape (n_state,), p shape (n_params,)."""
        out = np.empty(self.n_state, dtype=np.float64)
        self.rhs(np.asarray(y, dtype=np.float64), p, out)
        return out
