"""Hodgkin–Huxley-type pancreatic beta-cell burster (Sherman–Rinzel–Keizer family).

Equations and default parameters as in Sherman, Rinzel & Keizer, Biophys. J. 54 (1988) 411, in the
reduced three-variable form studied by Stankevich & Mosekilde, Chaos 27 (2017) 123101, and used for
neural-network reconstruction by Kuptsov & Stankevich, Chaos Solitons Fractals (2025),
arXiv:2411.07055. Time in s, V in mV; n and S are dimensionless gating fractions.

    tau  dV/dt = -gCa m_inf(V) (V - VCa) - gK n (V - VK) - gS S (V - VK)
    tau  dn/dt = sigma (n_inf(V) - n)
    tauS dS/dt = S_inf(V) - S

with x_inf(V; Vx, kx) = 1 / (1 + exp((Vx - V) / kx)).
"""

from __future__ import annotations

import math

import numba

from .base import ControlParameter, NeuronModel

PARAMETER_NAMES = (
    "gCa", "gK", "gS", "VCa", "VK", "tau", "tauS", "sigma", "Vm", "thm", "Vn", "thn", "VS", "thS",
)

DEFAULT = {
    "gCa": 3.6, "gK": 10.0, "gS": 4.0, "VCa": 25.0, "VK": -75.0, "tau": 0.02, "tauS": 35.0,
    "sigma": 0.93, "Vm": -20.0, "thm": 12.0, "Vn": -16.0, "thn": 5.6, "VS": -38.0, "thS": 10.0,
}


@numba.njit(cache=True, fastmath=False)
def rhs(y, p, dydt):
    """SRK right-hand side; y = (V [mV], n, S), p in PARAMETER_NAMES order, dydt per second."""
    v, n, s = y[0], y[1], y[2]
    g_ca, g_k, g_s, v_ca, v_k = p[0], p[1], p[2], p[3], p[4]
    tau, tau_s, sigma = p[5], p[6], p[7]
    m_inf = 1.0 / (1.0 + math.exp((p[8] - v) / p[9]))
    n_inf = 1.0 / (1.0 + math.exp((p[10] - v) / p[11]))
    s_inf = 1.0 / (1.0 + math.exp((p[12] - v) / p[13]))
    dydt[0] = (-g_ca * m_inf * (v - v_ca) - g_k * n * (v - v_k) - g_s * s * (v - v_k)) / tau
    dydt[1] = sigma * (n_inf - n) / tau
    dydt[2] = (s_inf - s) / tau_s


MODEL = NeuronModel(
    name="srk",
    title="Sherman–Rinzel–Keizer beta-cell burster",
    reference=(
        "Sherman, Rinzel & Keizer, Biophys. J. 54:411 (1988); Stankevich & Mosekilde, Chaos 27:123101 "
        "(2017); Kuptsov & Stankevich, Chaos Solitons Fractals (2025), arXiv:2411.07055"
    ),
    state_names=("V", "n", "S"),
    state_units=("mV", "1", "1"),
    time_unit="s",
    observed="V",
    control=ControlParameter(
        "VS", "mV", "half-activation voltage of the slow current S", (-48.0, -24.0)
    ),
    parameter_names=PARAMETER_NAMES,
    parameter_sets={"default": DEFAULT},
    default_set="default",
    rhs=rhs,
    dt=1e-3,
    sample_dt=1e-2,
    transient=200.0,
    duration=600.0,
    ic_low=(-65.0, 0.0, 0.1),
    ic_high=(-25.0, 0.05, 0.7),
    spike_threshold=-35.0,
    min_record=40.0,
    positive_parameters=("tau", "tauS", "thm", "thn", "thS"),
    # dopri5 at the loosest (rtol, atol) in {1e-5, 1e-6, 1e-7} x {1e-6, 1e-8} whose spike-time error
    # against LSODA (rtol 1e-10) is no larger than RK4's at dt: tests/models/test_reference_agreement.py
    integrator="dopri5",
    rtol=1e-06,
    atol=1e-08,
)
