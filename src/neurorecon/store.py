"""Zarr stores through xarray: layout of trajectory stores, provenance, atomic writes.

Every store is written (zarr mode ``"w-"``) to a new temporary sibling path, then renamed into place, so
a killed job never leaves a half-written store under the final name. Stores are zarr format 3,
unconsolidated.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import subprocess
import tempfile
import uuid
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__
from .models import NeuronModel
from .simulate import SimulationResult

STATUS_FLAGS = {"ok": 0, "nonfinite": 1, "unbounded": 2}


class StoreError(ValueError):
    """A store that cannot be written or read, or does not have the expected layout."""


def git_sha() -> str:
    """Commit of the source tree this package runs from, or "" when unavailable."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def provenance(
    *,
    seed: int | None = None,
    config_hash: str = "",
    rule: str = "",
    wildcards: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """Provenance attrs every store carries (see DESIGN.md, "Stores")."""
    attrs: dict[str, object] = {
        "neurorecon_version": __version__,
        "git_sha": git_sha(),
        "config_hash": config_hash,
        "rule": rule,
        "wildcards": json.dumps(dict(wildcards or {}), sort_keys=True),
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "seed": -1 if seed is None else int(seed),
    }
    if os.environ.get("SLURM_JOB_ID"):
        attrs["slurm_job_id"] = os.environ["SLURM_JOB_ID"]
    return attrs


def check_writable(path: str | os.PathLike) -> Path:
    """Fail early, before any work, if a store cannot be written at ``path``; returns it as a Path.

    Creates missing parent directories and probes the parent with a temporary directory.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise StoreError(f"cannot write output {str(path)!r}: a file of that name exists")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe = tempfile.mkdtemp(prefix=f".{path.name}.probe-", dir=path.parent)
        os.rmdir(probe)
    except OSError as exc:
        raise StoreError(f"cannot write output {str(path)!r}: {exc.strerror or exc}") from None
    return path


def remove_stale_siblings(path: Path) -> None:
    """Remove temporaries a killed write of ``path`` left behind (``.name.tmp-*``, ``.name.old-*``).

    Safe because one path has one writer at a time (a Snakemake job owns its outputs).
    """
    for pattern in (f".{path.name}.tmp-*", f".{path.name}.old-*"):
        for stale in path.parent.glob(pattern):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)


def write_dataset(ds: xr.Dataset, path: str | os.PathLike) -> Path:
    """Write ``ds`` to a zarr v3 store at ``path`` atomically (temporary sibling, then rename)."""
    path = check_writable(path)
    remove_stale_siblings(path)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        # "w-", not "w": the temporary path is new, and mode "w" would create it, remove it and
        # create it again, a gap in which a killed write leaves neither store nor temporary.
        ds.to_zarr(tmp, mode="w-", consolidated=False, zarr_format=3)
        if path.exists():
            trash = path.with_name(f".{path.name}.old-{uuid.uuid4().hex[:8]}")
            os.replace(path, trash)
            os.replace(tmp, path)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise StoreError(f"cannot write output {str(path)!r}: {exc}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def read_dataset(path: str | os.PathLike, kind: str | None = None) -> xr.Dataset:
    """Open a store written by :func:`write_dataset`, loaded into memory.

    Args:
        kind: if given, the store's ``kind`` attr must equal it.

    Raises:
        StoreError: missing path, not a zarr store, or a different kind.
    """
    path = Path(path)
    if not path.exists():
        raise StoreError(f"store {str(path)!r} does not exist")
    try:
        with warnings.catch_warnings():  # Snakemake drops a timestamp file into directory outputs
            warnings.filterwarnings("ignore", message=".*snakemake_timestamp.*")
            ds = xr.open_zarr(path, consolidated=False).load()
    except Exception as exc:  # zarr raises several types for "not a store"
        raise StoreError(f"{str(path)!r} is not a readable zarr store: {exc}") from exc
    if kind is not None and ds.attrs.get("kind") != kind:
        raise StoreError(
            f"{str(path)!r} is not a {kind} store (its kind attr is {ds.attrs.get('kind')!r})"
        )
    return ds


def trajectories_dataset(
    model: NeuronModel,
    result: SimulationResult,
    parameter_set: str,
    attrs: Mapping[str, object] | None = None,
) -> xr.Dataset:
    """Lay a :class:`SimulationResult` out as a trajectory store (dims param, ic, time, state)."""
    control = model.control
    coords = {
        "param": (
            "param",
            result.control_values,
            {"units": control.unit, "long_name": control.long_name, "control": control.name},
        ),
        "ic": ("ic", np.arange(result.initial_states.shape[0]), {"long_name": "initial state index"}),
        "time": ("time", result.time, {"units": model.time_unit, "long_name": "time since start"}),
        "state": ("state", np.array(model.state_names, dtype=object), {"long_name": "state variable"}),
    }
    data_vars: dict[str, tuple] = {}
    for index, (name, unit) in enumerate(zip(model.state_names, model.state_units, strict=True)):
        data_vars[name] = (
            ("param", "ic", "time"),
            result.trajectories[:, :, index, :],
            {"units": unit, "long_name": name},
        )
    data_vars["initial_state"] = (("ic", "state"), result.initial_states, {"long_name": "state at t = 0"})
    data_vars["final_state"] = (
        ("param", "ic", "state"), result.final_states, {"long_name": "state at the last sample"},
    )
    data_vars["status"] = (
        ("param", "ic"),
        result.status,
        {
            "long_name": "integration status",
            "flag_values": list(STATUS_FLAGS.values()),
            "flag_meanings": " ".join(STATUS_FLAGS),
        },
    )
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update(
        {
            "kind": "trajectories",
            "source": "ground truth",
            "model": model.name,
            "parameter_set": parameter_set,
            "parameters": json.dumps(result.parameters, sort_keys=True),
            "control": control.name,
            "control_unit": control.unit,
            "control_is_current": bool(control.injected_current),
            "observed": model.observed,
            "spike_threshold": float(model.spike_threshold),
            "time_unit": model.time_unit,
            "dt": result.dt,
            "sample_dt": result.sample_dt,
            "transient": result.transient,
            "duration": result.duration,
        }
    )
    ds.attrs.update(dict(attrs or {}))
    return ds


def merge_trajectories(parts: list[xr.Dataset]) -> xr.Dataset:
    """Concatenate trajectory chunks along ``param`` (sorted); chunk settings must agree."""
    if not parts:
        raise StoreError("no trajectory chunks to merge")
    keys = ("model", "parameters", "dt", "sample_dt", "transient", "duration", "seed")
    first = parts[0].attrs
    for part in parts[1:]:
        for key in keys:
            if part.attrs.get(key) != first.get(key):
                raise StoreError(f"trajectory chunks disagree on {key!r}; cannot merge")
    merged = xr.concat(parts, dim="param", data_vars="minimal", coords="minimal", compat="override",
                       join="exact", combine_attrs="override").sortby("param")
    if np.unique(merged["param"].values).size != merged.sizes["param"]:
        raise StoreError("trajectory chunks overlap in control values")
    return merged


def merge_stores(
    inputs: list[str | os.PathLike], output: str | os.PathLike, provenance_attrs: Mapping[str, object]
) -> Path:
    """Merge trajectory chunk stores into one store; seed and config hash come from the chunks."""
    check_writable(output)
    merged = merge_trajectories([read_dataset(path, kind="trajectories") for path in inputs])
    attrs = dict(provenance_attrs)
    attrs["seed"] = merged.attrs.get("seed", -1)
    attrs["config_hash"] = merged.attrs.get("config_hash", "")
    merged.attrs.update(attrs)
    return write_dataset(merged, output)


def write_table(frame, path: str | os.PathLike) -> Path:
    """Write a pandas DataFrame as CSV (``.csv``) or TSV (any other suffix) atomically."""
    path = check_writable(path)
    remove_stale_siblings(path)
    sep = "," if path.suffix == ".csv" else "\t"
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        frame.to_csv(tmp, sep=sep, index=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
