"""Build test recordings: Hodgkin–Huxley step responses, written to NWB like a real rig would.

HH runs in µA/cm² and ms; a cell of 1e-5 cm² turns 1 µA/cm² into 10 pA, so amplitudes here are
in pA and divided by ``PA_PER_UNIT`` for the model.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from pynwb import NWBHDF5IO, NWBFile
from pynwb.icephys import (
    CurrentClampSeries,
    CurrentClampStimulusSeries,
    VoltageClampSeries,
)

from neurorecon.models import get_model
from neurorecon.recordings.epochs import epochs_from_command
from neurorecon.recordings.recording import Channel, Recording
from neurorecon.simulate import reference_trajectory

PA_PER_UNIT = 10.0
"""pA per µA/cm² of the HH model (membrane area 1e-5 cm²)."""

REST_STATE = np.array([-65.0, 0.0529, 0.596, 0.3177])
"""HH state at rest with no current (V mV, m, h, n), to two-three digits."""


def hh_sweep(levels_pA: list[float], durations_s: list[float], rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """Voltage (mV) and command (pA) of HH driven by a piecewise-constant current from rest.

    Returns:
        (voltage, current), each (n_time,) float64, n_time = rate * sum(durations).
    """
    model = get_model("hh")
    parameters = model.parameters(None, {})
    state = REST_STATE
    voltage, current = [], []
    dt_ms = 1000.0 / rate_hz
    for level, duration in zip(levels_pA, durations_s, strict=True):
        n = round(duration * rate_hz)
        out = reference_trajectory(model, state, {**parameters, "I": level / PA_PER_UNIT},
                                   np.arange(1, n + 1) * dt_ms, rtol=1e-7, atol=1e-9)
        voltage.append(np.concatenate(([state[0]], out.y[0, :-1])))
        current.append(np.full(n, float(level)))
        state = out.y[:, -1]
    return np.concatenate(voltage), np.concatenate(current)


def hh_recording(amplitudes_pA: list[float], start_s: float, step_s: float, total_s: float,
                 rate_hz: float) -> Recording:
    """One sweep per amplitude: rest, one step of ``step_s`` at ``start_s``, rest to ``total_s``."""
    sweeps = [hh_sweep([0.0, a, 0.0], [start_s, step_s, total_s - start_s - step_s], rate_hz) for a in amplitudes_pA]
    current = np.asarray([c for _, c in sweeps], dtype=np.float32)
    return Recording(
        file_name="hh", file_sha256="", file_format="nwb", channel="cell", channels=(Channel("cell", "volts"),),
        recorded="", rate_hz=rate_hz, voltage_mV=np.asarray([v for v, _ in sweeps], dtype=np.float32),
        current_pA=current, epochs=tuple(epochs_from_command(c, rate_hz) for c in current),
    )


def write_nwb(recording: Recording, path: Path, electrode: str = "cell", voltage_clamp_first: bool = False) -> Path:
    """Write ``recording`` as NWB: a CurrentClampSeries (V) and CurrentClampStimulusSeries (I) per sweep.

    Args:
        electrode: name of the current-clamp electrode.
        voltage_clamp_first: first add a second electrode, "vc", with a VoltageClampSeries per sweep
            (response in amperes) and its stimulus, so the file has two input channels and the
            current-clamp one is not the first.
    """
    nwb = NWBFile(session_description="test", identifier=path.stem,
                  session_start_time=dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC))
    device = nwb.create_device(name="amplifier")
    rate = recording.rate_hz
    if voltage_clamp_first:
        vc = nwb.create_icephys_electrode(name="vc", description="second cell", device=device)
        for sweep in range(recording.n_sweeps):
            nwb.add_acquisition(VoltageClampSeries(
                name=f"Im_{sweep}", data=np.zeros(recording.voltage_mV.shape[1], dtype=np.float32) + 1e-11,
                electrode=vc, gain=1.0, rate=rate, sweep_number=np.uint64(sweep)))
    cell = nwb.create_icephys_electrode(name=electrode, description="test cell", device=device)
    for sweep in range(recording.n_sweeps):
        nwb.add_acquisition(CurrentClampSeries(
            name=f"V_{sweep}", data=recording.voltage_mV[sweep], conversion=1e-3, electrode=cell, gain=1.0,
            rate=rate, sweep_number=np.uint64(sweep)))
        nwb.add_stimulus(CurrentClampStimulusSeries(
            name=f"I_{sweep}", data=recording.current_pA[sweep], conversion=1e-12, electrode=cell, gain=1.0,
            rate=rate, sweep_number=np.uint64(sweep)))
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return path
