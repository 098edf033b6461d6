"""Dynamic input conductances (DICs; Drion, Franci, Dethier & Sepulchre, eNeuro 2015) of any model
that declares its channels (:class:`neurorecon.models.channels.ChannelStructure` with time scales).

The slope of the steady-state current–voltage curve, dI_ss/dV, is split by the time scale at which
each gate contributes it. A gate x of current c contributes

    g_c (V - E_c) dP_c/dx dx_inf/dV,        P_c = prod_j x_j^p_j at steady state,

shared between fast, slow and ultraslow by the position of its tau_x(V) between the reference time
constants tau_f(V), tau_s(V), tau_u(V) on a log scale (weights w_fs, w_su below); the instantaneous
part g_c P_c is fast. For a calcium-dependent gate (x_inf = sigma(V) phi(Ca)) the calcium path
sigma(V) phi'(Ca) dCa_inf/dV is weighted by the calcium pool's time constant, with
Ca_inf(V) = baseline - gain * sum of the steady-state calcium currents.

    w_fs = 1 if tau_x <= tau_f;  log(tau_s / tau_x) / log(tau_s / tau_f) if tau_f < tau_x <= tau_s;  0 otherwise
    w_su = 1 if tau_x <= tau_s;  log(tau_u / tau_x) / log(tau_u / tau_s) if tau_s < tau_x <= tau_u;  0 otherwise
    fast share w_fs, slow share w_su - w_fs, ultraslow share 1 - w_su.

Each DIC is divided by the leak conductance g_L (the one current without gates), so g_f, g_s, g_u
are dimensionless, and g_f + g_s + g_u = (dI_ss/dV) / g_L. Every DIC is linear in the maximal
conductances for fixed calcium; a calcium-dependent current makes it nonlinear in the calcium
currents' conductances, through Ca_inf.

Derivatives of the declared gate functions are exact (torch autograd on the declaration).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch

from ..models import ModelError, NeuronModel
from ..models.channels import ChannelStructure, Gate, GateFunction, TimeScales

TIME_SCALES = ("fast", "slow", "ultraslow")

THRESHOLD_RANGE = (-90.0, 0.0)
"""Voltages (mV) scanned for the first decreasing zero of the total DIC."""

THRESHOLD_STEP = 0.1
"""Grid step (mV) of that scan; the zero is interpolated linearly between grid points."""


@dataclass(frozen=True)
class DynamicInputConductances:
    """The DICs of a set of models, normalised by each model's leak conductance (dimensionless).

    Attributes:
        fast, slow, ultraslow: g_f, g_s, g_u, shape (n_sets,) at one voltage per set or
            (n_sets, n_v) on a voltage grid.
        voltage: the voltages (mV), broadcastable to the shape of the DICs.
    """

    fast: np.ndarray
    slow: np.ndarray
    ultraslow: np.ndarray
    voltage: np.ndarray

    @property
    def total(self) -> np.ndarray:
        """g_f + g_s + g_u = (dI_ss/dV) / g_L."""
        return self.fast + self.slow + self.ultraslow


def declared_channels(model: NeuronModel) -> tuple[ChannelStructure, TimeScales]:
    """The model's channels and DIC time scales; :class:`ModelError` if it declares none."""
    channels = model.channels
    if channels is None or channels.time_scales is None:
        raise ModelError(f"model {model.name!r} declares no channels with DIC time scales")
    return channels, channels.time_scales


def conductance_names(model: NeuronModel) -> tuple[str, ...]:
    """Maximal-conductance parameter names in the order of the model's declared currents."""
    channels, _ = declared_channels(model)
    return tuple(current.conductance for current in channels.currents)


def leak_index(channels: ChannelStructure) -> int:
    """Index of the leak: the one current without gates."""
    leaks = [i for i, current in enumerate(channels.currents) if not current.gates]
    if len(leaks) != 1:
        raise ModelError(f"DICs need exactly one current without gates (the leak), found {len(leaks)}")
    return leaks[0]


def _with_derivative(function: GateFunction, x: np.ndarray, parameters: Mapping[str, float]):
    """(f(x), df/dx) elementwise for a declared gate function; x any shape, float64."""
    tensor = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    value = function(tensor, parameters, torch)
    (slope,) = torch.autograd.grad(value.sum(), tensor)
    return value.detach().numpy(), slope.numpy()


def _tau(gate: Gate, v: np.ndarray, parameters: Mapping[str, float]) -> np.ndarray:
    with torch.no_grad():
        return gate.time_constant(torch.tensor(v, dtype=torch.float64), parameters, torch).numpy()


def _shares(tau: np.ndarray, tau_f: np.ndarray, tau_s: np.ndarray, tau_u: np.ndarray) -> np.ndarray:
    """Fast, slow and ultraslow shares of a process with time constant ``tau``; shape (3, *tau)."""

    def weight(tau_1, tau_2):
        between = np.log(tau_2 / tau) / np.log(tau_2 / tau_1)
        return np.where(tau <= tau_1, 1.0, np.where(tau <= tau_2, between, 0.0))

    w_fs, w_su = weight(tau_f, tau_s), weight(tau_s, tau_u)
    return np.stack(np.broadcast_arrays(w_fs, w_su - w_fs, 1.0 - w_su))


def _open(gates: tuple[tuple[str, int], ...], values: Mapping[str, np.ndarray]):
    """P = prod_j x_j^p_j over a current's gates, and dP/dx_j per gate."""
    open_ = 1.0
    partial = {}
    for name, exponent in gates:
        open_ = open_ * values[name] ** exponent
        others = 1.0
        for other, other_exponent in gates:
            if other != name:
                others = others * values[other] ** other_exponent
        partial[name] = exponent * values[name] ** (exponent - 1) * others
    return open_, partial


def _calcium_equilibrium(channels: ChannelStructure, g: np.ndarray, v: np.ndarray, steady, p):
    """(Ca_inf, dCa_inf/dV), shape (n_sets, n_v): the pool at rest with its currents at steady state."""
    pool = channels.calcium
    ca_inf = np.full(np.broadcast_shapes((g.shape[0], 1), v.shape), float(p[pool.baseline]))
    dca_dv = np.zeros_like(ca_inf)
    for name in pool.currents:
        current = channels.current(name)
        if any(channels.gate(gate).calcium is not None for gate, _ in current.gates):
            raise ModelError(f"calcium current {name!r} has a calcium-dependent gate: not supported")
        g_c = g[:, [channels.currents.index(current)]]
        open_, partial = _open(current.gates, {gate: steady[gate][0] for gate, _ in current.gates})
        slope = sum(partial[gate] * steady[gate][1] for gate, _ in current.gates)
        drive = v - p[current.reversal]
        ca_inf = ca_inf - p[pool.gain] * g_c * open_ * drive
        dca_dv = dca_dv - p[pool.gain] * g_c * (open_ + drive * slope)
    return ca_inf, dca_dv


def sensitivity(model: NeuronModel, conductances: np.ndarray, voltage,
                parameters: Mapping[str, float] | None = None) -> np.ndarray:
    """Contribution of each current to each DIC per unit of its maximal conductance.

    Args:
        model: a model declaring channels and DIC time scales.
        conductances: (n_sets, n_currents) maximal conductances in :func:`conductance_names` order
            (they set the calcium equilibrium; nothing else depends on them).
        voltage: mV, broadcastable to (n_sets, n_v): (n_v,) a grid shared by every set, (n_sets, 1)
            one voltage per set.
        parameters: the model's other parameters (reversal potentials, calcium pool); default: its
            default set.

    Returns:
        S, shape (n_sets, 3, n_currents, n_v), with DIC_k = sum_c S[:, k, c] g_c / g_L (k: fast,
        slow, ultraslow). Only the calcium-dependent currents' columns depend on ``conductances``.
    """
    channels, scales = declared_channels(model)
    p = model.parameters() if parameters is None else parameters
    g = np.atleast_2d(np.asarray(conductances, dtype=np.float64))
    n_sets, n_currents = g.shape
    if n_currents != len(channels.currents):
        raise ModelError(f"conductances have {n_currents} columns; model {model.name!r} has "
                         f"{len(channels.currents)} currents")
    v = np.atleast_2d(np.asarray(voltage, dtype=np.float64))
    reference = [_tau(channels.gate(name), v, p) for name in scales.gate_names]
    steady = {gate.name: _with_derivative(gate.steady_state, v, p) for gate in channels.gates}
    if channels.calcium is not None:
        ca_inf, dca_dv = _calcium_equilibrium(channels, g, v, steady, p)
        ca_shares = _shares(np.asarray(float(p[channels.calcium.time_constant])), *reference)

    shape = np.broadcast_shapes((n_sets, 1), v.shape)
    out = np.empty((n_sets, 3, n_currents, shape[1]))
    for c, current in enumerate(channels.currents):
        drive = v - p[current.reversal]
        factor = {}  # phi(Ca_inf) and phi'(Ca_inf) of calcium-dependent gates
        values = {}
        for name, _ in current.gates:
            gate = channels.gate(name)
            values[name] = steady[name][0]
            if gate.calcium is not None:
                factor[name] = _with_derivative(gate.calcium, ca_inf, p)
                values[name] = values[name] * factor[name][0]
        open_, partial = _open(current.gates, values)
        column = np.zeros((3,) + shape)
        column[0] += open_  # the instantaneous conductance is fast
        for name, _ in current.gates:
            x, dx_dv = steady[name]
            gate = channels.gate(name)
            phi, dphi = factor.get(name, (1.0, 0.0))
            column += _shares(_tau(gate, v, p), *reference) * (drive * partial[name] * dx_dv * phi)
            if name in factor:
                column += ca_shares * (drive * partial[name] * x * dphi * dca_dv)
        out[:, :, c] = np.moveaxis(column, 0, 1)
    return out


def dics(model: NeuronModel, conductances: np.ndarray, voltage=None,
         parameters: Mapping[str, float] | None = None) -> DynamicInputConductances:
    """g_f, g_s, g_u of each maximal-conductance set, normalised by its leak conductance.

    Args:
        conductances: (n_sets, n_currents) in :func:`conductance_names` order, or (n_currents,).
        voltage: None: the model's threshold voltage (its declared one, else the first decreasing
            zero of each set's total DIC), one value per set, giving DICs of shape (n_sets,); or
            voltages broadcastable to (n_sets, n_v), giving DICs of shape (n_sets, n_v).
        parameters: as in :func:`sensitivity`.
    """
    channels, scales = declared_channels(model)
    g = np.atleast_2d(np.asarray(conductances, dtype=np.float64))
    per_set = voltage is None
    if per_set:
        voltage = (np.full((g.shape[0], 1), scales.threshold) if scales.threshold is not None
                   else threshold_voltage(model, g, parameters)[:, None])
    s = sensitivity(model, g, voltage, parameters)
    values = np.einsum("nkcv,nc->nkv", s, g) / g[:, leak_index(channels), None, None]
    if per_set:
        values, voltage = values[..., 0], np.asarray(voltage)[:, 0]
    return DynamicInputConductances(values[:, 0], values[:, 1], values[:, 2], np.asarray(voltage))


def threshold_voltage(model: NeuronModel, conductances: np.ndarray,
                      parameters: Mapping[str, float] | None = None) -> np.ndarray:
    """The first decreasing zero of the total DIC of each set (mV), NaN where there is none in
    :data:`THRESHOLD_RANGE`; located on a :data:`THRESHOLD_STEP` grid and interpolated linearly.

    Returns:
        shape (n_sets,), float64.
    """
    grid = np.arange(THRESHOLD_RANGE[0], THRESHOLD_RANGE[1] + THRESHOLD_STEP / 2, THRESHOLD_STEP)
    total = dics(model, conductances, grid, parameters).total
    falling = (total[:, :-1] > 0) & (total[:, 1:] <= 0)
    first = np.argmax(falling, axis=1)
    rows = np.arange(total.shape[0])
    low, high = total[rows, first], total[rows, first + 1]
    voltage = grid[first] + THRESHOLD_STEP * low / (low - high)
    return np.where(falling.any(axis=1), voltage, np.nan)
