"""Passive membrane properties from hyperpolarising current steps: time constant, input
resistance, capacitance.

For every hyperpolarising step epoch (level below holding), the voltage over its first
``FIT_WINDOW_S`` relative to the mean of the ``BASELINE_S`` before the step is fitted by
dV (1 - exp(-t / tau)) (least squares); the input resistance is dV / dI and the capacitance
C = tau / R. Over a short window the charging curve is that of the passive membrane, before a slow
sag (h current) sets in. Each property is the median over the steps, robust to noisy small steps.
Units: tau in ms and R in GOhm (mV / pA) give C in pF, so that dV/dt in mV/ms = I in pA / C in pF.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import curve_fit

from .epochs import holding_level, step_epochs
from .recording import Recording, RecordingError

FIT_WINDOW_S = 0.06
"""Length of the charging curve fitted, s."""

BASELINE_S = 0.02
"""Length of the baseline before the step, s."""


@dataclass(frozen=True)
class PassiveProperties:
    """Passive properties of the membrane (medians over the hyperpolarising steps).

    Attributes:
        tau_ms: membrane time constant, ms.
        resistance_GOhm: input resistance, GOhm (= mV / pA).
        capacitance_pF: membrane capacitance, pF.
        n_steps: number of steps fitted.
    """

    tau_ms: float
    resistance_GOhm: float
    capacitance_pF: float
    n_steps: int


def _charging(t_ms: np.ndarray, dv: float, tau: float) -> np.ndarray:
    return dv * (1.0 - np.exp(-t_ms / tau))


def passive_properties(recording: Recording) -> PassiveProperties:
    """Fit every hyperpolarising step of ``recording`` (see module docstring).

    Raises:
        RecordingError: no hyperpolarising step with a baseline and a fit window inside the sweep.
    """
    rate = recording.rate_hz
    n_base, n_fit = round(BASELINE_S * rate), round(FIT_WINDOW_S * rate)
    t_ms = np.arange(n_fit) / rate * 1000.0
    fits = []
    for sweep, epochs in enumerate(recording.epochs):
        holding = holding_level(epochs)
        for _, epoch in step_epochs(epochs):
            d_current = epoch.level_pA - holding
            start = round(epoch.start_s * rate)
            if d_current >= 0 or start < n_base or round(epoch.stop_s * rate) - start < n_fit:
                continue
            v = recording.voltage_mV[sweep].astype(np.float64)
            response = v[start : start + n_fit] - v[start - n_base : start].mean()
            try:
                (dv, tau), _ = curve_fit(_charging, t_ms, response, p0=(response[-1], 10.0), maxfev=2000)
            except RuntimeError:  # no convergence: a step too noisy to fit
                continue
            if tau > 0 and dv / d_current > 0:
                fits.append((tau, dv / d_current))
    if not fits:
        raise RecordingError(f"{recording.file_name}: no hyperpolarising current step to measure the membrane "
                             "capacitance from")
    tau, resistance = np.median(np.asarray(fits), axis=0)
    return PassiveProperties(float(tau), float(resistance), float(tau / resistance), len(fits))
