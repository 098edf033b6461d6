"""Morris–Lecar barnacle muscle fibre model, in the Rinzel & Ermentrout form.

Equations from Morris & Lecar, Biophys. J. 35 (1981) 193; parameter sets `hopf` (Type II, onset of
firing at finite frequency) and `snic` (Type I, onset through a saddle-node on invariant circle,
frequency -> 0) from Rinzel & Ermentrout, "Analysis of neural excitability and oscillations", in
Koch & Segev (eds.), *Methods in Neuronal Modeling* (1989). Time in ms, V in mV, conductances
in mS/cm², currents in µA/cm², C in µF/cm², phi in 1/ms; w is a dimensionless gating fraction.
Measured with this code: `snic` starts firing at I ~ 39.96 with f -> 0, `hopf` at I ~ 88.5 at
~8.7 Hz.

    C dV/dt = I - gL (V - VL) - gCa m_inf(V) (V - VCa) - gK w (V - VK)
    dw/dt   = phi (w_inf(V) - w) cosh((V - V3) / (2 V4))

    m_inf = 0.5 (1 + tanh((V - V1) / V2)),  w_inf = 0.5 (1 + tanh((V - V3) / V4))
"""

from __future__ import annotations

import math

import numba

from .base import ControlParameter, NeuronModel
from .channels import ChannelStructure, Current, Gate

PARAMETER_NAMES = ("C", "gL", "gCa", "gK", "VL", "VCa", "VK", "V1", "V2", "V3", "V4", "phi", "I")

_COMMON = {
    "C": 20.0, "gL": 2.0, "gK": 8.0, "VL": -60.0, "VCa": 120.0, "VK": -84.0, "V1": -1.2, "V2": 18.0,
}

HOPF = {**_COMMON, "gCa": 4.4, "V3": 2.0, "V4": 30.0, "phi": 0.04, "I": 100.0}
SNIC = {**_COMMON, "gCa": 4.0, "V3": 12.0, "V4": 17.4, "phi": 1.0 / 15.0, "I": 60.0}


@numba.njit(cache=True, fastmath=False)
def rhs(y, p, dydt):
    """Morris–Lecar right-hand side; y = (V [mV], w), p in PARAMETER_NAMES order, dydt per ms."""
    v, w = y[0], y[1]
    c, g_l, g_ca, g_k, v_l, v_ca, v_k = p[0], p[1], p[2], p[3], p[4], p[5], p[6]
    v1, v2, v3, v4, phi, current = p[7], p[8], p[9], p[10], p[11], p[12]
    m_inf = 0.5 * (1.0 + math.tanh((v - v1) / v2))
    w_inf = 0.5 * (1.0 + math.tanh((v - v3) / v4))
    dydt[0] = (current - g_l * (v - v_l) - g_ca * m_inf * (v - v_ca) - g_k * w * (v - v_k)) / c
    dydt[1] = phi * (w_inf - w) * math.cosh((v - v3) / (2.0 * v4))


# The gate functions of :func:`rhs` for any array namespace (numpy, torch), for the declaration below.
def _m_inf(v, p, xp):
    return 0.5 * (1.0 + xp.tanh((v - p["V1"]) / p["V2"]))


def _w_inf(v, p, xp):
    return 0.5 * (1.0 + xp.tanh((v - p["V3"]) / p["V4"]))


def _tau_w(v, p, xp):
    return 1.0 / (p["phi"] * xp.cosh((v - p["V3"]) / (2.0 * p["V4"])))


CHANNELS = ChannelStructure(
    capacitance="C",
    currents=(
        Current("Ca", "gCa", "VCa", (("m", 1),)),
        Current("K", "gK", "VK", (("w", 1),)),
        Current("leak", "gL", "VL"),
    ),
    gates=(Gate("m", _m_inf), Gate("w", _w_inf, _tau_w)),
)
"""Ca (instantaneous m), K (w) and leak currents of :func:`rhs`."""


MODEL = NeuronModel(
    name="morris_lecar",
    title="Morris–Lecar",
    reference=(
        "Morris & Lecar, Biophys. J. 35:193 (1981); parameter sets from Rinzel & Ermentrout, in "
        "Koch & Segev (eds.), Methods in Neuronal Modeling (1989)"
    ),
    state_names=("V", "w"),
    state_units=("mV", "1"),
    time_unit="ms",
    observed="V",
    control=ControlParameter(
        "I", "uA/cm^2", "injected current density", (0.0, 150.0), injected_current=True
    ),
    parameter_names=PARAMETER_NAMES,
    parameter_sets={"hopf": HOPF, "snic": SNIC},
    default_set="hopf",
    rhs=rhs,
    dt=0.5,
    sample_dt=1.0,
    transient=1000.0,
    duration=5000.0,
    ic_low=(-60.0, 0.0),
    ic_high=(20.0, 0.5),
    spike_threshold=0.0,
    min_record=500.0,
    positive_parameters=("C", "V2", "V4"),
    # dopri5 at the loosest (rtol, atol) in {1e-5, 1e-6, 1e-7} x {1e-6, 1e-8} whose spike-time error
    # against LSODA (rtol 1e-10) is no larger than RK4's at dt: tests/models/test_reference_agreement.py
    integrator="dopri5",
    rtol=1e-06,
    atol=1e-06,
    channels=CHANNELS,
)
