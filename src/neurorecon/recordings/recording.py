"""The in-memory form of a current-clamp recording, whatever file format it came from."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import numpy as np


class RecordingError(ValueError):
    """A recording file that cannot be read or used; the message names the file and the problem."""


@dataclass(frozen=True)
class Epoch:
    """One interval of constant command current within a sweep.

    Attributes:
        start_s: start, in s since the start of the sweep.
        stop_s: end (exclusive), in s since the start of the sweep.
        level_pA: command current during the epoch, in pA.
    """

    start_s: float
    stop_s: float
    level_pA: float

    @property
    def duration_s(self) -> float:
        """Length of the epoch, in s."""
        return self.stop_s - self.start_s


@dataclass(frozen=True)
class Channel:
    """An input channel of the file: its name and the unit of its samples as the file states it."""

    name: str
    unit: str


@dataclass(frozen=True)
class Recording:
    """Sweeps of one response channel (voltage) with the command current that drove them.

    Attributes:
        file_name: name of the source file (no directory).
        file_sha256: SHA-256 of the source file's bytes, hex.
        file_format: "abf" or "nwb".
        channel: name of the response channel read (one of ``channels``).
        channels: every input channel of the file.
        recorded: start of the recording as an ISO 8601 string ("" when the file has none).
        rate_hz: sampling rate, in Hz.
        voltage_mV: (n_sweep, n_time) float32 membrane voltage, in mV.
        current_pA: (n_sweep, n_time) float32 command current, in pA.
        epochs: per sweep, the epochs of constant command current in time order.
    """

    file_name: str
    file_sha256: str
    file_format: str
    channel: str
    channels: tuple[Channel, ...]
    recorded: str
    rate_hz: float
    voltage_mV: np.ndarray
    current_pA: np.ndarray
    epochs: tuple[tuple[Epoch, ...], ...]

    @property
    def n_sweeps(self) -> int:
        """Number of sweeps."""
        return int(self.voltage_mV.shape[0])

    @property
    def time_s(self) -> np.ndarray:
        """(n_time,) float64 sample times since the start of a sweep, in s."""
        return np.arange(self.voltage_mV.shape[1], dtype=np.float64) / self.rate_hz


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
