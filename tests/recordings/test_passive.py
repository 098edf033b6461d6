"""Membrane time constant, input resistance and capacitance from hyperpolarising steps."""

from dataclasses import replace

import numpy as np
import pytest

from neurorecon.recordings.epochs import epochs_from_command
from neurorecon.recordings.passive import passive_properties
from neurorecon.recordings.recording import RecordingError

from .conftest import AMPLITUDES_PA


def rc_recording(hh_steps, tau_ms: float, resistance: float):
    """The HH sweeps' protocol applied to a passive RC membrane (exact exponential charging)."""
    rate = hh_steps.rate_hz
    dt_ms = 1000.0 / rate
    current = hh_steps.current_pA.astype(np.float64)
    v = np.full(current.shape, -70.0)
    decay = np.exp(-dt_ms / tau_ms)
    for k in range(1, current.shape[1]):  # exact for a current constant over each interval
        target = -70.0 + resistance * current[:, k - 1]
        v[:, k] = target + (v[:, k - 1] - target) * decay
    return replace(hh_steps, voltage_mV=v.astype(np.float32),
                   epochs=tuple(epochs_from_command(c, rate) for c in hh_steps.current_pA))


def test_passive_membrane_gives_its_capacitance(hh_steps):
    passive = passive_properties(rc_recording(hh_steps, tau_ms=20.0, resistance=0.2))
    assert passive.tau_ms == pytest.approx(20.0, rel=0.01)
    assert passive.resistance_GOhm == pytest.approx(0.2, rel=0.01)
    assert passive.capacitance_pF == pytest.approx(100.0, rel=0.02)  # 20 ms / 0.2 GOhm
    assert passive.n_steps == sum(a < 0 for a in AMPLITUDES_PA)


def test_no_hyperpolarising_step_is_an_error(hh_steps):
    positive = [s for s, a in enumerate(AMPLITUDES_PA) if a > 0]
    only_positive = replace(hh_steps, voltage_mV=hh_steps.voltage_mV[positive],
                            current_pA=hh_steps.current_pA[positive],
                            epochs=tuple(hh_steps.epochs[s] for s in positive))
    with pytest.raises(RecordingError, match="hh: no hyperpolarising current step"):
        passive_properties(only_positive)
