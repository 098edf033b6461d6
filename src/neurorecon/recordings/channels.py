"""Units of recorded channels and the choice of the response channel."""

from __future__ import annotations

from collections.abc import Sequence

from .recording import Channel, RecordingError

TO_MILLIVOLT = {"mv": 1.0, "v": 1e3, "volt": 1e3, "volts": 1e3, "uv": 1e-3, "µv": 1e-3}
"""Factor from a voltage unit (lower case) to mV."""

TO_PICOAMPERE = {"pa": 1.0, "na": 1e3, "ua": 1e6, "µa": 1e6, "a": 1e12, "amp": 1e12, "amps": 1e12,
                 "ampere": 1e12, "amperes": 1e12}
"""Factor from a current unit (lower case) to pA."""


def voltage_factor(unit: str) -> float | None:
    """Factor that converts samples in ``unit`` to mV; None if ``unit`` is not a voltage unit."""
    return TO_MILLIVOLT.get(unit.strip().lower())


def current_factor(unit: str) -> float | None:
    """Factor that converts samples in ``unit`` to pA; None if ``unit`` is not a current unit."""
    return TO_PICOAMPERE.get(unit.strip().lower())


def choose_channel(file_name: str, channels: Sequence[Channel], requested: str | None) -> int:
    """Index of the response channel: ``requested`` if given, else the first with voltage units.

    Raises:
        RecordingError: ``requested`` is not a channel of the file, or the chosen channel does not
            record voltage (a voltage-clamp recording, whose response is a current).
    """
    listing = ", ".join(f"{c.name!r} ({c.unit})" for c in channels) or "none"
    if requested is not None:
        names = [c.name for c in channels]
        if requested not in names:
            raise RecordingError(f"{file_name}: no channel {requested!r}; channels: {listing}")
        index = names.index(requested)
        if voltage_factor(channels[index].unit) is None:
            raise RecordingError(
                f"{file_name}: channel {requested!r} records {channels[index].unit}, not a voltage; "
                "only current-clamp recordings (response in mV) can be used"
            )
        return index
    for index, channel in enumerate(channels):
        if voltage_factor(channel.unit) is not None:
            return index
    raise RecordingError(
        f"{file_name}: no channel records a voltage (channels: {listing}); this looks like a "
        "voltage-clamp recording, and only current-clamp recordings (response in mV) can be used"
    )
