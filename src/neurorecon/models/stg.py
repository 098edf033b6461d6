"""Stomatogastric (STG) neuron of Liu, Golowasch, Marder & Abbott (1998), in the form of the
dynamic-input-conductance literature (Drion et al., eNeuro 2015; Fyon et al.; Brandoit et al.'s
Spike2Pop): a fixed calcium reversal potential and the capacitance absorbed into the conductances.

Time in ms, V in mV, maximal conductances in mS/cm² with C = 1 µF/cm² (so g/C in 1/ms), currents in
µA/cm², calcium in µM. All gates are dimensionless.

    C dV/dt = I - gNa mNa^3 hNa (V-ENa) - gKd mKd^4 (V-EK) - gCaT mCaT^3 hCaT (V-ECa)
                - gCaS mCaS^3 hCaS (V-ECa) - gKCa mKCa^4 (V-EK) - gA mA^3 hA (V-EK)
                - gH mH (V-EH) - gL (V-EL)
    tau_x(V) dx/dt = x_inf(V) - x                      (every gate but mKCa)
    tau_mKCa(V) dmKCa/dt = Ca/(Ca+3) x_inf(V) - mKCa
    tauCa dCa/dt = -fCa (I_CaT + I_CaS) - Ca + Ca_base  (tauCa 20 ms, fCa 0.94, Ca_base 0.05 µM)

with x_inf(V) = 1 / (1 + exp((V + D) / K)) and most time constants s(V) = a + b / (1 + exp((V + D) / K))
(table of Liu et al. 1998; :data:`_GATES`). Reversal potentials ENa 50, EK -80, ECa 80, EH -20,
EL -50 mV. Liu et al. compute ECa from calcium by the Nernst equation; the DIC literature fixes it
at 80 mV, and so does this model.

Parameter sets (tonic spiking and bursting at I = 0), from the NmodController.jl documentation
(Fyon & Drion): ``spiking`` gNa 4000, gCaT 3, gCaS 4, gA 175, gKCa 110, gKd 137, gH 0.3, gL 0.01;
``bursting`` the same with gCaS 19, gA 70. The dynamic input conductances are read at V = -51 mV,
with the reference time scales tau_mNa (fast), tau_mKd (slow) and tau_mH (ultraslow).
"""

from __future__ import annotations

import math

import numba

from .base import ControlParameter, NeuronModel
from .channels import CalciumPool, ChannelStructure, Current, Gate, TimeScales

PARAMETER_NAMES = (
    "C", "gNa", "gKd", "gCaT", "gCaS", "gKCa", "gA", "gH", "gL",
    "ENa", "EK", "ECa", "EH", "EL", "tauCa", "fCa", "Ca_base", "I",
)

CONDUCTANCES = ("gNa", "gKd", "gCaT", "gCaS", "gKCa", "gA", "gH", "gL")
"""The maximal conductances, in mS/cm²: the free (degenerate) parameters of the model."""

_FIXED = {
    "C": 1.0, "ENa": 50.0, "EK": -80.0, "ECa": 80.0, "EH": -20.0, "EL": -50.0,
    "tauCa": 20.0, "fCa": 0.94, "Ca_base": 0.05, "I": 0.0,
}
SPIKING = {**_FIXED, "gNa": 4000.0, "gKd": 137.0, "gCaT": 3.0, "gCaS": 4.0, "gKCa": 110.0, "gA": 175.0,
           "gH": 0.3, "gL": 0.01}
BURSTING = {**SPIKING, "gCaS": 19.0, "gA": 70.0}

KCA_HALF = 3.0
"""Calcium (µM) of half-maximal KCa activation, in Ca / (Ca + KCA_HALF)."""


# --- the right-hand side, compiled ------------------------------------------------------------


@numba.njit(cache=True, fastmath=False)
def _boltzmann(v, d, k):
    """1 / (1 + exp((v + d) / k))."""
    return 1.0 / (1.0 + math.exp((v + d) / k))


@numba.njit(cache=True, fastmath=False)
def _relaxed(x, x_inf, tau):
    return (x_inf - x) / tau


@numba.njit(cache=True, fastmath=False)
def rhs(y, p, dydt):
    """STG right-hand side; y = (V, mNa, hNa, mKd, mCaT, hCaT, mCaS, hCaS, mKCa, mA, hA, mH, Ca),
    p in PARAMETER_NAMES order, dydt per ms."""
    v = y[0]
    m_na, h_na, m_kd, m_cat, h_cat, m_cas, h_cas, m_kca, m_a, h_a, m_h, ca = (
        y[1], y[2], y[3], y[4], y[5], y[6], y[7], y[8], y[9], y[10], y[11], y[12])
    c, g_na, g_kd, g_cat, g_cas, g_kca, g_a, g_h, g_l = p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]
    e_na, e_k, e_ca, e_h, e_l, tau_ca, f_ca, ca_base, current = (
        p[9], p[10], p[11], p[12], p[13], p[14], p[15], p[16], p[17])
    i_ca = (g_cat * m_cat**3 * h_cat + g_cas * m_cas**3 * h_cas) * (v - e_ca)
    i_ion = (g_na * m_na**3 * h_na * (v - e_na) + i_ca
             + (g_kd * m_kd**4 + g_kca * m_kca**4 + g_a * m_a**3 * h_a) * (v - e_k)
             + g_h * m_h * (v - e_h) + g_l * (v - e_l))
    dydt[0] = (current - i_ion) / c
    dydt[1] = _relaxed(m_na, _boltzmann(v, 25.5, -5.29), 1.32 - 1.26 * _boltzmann(v, 120.0, -25.0))
    dydt[2] = _relaxed(h_na, _boltzmann(v, 48.9, 5.18),
                       0.67 * _boltzmann(v, 62.9, -10.0) * (1.5 + _boltzmann(v, 34.9, 3.6)))
    dydt[3] = _relaxed(m_kd, _boltzmann(v, 12.3, -11.8), 7.2 - 6.4 * _boltzmann(v, 28.3, -19.2))
    dydt[4] = _relaxed(m_cat, _boltzmann(v, 27.1, -7.2), 21.7 - 21.3 * _boltzmann(v, 68.1, -20.5))
    dydt[5] = _relaxed(h_cat, _boltzmann(v, 32.1, 5.5), 105.0 - 89.8 * _boltzmann(v, 55.0, -16.9))
    dydt[6] = _relaxed(m_cas, _boltzmann(v, 33.0, -8.1),
                       1.4 + 7.0 / (math.exp((v + 27.0) / 10.0) + math.exp((v + 70.0) / -13.0)))
    dydt[7] = _relaxed(h_cas, _boltzmann(v, 60.0, 6.2),
                       60.0 + 150.0 / (math.exp((v + 55.0) / 9.0) + math.exp((v + 65.0) / -16.0)))
    dydt[8] = _relaxed(m_kca, ca / (ca + KCA_HALF) * _boltzmann(v, 28.3, -12.6),
                       90.3 - 75.1 * _boltzmann(v, 46.0, -22.7))
    dydt[9] = _relaxed(m_a, _boltzmann(v, 27.2, -8.7), 11.6 - 10.4 * _boltzmann(v, 32.9, -15.2))
    dydt[10] = _relaxed(h_a, _boltzmann(v, 56.9, 4.9), 38.6 - 29.2 * _boltzmann(v, 38.9, -26.5))
    dydt[11] = _relaxed(m_h, _boltzmann(v, 70.0, 6.0), 272.0 + 1499.0 * _boltzmann(v, 42.2, -8.73))
    dydt[12] = (-f_ca * i_ca - ca + ca_base) / tau_ca


# --- the same gates for any array namespace (numpy, torch), for the declaration ----------------


def _steady(d, k):
    def steady_state(v, p, xp):
        return 1.0 / (1.0 + xp.exp((v + d) / k))
    return steady_state


def _sigmoid_tau(a, b, d, k):
    def time_constant(v, p, xp):
        return a + b / (1.0 + xp.exp((v + d) / k))
    return time_constant


def _tau_h_na(v, p, xp):
    return 0.67 / (1.0 + xp.exp((v + 62.9) / -10.0)) * (1.5 + 1.0 / (1.0 + xp.exp((v + 34.9) / 3.6)))


def _tau_m_cas(v, p, xp):
    return 1.4 + 7.0 / (xp.exp((v + 27.0) / 10.0) + xp.exp((v + 70.0) / -13.0))


def _tau_h_cas(v, p, xp):
    return 60.0 + 150.0 / (xp.exp((v + 55.0) / 9.0) + xp.exp((v + 65.0) / -16.0))


def _kca_calcium(ca, p, xp):
    return ca / (ca + KCA_HALF)


_GATES = (
    Gate("mNa", _steady(25.5, -5.29), _sigmoid_tau(1.32, -1.26, 120.0, -25.0)),
    Gate("hNa", _steady(48.9, 5.18), _tau_h_na),
    Gate("mKd", _steady(12.3, -11.8), _sigmoid_tau(7.2, -6.4, 28.3, -19.2)),
    Gate("mCaT", _steady(27.1, -7.2), _sigmoid_tau(21.7, -21.3, 68.1, -20.5)),
    Gate("hCaT", _steady(32.1, 5.5), _sigmoid_tau(105.0, -89.8, 55.0, -16.9)),
    Gate("mCaS", _steady(33.0, -8.1), _tau_m_cas),
    Gate("hCaS", _steady(60.0, 6.2), _tau_h_cas),
    Gate("mKCa", _steady(28.3, -12.6), _sigmoid_tau(90.3, -75.1, 46.0, -22.7), calcium=_kca_calcium),
    Gate("mA", _steady(27.2, -8.7), _sigmoid_tau(11.6, -10.4, 32.9, -15.2)),
    Gate("hA", _steady(56.9, 4.9), _sigmoid_tau(38.6, -29.2, 38.9, -26.5)),
    Gate("mH", _steady(70.0, 6.0), _sigmoid_tau(272.0, 1499.0, 42.2, -8.73)),
)

CHANNELS = ChannelStructure(
    capacitance="C",
    currents=(
        Current("Na", "gNa", "ENa", (("mNa", 3), ("hNa", 1))),
        Current("Kd", "gKd", "EK", (("mKd", 4),)),
        Current("CaT", "gCaT", "ECa", (("mCaT", 3), ("hCaT", 1))),
        Current("CaS", "gCaS", "ECa", (("mCaS", 3), ("hCaS", 1))),
        Current("KCa", "gKCa", "EK", (("mKCa", 4),)),
        Current("A", "gA", "EK", (("mA", 3), ("hA", 1))),
        Current("H", "gH", "EH", (("mH", 1),)),
        Current("leak", "gL", "EL"),
    ),
    gates=_GATES,
    calcium=CalciumPool("Ca", ("CaT", "CaS"), gain="fCa", baseline="Ca_base", time_constant="tauCa"),
    time_scales=TimeScales(fast="mNa", slow="mKd", ultraslow="mH", threshold=-51.0),
)
"""The eight currents of :func:`rhs`, the calcium pool and the DIC time scales."""


MODEL = NeuronModel(
    name="stg",
    title="Stomatogastric neuron (Liu et al. 1998)",
    reference=(
        "Liu, Golowasch, Marder & Abbott, J. Neurosci. 18:2309 (1998), with ECa fixed at 80 mV as in "
        "Drion, Franci, Dethier & Sepulchre, eNeuro 2:e0031 (2015); parameter sets from Fyon & Drion's "
        "NmodController.jl"
    ),
    state_names=("V", "mNa", "hNa", "mKd", "mCaT", "hCaT", "mCaS", "hCaS", "mKCa", "mA", "hA", "mH", "Ca"),
    state_units=("mV",) + ("1",) * 11 + ("uM",),
    time_unit="ms",
    observed="V",
    control=ControlParameter("I", "uA/cm^2", "injected current density", (-0.5, 0.5), injected_current=True),
    parameter_names=PARAMETER_NAMES,
    parameter_sets={"spiking": SPIKING, "bursting": BURSTING},
    default_set="bursting",
    rhs=rhs,
    # RK4 is stable at dt 0.002 ms for both sets and diverges at 0.0025 (gNa 4000: a spike's
    # conductance ~1000/ms); dopri5 takes ~30x fewer steps at the same spike-time error.
    dt=0.002,
    sample_dt=0.1,
    transient=2000.0,
    duration=4000.0,
    ic_low=(-70.0, 0.0, 0.2, 0.0, 0.0, 0.3, 0.0, 0.3, 0.0, 0.0, 0.1, 0.0, 0.05),
    ic_high=(-50.0, 0.1, 0.9, 0.1, 0.1, 0.9, 0.1, 0.9, 0.1, 0.1, 0.6, 0.3, 1.0),
    spike_threshold=0.0,
    min_record=400.0,  # 300 ms leaves one of four bursting traces called tonic; 400 ms classifies all
    positive_parameters=("C", "tauCa"),
    # dopri5: spike times within 0.0017% of the mean ISI of LSODA (rtol 1e-10) over 600 ms of
    # bursting, in 16.5k steps against RK4's 300k (tests/models/test_reference_agreement.py)
    integrator="dopri5",
    rtol=1e-6,
    atol=1e-6,
    channels=CHANNELS,
)
