"""The one output-path policy: where a command may write, and writing there without loss.

Every writer of the package (stores, tables, JSON, checkpoints, figures) goes through this module,
so one set of rules holds for every output:

1. An output that is one of the command's inputs, lies inside one, or contains one is refused.
2. A missing output is written; its parent folders are created at write time only, so a command
   that fails before writing leaves no empty folders behind.
3. An existing output of the same kind is replaced: that is a rerun. The kind is read from the
   thing itself (a zarr store by its ``kind`` attribute, a table by its header row, a training
   output folder by what training writes into it).
4. Anything else at the path (a file, a store of another kind) is refused unless the caller passes
   ``overwrite=True`` (the CLI's ``--overwrite``). A folder that is not a neurorecon output is never
   replaced, ``overwrite`` or not.
5. Each write goes to a new temporary sibling ``.NAME.tmp-XXXXXXXX`` (eight hex digits) that is
   renamed into place, so a killed write never leaves a half-written result under the final name.
   The next write of the same path removes the temporaries a killed write of it left behind
   (``.NAME.tmp-XXXXXXXX`` and ``.NAME.old-XXXXXXXX``), matched literally by name, never by pattern.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_TEMP_TAGS = ("tmp", "old")
_HEX = frozenset("0123456789abcdef")


class OutputError(ValueError):
    """An output path that the policy refuses, or a write that failed; the message names the path."""


@dataclass(frozen=True)
class OutputKind:
    """What a writer writes, and how to recognise an earlier output of the same kind.

    Attributes:
        description: name of the kind in messages ("trajectories store", "regime table").
        recognise: true for an existing path that holds an output of this kind (a rerun).
        folder: the output is a folder (a store or an output folder), not a single file.
    """

    description: str
    recognise: Callable[[Path], bool]
    folder: bool


def zarr_store_kind(path: Path) -> str | None:
    """The ``kind`` attribute of the zarr store at ``path``; "" for a store without one; None when
    ``path`` is not a zarr store (reads the root ``zarr.json`` only, no data)."""
    meta = path / "zarr.json"
    if not meta.is_file():
        return None
    try:
        attrs = json.loads(meta.read_text()).get("attributes", {})
    except (OSError, ValueError, AttributeError):
        return ""
    kind = attrs.get("kind", "") if isinstance(attrs, dict) else ""
    return kind if isinstance(kind, str) else ""


def store_output(kind: str) -> OutputKind:
    """A zarr store whose ``kind`` attribute is ``kind`` ("trajectories", "regimes", ...)."""
    return OutputKind(f"{kind} store", lambda path: zarr_store_kind(path) == kind, folder=True)


def table_output(columns: Sequence[str], description: str = "table") -> OutputKind:
    """A CSV or TSV table whose header row is exactly ``columns``."""
    expected = [str(column) for column in columns]

    def recognise(path: Path) -> bool:
        if not path.is_file():
            return False
        try:
            with open(path, encoding="utf-8") as handle:
                header = handle.readline().rstrip("\r\n")
        except (OSError, UnicodeDecodeError):
            return False
        return header.split("\t") == expected or header.split(",") == expected

    return OutputKind(description, recognise, folder=False)


def file_output(description: str) -> OutputKind:
    """A file inside an output folder the command owns (JSON, checkpoint, figure, curve): an
    existing file of that name is an earlier write of it."""
    return OutputKind(description, Path.is_file, folder=False)


def folder_output(description: str, markers: Iterable[str]) -> OutputKind:
    """An output folder (e.g. of a training run): recognised when empty or when it holds one of
    ``markers`` (names the command writes into it)."""
    names = tuple(markers)

    def recognise(path: Path) -> bool:
        if not path.is_dir() or zarr_store_kind(path) is not None:
            return False
        return not any(path.iterdir()) or any((path / name).exists() for name in names)

    return OutputKind(description, recognise, folder=True)


def _inside(path: Path, other: Path) -> bool:
    return path == other or other in path.parents


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path(os.sep)


def check_output(
    path: str | os.PathLike,
    kind: OutputKind,
    *,
    inputs: Iterable[str | os.PathLike] = (),
    overwrite: bool = False,
) -> Path:
    """Apply the policy (module docstring) to ``path`` before any work; return it as a Path.

    Nothing is created or removed: the nearest existing ancestor folder must be writable.

    Raises:
        OutputError: the path is refused; the message names it and says why.
    """
    path = Path(path)
    if not path.name or path.name in (".", ".."):
        raise OutputError(f"output {str(path)!r}: name a file or store inside a folder, not a folder itself")
    resolved = path.resolve()
    for item in inputs:
        source = Path(item).resolve()
        if _inside(resolved, source) or _inside(source, resolved):
            raise OutputError(f"output {str(path)!r} is (or overlaps) the input {str(item)!r}; "
                              "write to another path")
    if path.exists() or path.is_symlink():
        _check_existing(path, kind, overwrite)
    ancestor = _nearest_existing(path.parent if str(path.parent) else Path("."))
    if not ancestor.is_dir():
        raise OutputError(f"cannot write output {str(path)!r}: {str(ancestor)!r} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write output {str(path)!r}: folder {str(ancestor)!r} is not writable")
    return path


def _check_existing(path: Path, kind: OutputKind, overwrite: bool) -> None:
    if kind.recognise(path):
        return
    if path.is_dir() and not path.is_symlink():
        store = zarr_store_kind(path)
        if store is None:
            raise OutputError(
                f"output {str(path)!r} is an existing folder that is not a neurorecon output; "
                "refusing to replace it (choose another path)"
            )
        if not overwrite:
            found = f"a {store} store" if store else "a zarr store without a kind"
            raise OutputError(f"output {str(path)!r} holds {found}, not a {kind.description}; "
                              "pass --overwrite to replace it, or choose another path")
        return
    if not overwrite:
        raise OutputError(f"output {str(path)!r} exists and is not a {kind.description} written by "
                          "neurorecon; pass --overwrite to replace it, or choose another path")


def _temporary_name(path: Path, tag: str) -> Path:
    return path.with_name(f".{path.name}.{tag}-{uuid.uuid4().hex[:8]}")


def _is_own_temporary(name: str, target: str) -> bool:
    """``name`` is ``.{target}.{tmp|old}-XXXXXXXX`` with eight lowercase hex digits, compared
    literally (``target`` may contain any character, glob metacharacters included)."""
    for tag in _TEMP_TAGS:
        prefix = f".{target}.{tag}-"
        if name.startswith(prefix):
            suffix = name[len(prefix):]
            return len(suffix) == 8 and set(suffix) <= _HEX
    return False


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def remove_stale_temporaries(path: Path) -> None:
    """Remove the temporaries a killed write of ``path`` left behind (rule 5 of the module)."""
    if not path.parent.is_dir():
        return
    for entry in path.parent.iterdir():
        if _is_own_temporary(entry.name, path.name):
            _remove(entry)


def write_atomically(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Run ``write(temporary)`` to create the output at a new temporary sibling, then rename it
    over ``path``. Call :func:`check_output` first: this replaces whatever is at ``path``.

    Raises:
        OutputError: the write or the rename failed (the temporary is removed).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write output {str(path)!r}: {exc.strerror or exc}") from None
    remove_stale_temporaries(path)
    tmp = _temporary_name(path, "tmp")
    try:
        write(tmp)
        if path.exists() or path.is_symlink():
            trash = _temporary_name(path, "old")
            os.replace(path, trash)
            os.replace(tmp, path)
            _remove(trash)
        else:
            os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise OutputError(f"cannot write output {str(path)!r}: {exc.strerror or exc}") from exc
    except BaseException:
        _remove(tmp)
        raise
    return path


def write_bytes(path: str | os.PathLike, data: bytes, kind: OutputKind | None = None) -> Path:
    """Check ``path`` against the policy (as a ``kind`` output; default: a file of that name) and
    write ``data`` to it atomically."""
    path = check_output(path, kind or file_output("file"))
    return write_atomically(path, lambda tmp: tmp.write_bytes(data))


def write_json(path: str | os.PathLike, data: object) -> Path:
    """Atomically write ``data`` as indented JSON; NaN and infinities are written as null, numpy
    scalars and arrays as numbers and lists."""
    text = json.dumps(json_safe(data), indent=2, sort_keys=False)
    return write_bytes(path, (text + "\n").encode(), file_output("JSON file"))


def json_safe(value):
    """``value`` with numpy scalars and arrays as Python numbers and lists, non-finite floats as None."""
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value
