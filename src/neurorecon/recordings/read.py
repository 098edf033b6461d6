"""Open a recording: an ABF or NWB file, told apart by its first bytes, or a recording store."""

from __future__ import annotations

import os
from pathlib import Path

from ..io.stores import read_dataset
from .recording import Recording, RecordingError
from .store import KIND, recording_from_dataset

ABF_SIGNATURES = (b"ABF ", b"ABF2")
"""First four bytes of ABF1 and ABF2 files."""

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
"""First eight bytes of an HDF5 file (NWB 2 files are HDF5)."""


def read_recording(path: str | os.PathLike, channel: str | None = None) -> Recording:
    """Read an ABF or NWB current-clamp recording, or a recording store written from one.

    Args:
        path: the file, or a recording store (a directory).
        channel: response channel (ABF: ADC name such as "IN 0"; NWB: electrode name); None: the
            first channel in a voltage unit. A store holds one channel; naming another is an error.

    Raises:
        RecordingError: missing file, a file that is neither ABF nor NWB, or one the readers reject.
        StoreError: a directory that is not a recording store.
    """
    path = Path(path)
    if path.is_dir():
        recording = recording_from_dataset(read_dataset(path, kind=KIND))
        if channel is not None and channel != recording.channel:
            raise RecordingError(f"{path.name}: the store holds channel {recording.channel!r}, not {channel!r}")
        return recording
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise RecordingError(f"{path.name}: cannot open {str(path)!r}: {exc.strerror or exc}") from None
    # each reader is imported when needed: pynwb alone takes over a second to import
    if head[:4] in ABF_SIGNATURES:
        from .abf import read_abf

        return read_abf(path, channel)
    if head == HDF5_SIGNATURE:
        from .nwb import read_nwb

        return read_nwb(path, channel)
    raise RecordingError(f"{path.name}: not an ABF or NWB file (unknown signature {head[:8]!r})")
