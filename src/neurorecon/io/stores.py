"""Zarr stores through xarray: layout of trajectory stores, provenance, reading and writing.

Stores are zarr format 3, unconsolidated, written atomically under the output-path policy of
:mod:`neurorecon.io.outputs`. Reading checks that the store is complete (no lost chunk) and of the
expected kind.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import xarray as xr
import zarr

from .. import __version__
from .outputs import (
    OutputError,
    check_output,
    store_output,
    table_output,
    write_atomically,
)

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
    """Provenance attrs every store carries (listed in README, "Outputs")."""
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


STORE_FORMAT = 2
"""Layout version in every store's ``store_format`` attr. From 2 on every chunk of every array is
written (all-NaN chunks included), so a missing chunk file means a damaged store."""


def write_dataset(
    ds: xr.Dataset,
    path: str | os.PathLike,
    *,
    inputs: Iterable[str | os.PathLike] = (),
    overwrite: bool = False,
) -> Path:
    """Write ``ds`` to a zarr v3 store at ``path`` atomically, under the output-path policy of
    :mod:`neurorecon.io.outputs` (a store of the same ``kind`` is replaced; other things are refused).

    Raises:
        StoreError: the path is refused or the write failed; the message names the path.
    """
    kind = str(ds.attrs.get("kind", ""))
    try:
        path = check_output(path, store_output(kind), inputs=inputs, overwrite=overwrite)
        ds = ds.copy()
        ds.attrs["store_format"] = STORE_FORMAT
        # "w-" on a fresh temporary: mode "w" would create, remove and recreate it, a gap in which a
        # killed write leaves neither store nor temporary. Empty chunks are written too (see
        # STORE_FORMAT), so that a chunk lost later is detected on reading.
        return write_atomically(
            path, lambda tmp: ds.to_zarr(tmp, mode="w-", consolidated=False, zarr_format=3,
                                         write_empty_chunks=True)
        )
    except OutputError as exc:
        raise StoreError(str(exc)) from None


def read_dataset(path: str | os.PathLike, kind: str | None = None) -> xr.Dataset:
    """Open a store written by :func:`write_dataset`, loaded into memory.

    Args:
        kind: if given, the store's ``kind`` attr must equal it.

    Raises:
        StoreError: missing path, not a zarr store, a different kind, or (stores of
            :data:`STORE_FORMAT` 2 on) a data chunk missing from an array.
    """
    path = Path(path)
    if not path.exists():
        raise StoreError(f"store {str(path)!r} does not exist")
    try:
        with warnings.catch_warnings():  # Snakemake drops a timestamp file into directory outputs
            warnings.filterwarnings("ignore", message=".*snakemake_timestamp.*")
            ds = xr.open_zarr(path, consolidated=False)
            if kind is not None and ds.attrs.get("kind") != kind:
                raise StoreError(
                    f"{str(path)!r} is not a {kind} store (its kind attr is {ds.attrs.get('kind')!r})"
                )
            if int(ds.attrs.get("store_format", 1)) >= 2:
                _check_complete(path)
            return ds.load()
    except StoreError:
        raise
    except Exception as exc:  # zarr raises several types for "not a store"
        raise StoreError(f"{str(path)!r} is not a readable zarr store: {exc}") from exc


def _check_complete(path: Path) -> None:
    """Every chunk of every array of the store at ``path`` is present on disk."""
    group = zarr.open_group(path, mode="r")
    for name, array in group.arrays():
        present, total = array.nchunks_initialized, array.nchunks
        if present < total:
            raise StoreError(
                f"store {str(path)!r}: variable {name!r} is missing {total - present} of its {total} "
                "data chunks (the store is damaged or was copied incompletely); rerun the step that wrote it"
            )


def write_table(
    frame,
    path: str | os.PathLike,
    *,
    inputs: Iterable[str | os.PathLike] = (),
    overwrite: bool = False,
) -> Path:
    """Write a pandas DataFrame as CSV (suffix ``.csv``, any case) or TSV (any other suffix)
    atomically, under the output-path policy (a table with the same header is replaced).

    Raises:
        StoreError: the path is refused or the write failed.
    """
    try:
        path = check_table_output(path, list(frame.columns), inputs=inputs, overwrite=overwrite)
        sep = "," if path.suffix.lower() == ".csv" else "\t"
        return write_atomically(path, lambda tmp: frame.to_csv(tmp, sep=sep, index=False))
    except OutputError as exc:
        raise StoreError(str(exc)) from None


def check_table_output(
    path: str | os.PathLike,
    columns: Sequence[str],
    *,
    inputs: Iterable[str | os.PathLike] = (),
    overwrite: bool = False,
) -> Path:
    """Check a table output with header ``columns`` against the output-path policy, before work."""
    try:
        return check_output(path, table_output(columns), inputs=inputs, overwrite=overwrite)
    except OutputError as exc:
        raise StoreError(str(exc)) from None


def check_store_output(
    path: str | os.PathLike,
    kind: str,
    *,
    inputs: Iterable[str | os.PathLike] = (),
    overwrite: bool = False,
) -> Path:
    """Check a store output of ``kind`` against the output-path policy, before any work."""
    try:
        return check_output(path, store_output(kind), inputs=inputs, overwrite=overwrite)
    except OutputError as exc:
        raise StoreError(str(exc)) from None
