"""A recording as a store: the layout of ``kind = "recording"`` datasets, both ways.

Layout (dims ``sweep``, ``time``, ``epoch``):

- ``V`` (sweep, time) float32, mV: membrane voltage of the response channel.
- ``I`` (sweep, time) float32, pA: command current.
- ``epoch_start``, ``epoch_stop`` (sweep, epoch) float64, s; ``epoch_level`` (sweep, epoch)
  float64, pA: the protocol's epochs of each sweep, NaN-padded where a sweep has fewer epochs.
- coords ``sweep`` (index in the file), ``time`` (s since the sweep start), ``epoch`` (index).
- attrs: ``kind``, ``source_file``, ``source_sha256``, ``source_format``, ``channel``,
  ``channels`` (JSON list of [name, unit]), ``recorded`` (ISO 8601), ``sampling_rate_hz``, and
  the package's provenance attrs (:func:`neurorecon.io.stores.provenance`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import xarray as xr

from ..io.stores import StoreError
from .recording import Channel, Epoch, Recording

KIND = "recording"


def recording_dataset(recording: Recording, attrs: Mapping[str, object] | None = None) -> xr.Dataset:
    """Lay ``recording`` out as a recording store; ``attrs`` (provenance) are added to its attrs."""
    n_epoch = max((len(epochs) for epochs in recording.epochs), default=0)
    bounds = np.full((3, recording.n_sweeps, n_epoch), np.nan)
    for sweep, epochs in enumerate(recording.epochs):
        for index, epoch in enumerate(epochs):
            bounds[:, sweep, index] = (epoch.start_s, epoch.stop_s, epoch.level_pA)
    coords = {
        "sweep": ("sweep", np.arange(recording.n_sweeps), {"long_name": "sweep index in the file"}),
        "time": ("time", recording.time_s, {"units": "s", "long_name": "time since the sweep start"}),
        "epoch": ("epoch", np.arange(n_epoch), {"long_name": "protocol epoch index"}),
    }
    data_vars = {
        "V": (("sweep", "time"), recording.voltage_mV, {"units": "mV", "long_name": "membrane voltage"}),
        "I": (("sweep", "time"), recording.current_pA, {"units": "pA", "long_name": "command current"}),
        "epoch_start": (("sweep", "epoch"), bounds[0], {"units": "s", "long_name": "epoch start"}),
        "epoch_stop": (("sweep", "epoch"), bounds[1], {"units": "s", "long_name": "epoch end (exclusive)"}),
        "epoch_level": (("sweep", "epoch"), bounds[2], {"units": "pA", "long_name": "epoch command current"}),
    }
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update(
        {
            "kind": KIND,
            "source_file": recording.file_name,
            "source_sha256": recording.file_sha256,
            "source_format": recording.file_format,
            "channel": recording.channel,
            "channels": json.dumps([[c.name, c.unit] for c in recording.channels]),
            "recorded": recording.recorded,
            "sampling_rate_hz": recording.rate_hz,
        }
    )
    ds.attrs.update(dict(attrs or {}))
    return ds


def recording_from_dataset(ds: xr.Dataset) -> Recording:
    """The :class:`Recording` held by a recording store (inverse of :func:`recording_dataset`).

    Raises:
        StoreError: the dataset is not a recording store.
    """
    if ds.attrs.get("kind") != KIND:
        raise StoreError(f"not a {KIND} store (its kind attr is {ds.attrs.get('kind')!r})")
    starts, stops, levels = (ds[name].values for name in ("epoch_start", "epoch_stop", "epoch_level"))
    epochs = tuple(
        tuple(Epoch(float(a), float(b), float(c)) for a, b, c in zip(*row, strict=True) if np.isfinite(a))
        for row in zip(starts, stops, levels, strict=True)
    )
    return Recording(
        file_name=ds.attrs["source_file"],
        file_sha256=ds.attrs["source_sha256"],
        file_format=ds.attrs["source_format"],
        channel=ds.attrs["channel"],
        channels=tuple(Channel(name, unit) for name, unit in json.loads(ds.attrs["channels"])),
        recorded=ds.attrs["recorded"],
        rate_hz=float(ds.attrs["sampling_rate_hz"]),
        voltage_mV=ds["V"].values,
        current_pA=ds["I"].values,
        epochs=epochs,
    )
