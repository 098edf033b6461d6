"""Hodgkin–Huxley squid giant axon model, in the modern voltage convention (rest near -65 mV).

Equations and parameters from Hodgkin & Huxley, J. Physiol. 117 (1952) 500, with V shifted so
that rest sits near -65 mV as in Dayan & Abbott, *Theoretical Neuroscience* (2001), ch. 5. Time in
ms, V in mV, conductances in mS/cm², currents in µA/cm², C in µF/cm²; m, h, n are dimensionless
gating fractions.

    C dV/dt = I - gNa m^3 h (V - ENa) - gK n^4 (V - EK) - gL (V - EL)
    dx/dt   = a_x(V) (1 - x) - b_x(V) x,   x in {m, h, n}

    a_m = 0.1 (V+40) / (1 - exp(-(V+40)/10))     b_m = 4 exp(-(V+65)/18)
    a_h = 0.07 exp(-(V+65)/20)                   b_h = 1 / (1 + exp(-(V+35)/10))
    a_n = 0.01 (V+55) / (1 - exp(-(V+55)/10))    b_n = 0.125 exp(-(V+65)/80)

a_m and a_n have removable singularities at V = -40 and V = -55 mV; both are evaluated through
x / (1 - exp(-x)) with ``expm1`` and a series branch near x = 0, so they are smooth there.
"""

from __future__ import annotations

import math

import numba

from .base import ControlParameter, NeuronModel
from .channels import ChannelStructure, Current, Gate, from_rates, x_over_expm1

PARAMETER_NAMES = ("C", "gNa", "gK", "gL", "ENa", "EK", "EL", "I")

DEFAULT = {
    "C": 1.0, "gNa": 120.0, "gK": 36.0, "gL": 0.3, "ENa": 50.0, "EK": -77.0, "EL": -54.387,
    "I": 10.0,
}


@numba.njit(cache=True, fastmath=False)
def _x_over_one_minus_exp(x):
    """x / (1 - exp(-x)), stable at and near x = 0 (limit 1)."""
    if abs(x) < 1e-6:
        return 1.0 + 0.5 * x + x * x / 12.0
    return x / -math.expm1(-x)


@numba.njit(cache=True, fastmath=False)
def rhs(y, p, dydt):
    """HH right-hand side; y = (V [mV], m, h, n), p in PARAMETER_NAMES order, dydt per ms."""
    v, m, h, n = y[0], y[1], y[2], y[3]
    c, g_na, g_k, g_l, e_na, e_k, e_l, current = p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]
    a_m = _x_over_one_minus_exp((v + 40.0) / 10.0)  # 0.1 (V+40) / (1 - exp(-(V+40)/10))
    b_m = 4.0 * math.exp(-(v + 65.0) / 18.0)
    a_h = 0.07 * math.exp(-(v + 65.0) / 20.0)
    b_h = 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0))
    a_n = 0.1 * _x_over_one_minus_exp((v + 55.0) / 10.0)  # 0.01 (V+55) / (1 - exp(-(V+55)/10))
    b_n = 0.125 * math.exp(-(v + 65.0) / 80.0)
    i_ion = g_na * m * m * m * h * (v - e_na) + g_k * n * n * n * n * (v - e_k) + g_l * (v - e_l)
    dydt[0] = (current - i_ion) / c
    dydt[1] = a_m * (1.0 - m) - b_m * m
    dydt[2] = a_h * (1.0 - h) - b_h * h
    dydt[3] = a_n * (1.0 - n) - b_n * n


# The same rates for any array namespace (numpy, torch), for the channel declaration below.
def _alpha_m(v, p, xp):
    return x_over_expm1((v + 40.0) / 10.0, xp)


def _beta_m(v, p, xp):
    return 4.0 * xp.exp(-(v + 65.0) / 18.0)


def _alpha_h(v, p, xp):
    return 0.07 * xp.exp(-(v + 65.0) / 20.0)


def _beta_h(v, p, xp):
    return 1.0 / (1.0 + xp.exp(-(v + 35.0) / 10.0))


def _alpha_n(v, p, xp):
    return 0.1 * x_over_expm1((v + 55.0) / 10.0, xp)


def _beta_n(v, p, xp):
    return 0.125 * xp.exp(-(v + 65.0) / 80.0)


CHANNELS = ChannelStructure(
    capacitance="C",
    currents=(
        Current("Na", "gNa", "ENa", (("m", 3), ("h", 1))),
        Current("K", "gK", "EK", (("n", 4),)),
        Current("leak", "gL", "EL"),
    ),
    gates=(
        Gate("m", *from_rates(_alpha_m, _beta_m)),
        Gate("h", *from_rates(_alpha_h, _beta_h)),
        Gate("n", *from_rates(_alpha_n, _beta_n)),
    ),
)
"""Na (m^3 h), K (n^4) and leak currents with the rates of :func:`rhs`."""


MODEL = NeuronModel(
    name="hh",
    title="Hodgkin–Huxley squid axon",
    reference=(
        "Hodgkin & Huxley, J. Physiol. 117:500 (1952); modern convention (rest -65 mV) as in "
        "Dayan & Abbott, Theoretical Neuroscience (2001), ch. 5"
    ),
    state_names=("V", "m", "h", "n"),
    state_units=("mV", "1", "1", "1"),
    time_unit="ms",
    observed="V",
    control=ControlParameter(
        "I", "uA/cm^2", "injected current density", (0.0, 20.0), injected_current=True
    ),
    parameter_names=PARAMETER_NAMES,
    parameter_sets={"default": DEFAULT},
    default_set="default",
    rhs=rhs,
    dt=0.05,
    sample_dt=0.1,
    transient=100.0,
    duration=1000.0,
    ic_low=(-75.0, 0.0, 0.3, 0.25),
    ic_high=(-55.0, 0.15, 0.7, 0.45),
    spike_threshold=0.0,
    min_record=40.0,
    positive_parameters=("C",),
    # dopri5 at the loosest (rtol, atol) in {1e-5, 1e-6, 1e-7} x {1e-6, 1e-8} whose spike-time error
    # against LSODA (rtol 1e-10) is no larger than RK4's at dt: tests/models/test_reference_agreement.py
    integrator="dopri5",
    rtol=1e-05,
    atol=1e-06,
    channels=CHANNELS,
)
