"""Hindmarsh–Rose bursting neuron model.

Equations from Hindmarsh & Rose, Proc. R. Soc. Lond. B 221 (1984) 87, with the standard parameter
values a = 1, b = 3, c = 1, d = 5, s = 4, xR = -1.6, r = 0.006 widely used in later bifurcation
studies of the model. Dimensionless: time, x (membrane potential), y (fast recovery variable),
z (slow adaptation current) and the injected current I. With these values the model bursts with
2 spikes per burst at I = 2 (3 at 2.4, 4 at 2.8), bursts chaotically near I = 3.0-3.3 and spikes
tonically from I ~ 3.4.

    dx/dt = y - a x^3 + b x^2 - z + I
    dy/dt = c - d x^2 - y
    dz/dt = r (s (x - xR) - z)
"""

from __future__ import annotations

import numba

from .base import ControlParameter, NeuronModel

PARAMETER_NAMES = ("a", "b", "c", "d", "s", "xR", "r", "I")

DEFAULT = {"a": 1.0, "b": 3.0, "c": 1.0, "d": 5.0, "s": 4.0, "xR": -1.6, "r": 0.006, "I": 2.0}


@numba.njit(cache=True, fastmath=False)
def rhs(y, p, dydt):
    """Hindmarsh–Rose right-hand side; y = (x, y, z), p in PARAMETER_NAMES order (dimensionless)."""
    x, yy, z = y[0], y[1], y[2]
    a, b, c, d, s, x_r, r, current = p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]
    dydt[0] = yy - a * x * x * x + b * x * x - z + current
    dydt[1] = c - d * x * x - yy
    dydt[2] = r * (s * (x - x_r) - z)


MODEL = NeuronModel(
    name="hindmarsh_rose",
    title="Hindmarsh–Rose",
    reference="Hindmarsh & Rose, Proc. R. Soc. Lond. B 221:87 (1984)",
    state_names=("x", "y", "z"),
    state_units=("1", "1", "1"),
    time_unit="1",
    observed="x",
    control=ControlParameter(
        "I", "1", "injected current", (1.0, 4.0), injected_current=True
    ),
    parameter_names=PARAMETER_NAMES,
    parameter_sets={"default": DEFAULT},
    default_set="default",
    rhs=rhs,
    dt=0.025,
    sample_dt=0.1,
    transient=1000.0,
    duration=5000.0,
    ic_low=(-2.0, -15.0, 1.0),
    ic_high=(2.0, 1.0, 3.5),
    spike_threshold=0.0,
    min_record=600.0,
    # dopri5 at the loosest (rtol, atol) in {1e-5, 1e-6, 1e-7} x {1e-6, 1e-8} whose spike-time error
    # against LSODA (rtol 1e-10) is no larger than RK4's at dt: tests/models/test_reference_agreement.py
    integrator="dopri5",
    rtol=1e-07,
    atol=1e-08,
)
