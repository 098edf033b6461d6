"""FitzHugh–Nagumo relaxation oscillator.

Equations from FitzHugh, Biophys. J. 1 (1961) 445 and Nagumo, Arimoto & Yoshizawa, Proc. IRE 50
(1962) 2061, in the form and with the parameters a = 0.7, b = 0.8, eps = 0.08 of FitzHugh (1961).
Dimensionless: time, v (fast, voltage-like), w (slow recovery) and the injected current I. The rest
state loses stability at the Hopf points I = 0.331 and I = 1.419 (trace of the Jacobian
1 - v^2 - eps b = 0); between them the model shows relaxation oscillations.

    dv/dt = v - v^3/3 - w + I
    dw/dt = eps (v + a - b w)
"""

from __future__ import annotations

import numba

from .base import ControlParameter, NeuronModel

PARAMETER_NAMES = ("a", "b", "eps", "I")

DEFAULT = {"a": 0.7, "b": 0.8, "eps": 0.08, "I": 0.5}


@numba.njit(cache=True, fastmath=False)
def rhs(y, p, dydt):
    """FitzHugh–Nagumo right-hand side; y = (v, w), p in PARAMETER_NAMES order (dimensionless)."""
    v, w = y[0], y[1]
    a, b, eps, current = p[0], p[1], p[2], p[3]
    dydt[0] = v - v * v * v / 3.0 - w + current
    dydt[1] = eps * (v + a - b * w)


MODEL = NeuronModel(
    name="fitzhugh_nagumo",
    title="FitzHugh–Nagumo",
    reference=(
        "FitzHugh, Biophys. J. 1:445 (1961); Nagumo, Arimoto & Yoshizawa, Proc. IRE 50:2061 (1962)"
    ),
    state_names=("v", "w"),
    state_units=("1", "1"),
    time_unit="1",
    observed="v",
    control=ControlParameter(
        "I", "1", "injected current", (0.0, 1.5), injected_current=True
    ),
    parameter_names=PARAMETER_NAMES,
    parameter_sets={"default": DEFAULT},
    default_set="default",
    rhs=rhs,
    dt=0.2,
    sample_dt=0.4,
    transient=200.0,
    duration=2000.0,
    ic_low=(-2.0, -0.5),
    ic_high=(2.0, 1.5),
    spike_threshold=0.0,
    min_record=80.0,
    # dopri5 at the loosest (rtol, atol) in {1e-5, 1e-6, 1e-7} x {1e-6, 1e-8} whose spike-time error
    # against LSODA (rtol 1e-10) is no larger than RK4's at dt: tests/models/test_reference_agreement.py
    integrator="dopri5",
    rtol=1e-06,
    atol=1e-06,
)
