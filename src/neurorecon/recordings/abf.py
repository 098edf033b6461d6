"""Read Axon Binary Format files (ABF1 and ABF2) through ``pyabf``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyabf

from .channels import choose_channel, current_factor, voltage_factor
from .epochs import epochs_from_command, epochs_from_samples
from .recording import Channel, Epoch, Recording, RecordingError, file_sha256


def _clean(name: str, fallback: str) -> str:
    name = name.replace("\x00", "").strip()
    return name or fallback


def _table_epochs(abf: pyabf.ABF, factor: float, n_time: int) -> tuple[Epoch, ...] | None:
    """Epochs of the current sweep from the file's epoch table; None if it has no usable table.

    Usable: every entry a step with a finite level and sample bounds inside the sweep.
    """
    table = abf.sweepEpochs
    bounds = list(zip(table.p1s, table.p2s, strict=True))
    if not bounds or any(kind != "Step" for kind in table.types):
        return None
    if any(not 0 <= a <= b <= n_time for a, b in bounds) or not np.all(np.isfinite(table.levels)):
        return None
    return epochs_from_samples(bounds, [level * factor for level in table.levels], abf.sampleRate)


def read_abf(path: Path, channel: str | None = None) -> Recording:
    """Read the sweeps of one response channel of an ABF file and their command current.

    Epochs come from the file's epoch table where it has one made of steps, else from the command
    waveform.

    Args:
        path: the ABF file.
        channel: name of the response channel (an ``adcNames`` entry, e.g. "IN 0"); None: the
            first channel in a voltage unit.

    Raises:
        RecordingError: unreadable file, no voltage channel (voltage clamp), or no command current.
    """
    name = path.name
    try:
        abf = pyabf.ABF(str(path))
    except Exception as exc:  # noqa: BLE001 - pyabf raises many types here
        raise RecordingError(f"{name}: not a readable ABF file: {exc}") from None
    channels = tuple(
        Channel(_clean(adc, f"IN {i}"), _clean(unit, ""))
        for i, (adc, unit) in enumerate(zip(abf.adcNames, abf.adcUnits, strict=True))
    )
    index = choose_channel(name, channels, channel)
    to_mv = voltage_factor(channels[index].unit)
    voltage, current, epochs = [], [], []
    for sweep in abf.sweepList:
        abf.setSweep(sweep, channel=index)
        to_pa = current_factor(_clean(abf.sweepUnitsC, ""))
        command = np.asarray(abf.sweepC, dtype=np.float64)
        if to_pa is None or not np.all(np.isfinite(command)):
            raise RecordingError(
                f"{name}: channel {channels[index].name!r} has no command current (command unit "
                f"{_clean(abf.sweepUnitsC, '') or 'missing'!r}); the protocol's steps cannot be known"
            )
        voltage.append(np.asarray(abf.sweepY, dtype=np.float64) * to_mv)
        current.append(command * to_pa)
        table = _table_epochs(abf, to_pa, command.size)
        epochs.append(table if table is not None else epochs_from_command(current[-1], abf.sampleRate))
    try:
        recorded = abf.abfDateTime.isoformat()
    except (AttributeError, ValueError):
        recorded = ""
    return Recording(
        file_name=name,
        file_sha256=file_sha256(path),
        file_format="abf",
        channel=channels[index].name,
        channels=channels,
        recorded=recorded,
        rate_hz=float(abf.sampleRate),
        voltage_mV=np.asarray(voltage, dtype=np.float32),
        current_pA=np.asarray(current, dtype=np.float32),
        epochs=tuple(epochs),
    )
