"""Read intracellular electrophysiology from NWB files through ``pynwb``.

Layout read: the response sweeps are the ``PatchClampSeries`` under ``acquisition`` (a
``CurrentClampSeries`` for current clamp), the command of each sweep the ``PatchClampSeries`` under
``stimulus`` (a ``CurrentClampStimulusSeries``) with the same electrode and ``sweep_number``. A
channel is an intracellular electrode; sweeps are ordered by ``sweep_number``. Epochs come from the
command waveform (NWB has no epoch table for a sweep's protocol).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pynwb import NWBHDF5IO
from pynwb.icephys import IZeroClampSeries, PatchClampSeries

from .channels import choose_channel, current_factor, voltage_factor
from .epochs import epochs_from_command
from .recording import Channel, Recording, RecordingError, file_sha256


def _samples(series: PatchClampSeries, factor: float) -> np.ndarray:
    """The series' data in SI units (``conversion`` and ``offset`` applied) times ``factor``."""
    data = np.asarray(series.data[:], dtype=np.float64)
    return (data * series.conversion + getattr(series, "offset", 0.0)) * factor


def _by_electrode(group, electrode: str) -> dict[int, PatchClampSeries]:
    """Series of ``group`` (acquisition or stimulus) recorded through ``electrode``, by sweep."""
    found = [s for s in group.values() if isinstance(s, PatchClampSeries) and not isinstance(s, IZeroClampSeries)
             and s.electrode.name == electrode]
    return {(s.sweep_number if s.sweep_number is not None else i): s for i, s in enumerate(found)}


def read_nwb(path: Path, channel: str | None = None) -> Recording:
    """Read the current-clamp sweeps of one electrode of an NWB file and their command current.

    Args:
        path: the NWB file (HDF5).
        channel: name of the intracellular electrode; None: the first whose response is a voltage.

    Raises:
        RecordingError: unreadable file, no voltage response (voltage clamp), a sweep without its
            command current, or sweeps that differ in sampling rate or length.
    """
    name = path.name
    try:
        io = NWBHDF5IO(str(path), "r")
    except Exception as exc:  # noqa: BLE001 - h5py and hdmf raise many types
        raise RecordingError(f"{name}: not a readable NWB file: {exc}") from None
    with io:
        try:
            nwb = io.read()
        except Exception as exc:  # noqa: BLE001 - hdmf raises many types for a file that is not NWB
            raise RecordingError(f"{name}: not a readable NWB file: {exc}") from None
        channels: dict[str, Channel] = {}
        for series in nwb.acquisition.values():
            if isinstance(series, PatchClampSeries) and not isinstance(series, IZeroClampSeries):
                channels.setdefault(series.electrode.name, Channel(series.electrode.name, series.unit))
        listed = tuple(channels.values())
        if not listed:
            raise RecordingError(f"{name}: no intracellular (PatchClampSeries) recordings in 'acquisition'")
        index = choose_channel(name, listed, channel)
        electrode = listed[index].name
        responses = _by_electrode(nwb.acquisition, electrode)
        commands = _by_electrode(nwb.stimulus, electrode)
        voltage, current, rates = [], [], set()
        for sweep in sorted(responses):
            response = responses[sweep]
            command = commands.get(sweep)
            if command is None or current_factor(command.unit) is None:
                raise RecordingError(f"{name}: sweep {sweep} of electrode {electrode!r} has no command current "
                                     "(a CurrentClampStimulusSeries with the same sweep_number)")
            if response.rate is None or command.rate != response.rate:
                raise RecordingError(f"{name}: sweep {sweep}: response and command must share one sampling rate")
            voltage.append(_samples(response, voltage_factor(response.unit)))
            current.append(_samples(command, current_factor(command.unit)))
            rates.add(float(response.rate))
            if current[-1].shape != voltage[-1].shape or voltage[-1].shape != voltage[0].shape:
                raise RecordingError(f"{name}: sweep {sweep}: every response and command must have the same "
                                     "number of samples")
        if len(rates) != 1:
            raise RecordingError(f"{name}: sweeps differ in sampling rate ({sorted(rates)} Hz)")
        rate = rates.pop()
        recorded = nwb.session_start_time.isoformat() if nwb.session_start_time is not None else ""
    return Recording(
        file_name=name,
        file_sha256=file_sha256(path),
        file_format="nwb",
        channel=electrode,
        channels=listed,
        recorded=recorded,
        rate_hz=rate,
        voltage_mV=np.asarray(voltage, dtype=np.float32),
        current_pA=np.asarray(current, dtype=np.float32),
        epochs=tuple(epochs_from_command(c, rate) for c in current),
    )
