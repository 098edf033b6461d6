"""Training infrastructure shared by surrogate families: device, seeding, progress, curves,
checkpoints, resumable training state, atomic file output.

Checkpoint layout: ``<name>.pt`` holds a dict of torch state dicts (tensors only, loaded with
``weights_only=True``), ``<name>.json`` the metadata (architecture, scalers, settings, training
control values, seed, versions and :data:`FORMAT_VERSION`). :func:`load_checkpoint` checks the
format version before anything else.

Resumable training: a training loop given a :class:`ResumeFile` writes its whole state (weights,
optimiser, curves so far, selection state, random generator states) every few epochs to
``<name>.resume.pt`` and, when started again with the same identity (settings, seed, data), goes on
from the last one written, with the same result as an uninterrupted run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import __version__
from ..io.outputs import json_safe, write_bytes, write_json
from .base import CheckpointError

FORMAT_VERSION = 1
"""Version of the checkpoint layout written by :func:`save_checkpoint`; bump on incompatible change."""


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"``: CUDA when available, else CPU; otherwise the named device.

    Raises:
        ValueError: an unknown device string, or CUDA requested but not available.
    """
    if isinstance(device, torch.device):
        resolved = device
    elif device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        try:
            resolved = torch.device(device)
        except (RuntimeError, TypeError):
            raise ValueError(f"device: {device!r} is not 'auto', 'cpu', 'cuda' or 'cuda:N'") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device: {device!r} requested but CUDA is not available")
    return resolved


def limit_threads(n: int) -> int:
    """Use at most ``n`` CPU threads in torch and in numba's parallel kernels; returns the count.

    Training calls numba kernels (the regime classification of the rollout check); without this
    their idle worker threads keep a core busy, and two training jobs on two cores ran 3x slower.
    """
    import numba  # imported here: only jobs that limit threads need it

    n = max(1, int(n))
    torch.set_num_threads(n)
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    return n


def seed_everything(seed: int, device: torch.device) -> None:
    """Seed python, numpy and torch; make torch deterministic on CPU.

    On CUDA, deterministic kernels are requested with ``warn_only`` (some have none) and the cuBLAS
    workspace is configured, so GPU runs are as repeatable as the hardware allows.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if device.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
    else:
        torch.use_deterministic_algorithms(True)


def generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A torch generator on ``device`` seeded with ``seed``."""
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    return gen


@dataclass(frozen=True)
class EpochRecord:
    """One row of a training curve.

    Attributes:
        stage: what is being trained (e.g. ``"vae"``, ``"map"``).
        epoch: 1-based epoch number.
        n_epochs: planned epochs of the stage.
        loss: mean training loss of the epoch (dimensionless, scaled units).
        val_loss: loss on the held-back data after the epoch (NaN when not evaluated).
        lr: learning rate at the end of the epoch.
        elapsed_s: wall time since the stage started, in s.
        extra: further named values (e.g. loss components, rollout horizon).
    """

    stage: str
    epoch: int
    n_epochs: int
    loss: float
    val_loss: float
    lr: float
    elapsed_s: float
    extra: Mapping[str, float] = field(default_factory=dict)

    def line(self) -> str:
        """A one-line progress message; an epoch past the planned ones reads ``24/24 + 2``."""
        extra = " ".join(f"{key}={value:.4g}" for key, value in self.extra.items())
        extra_epoch = self.epoch - self.n_epochs
        epoch = f"{self.epoch}/{self.n_epochs}" if extra_epoch <= 0 else f"{self.n_epochs}/{self.n_epochs} + {extra_epoch}"
        return (f"[{self.stage}] epoch {epoch} loss={self.loss:.5g} "
                f"val={self.val_loss:.5g} lr={self.lr:.3g} {self.elapsed_s:.1f}s {extra}").rstrip()

    def row(self) -> dict[str, Any]:
        """Flat dict for a table (``extra`` keys become columns)."""
        data = asdict(self)
        data.update(data.pop("extra"))
        return data


Progress = Callable[[EpochRecord], None]
"""Called once per epoch with the epoch's :class:`EpochRecord`."""


def no_progress(record: EpochRecord) -> None:
    """A :data:`Progress` callback that does nothing."""


def print_progress(record: EpochRecord) -> None:
    """A :data:`Progress` callback printing :meth:`EpochRecord.line` to stdout."""
    print(record.line(), flush=True)


class Stopwatch:
    """Seconds since construction (monotonic clock), plus ``elapsed`` seconds counted before (a
    resumed run goes on counting where the interrupted one stopped)."""

    def __init__(self, elapsed: float = 0.0) -> None:
        self.start = time.perf_counter() - elapsed

    def __call__(self) -> float:
        return time.perf_counter() - self.start


def cosine_lr(optimizer: torch.optim.Optimizer, base_lr: float, final_fraction: float, progress: float) -> float:
    """Set every group's learning rate on a cosine from ``base_lr`` (progress 0) to
    ``final_fraction * base_lr`` (progress 1); returns the rate set."""
    progress = min(max(progress, 0.0), 1.0)
    lr = float(base_lr * (final_fraction + (1.0 - final_fraction) * 0.5 * (1.0 + np.cos(np.pi * progress))))
    for group in optimizer.param_groups:
        group["lr"] = lr  # a python float: the optimiser state stays loadable with weights_only
    return lr


def write_curve(path: str | os.PathLike, records: list[EpochRecord]) -> Path:
    """Atomically write training-curve records as a tab-separated table with a header row."""
    rows = [record.row() for record in records]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return write_bytes(path, buffer.getvalue().encode())


def read_curve(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Rows of a table written by :func:`write_curve` (numeric columns as float, else str)."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [{key: _number(value) for key, value in row.items()} for row in rows]


def _number(text: str):
    try:
        return float(text)
    except ValueError:
        return text


def checkpoint_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """(state-dict file, metadata file) of a checkpoint named by either file or by its stem."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix in (".pt", ".json") else path
    return stem.with_suffix(".pt"), stem.with_suffix(".json")


def save_checkpoint(
    path: str | os.PathLike, states: Mapping[str, Mapping[str, torch.Tensor]], metadata: Mapping[str, Any]
) -> tuple[Path, Path]:
    """Atomically write a checkpoint: state dicts (``.pt``) and metadata (``.json``).

    Tensors are moved to the CPU first so the file loads on any device. ``metadata`` gets
    ``format_version``, ``neurorecon_version`` and ``torch_version`` added.

    Returns:
        The two paths written.
    """
    weights, meta = checkpoint_paths(path)
    cpu = {name: {key: value.detach().cpu() for key, value in state.items()} for name, state in states.items()}
    buffer = io.BytesIO()
    torch.save(cpu, buffer)
    write_bytes(weights, buffer.getvalue())
    full = dict(metadata)
    full.update(format_version=FORMAT_VERSION, neurorecon_version=__version__, torch_version=torch.__version__)
    write_json(meta, full)
    return weights, meta


def read_checkpoint_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The metadata of a checkpoint, after checking its format version.

    Raises:
        CheckpointError: missing or unreadable metadata, or an incompatible format version.
    """
    _, meta = checkpoint_paths(path)
    try:
        metadata = json.loads(meta.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint metadata {str(meta)!r} does not exist") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"checkpoint metadata {str(meta)!r} is unreadable: {exc}") from None
    version = metadata.get("format_version") if isinstance(metadata, dict) else None
    if version != FORMAT_VERSION:
        written_by = metadata.get("neurorecon_version", "unknown") if isinstance(metadata, dict) else "unknown"
        raise CheckpointError(
            f"checkpoint {str(meta)!r} has format version {version!r} (written by neurorecon "
            f"{written_by}); this neurorecon {__version__} reads format version {FORMAT_VERSION}: "
            "retrain the surrogate or use the neurorecon version that wrote it"
        )
    return metadata


def load_checkpoint(
    path: str | os.PathLike, device: torch.device | str = "cpu"
) -> tuple[dict[str, dict[str, torch.Tensor]], dict[str, Any]]:
    """(state dicts on ``device``, metadata) of a checkpoint written by :func:`save_checkpoint`.

    Raises:
        CheckpointError: see :func:`read_checkpoint_metadata`; or missing/unreadable weights.
    """
    metadata = read_checkpoint_metadata(path)
    weights, _ = checkpoint_paths(path)
    try:
        states = torch.load(weights, map_location=device, weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint weights {str(weights)!r} do not exist") from None
    except Exception as exc:  # torch raises several types for corrupt files
        raise CheckpointError(f"checkpoint weights {str(weights)!r} are unreadable: {exc}") from None
    return states, metadata


# ----- resumable training -----------------------------------------------------------------------

logger = logging.getLogger(__name__)

RESUME_SUFFIX = ".resume.pt"
"""Suffix of the training-state file written next to a run's checkpoint (``vae.resume.pt``)."""


def fingerprint(*arrays: np.ndarray | torch.Tensor) -> str:
    """SHA-256 (hex) of the dtypes, shapes and values of arrays or tensors (any device): identifies
    the data a run trains on."""
    digest = hashlib.sha256()
    for array in arrays:
        data = array.detach().cpu().numpy() if isinstance(array, torch.Tensor) else np.asarray(array)
        data = np.ascontiguousarray(data)
        digest.update(f"{data.dtype.str}{data.shape};".encode())
        digest.update(data.tobytes())
    return digest.hexdigest()


def rng_state(*generators: torch.Generator) -> dict[str, Any]:
    """States of python's, numpy's and torch's global random generators (CUDA's too where CUDA is
    available) and of ``generators``, as tensors and plain values (see :func:`restore_rng_state`)."""
    numpy_state = np.random.get_state(legacy=False)
    key = numpy_state["state"]["key"]  # (624,) uint32 Mersenne Twister key
    state = {
        "python": random.getstate(),
        "numpy": {**numpy_state, "state": {"key": torch.from_numpy(key.astype(np.int64)),
                                           "pos": numpy_state["state"]["pos"]}},
        "torch": torch.get_rng_state(),
        "generators": [gen.get_state() for gen in generators],
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: Mapping[str, Any], *generators: torch.Generator) -> None:
    """Set the global generators and ``generators`` (the same ones, in the same order, as given to
    :func:`rng_state`) to the states in ``state``."""
    random.setstate(state["python"])
    numpy_state = state["numpy"]
    np.random.set_state({**numpy_state, "state": {"key": numpy_state["state"]["key"].numpy().astype(np.uint32),
                                                  "pos": numpy_state["state"]["pos"]}})
    torch.set_rng_state(state["torch"])
    for gen, saved in zip(generators, state["generators"], strict=True):
        gen.set_state(saved)
    if "cuda" in state:
        torch.cuda.set_rng_state_all(state["cuda"])


@dataclass(frozen=True)
class ResumeFile:
    """The training state of one run, saved every ``every`` epochs so that a killed run resumes.

    The file holds the run's identity, the epoch and the state a training loop passed to
    :meth:`save` (tensors and plain python values: loaded with ``weights_only=True``). It is written
    atomically, so a kill leaves either the previous state or the new one.

    Attributes:
        path: the state file, ``<checkpoint stem>`` + :data:`RESUME_SUFFIX` next to the run's outputs.
        identity: JSON-ready description of the run (settings, seed, device, data fingerprint); the
            versions of neurorecon, torch and the checkpoint format are added. A file written for a
            different identity is ignored.
        every: epochs between saves (after every epoch that is a multiple of it).
    """

    path: Path
    identity: Mapping[str, Any]
    every: int = 1

    def _full_identity(self) -> dict[str, Any]:
        return json_safe({**self.identity, "format_version": FORMAT_VERSION, "neurorecon_version": __version__,
                           "torch_version": str(torch.__version__)})

    def load(self) -> tuple[int, dict[str, Any]] | None:
        """(epoch, state) saved last; None without a file, and (logged, with the reason) for an
        unreadable file or one written for a different identity."""
        if not self.path.exists():
            return None
        try:
            saved = torch.load(self.path, map_location="cpu", weights_only=True)
            written_for, epoch, state = saved["identity"], int(saved["epoch"]), saved["state"]
        except Exception as exc:  # torch raises several types for corrupt files
            logger.warning("ignoring unreadable resume file %s: %s", self.path, exc)
            return None
        identity = self._full_identity()
        differ = sorted(key for key in identity.keys() | written_for.keys()
                        if identity.get(key) != written_for.get(key))
        if differ:
            logger.warning("ignoring resume file %s: written for a different run (%s differ); starting over",
                           self.path, ", ".join(differ))
            return None
        logger.info("resuming from epoch %d (%s)", epoch, self.path)
        return epoch, state

    def save(self, epoch: int, state: Callable[[], Mapping[str, Any]]) -> None:
        """Atomically write ``state()``, the state after ``epoch``, when ``epoch`` is a multiple of
        ``every``."""
        if epoch % self.every:
            return
        buffer = io.BytesIO()
        torch.save({"identity": self._full_identity(), "epoch": epoch, "state": dict(state())}, buffer)
        write_bytes(self.path, buffer.getvalue())

    def remove(self) -> None:
        """Delete the file (once the run's outputs are written)."""
        self.path.unlink(missing_ok=True)


def records_state(records: list[EpochRecord]) -> list[dict[str, Any]]:
    """Training-curve records as plain dicts for a training state (see :func:`records_from_state`)."""
    return [asdict(record) for record in records]


def records_from_state(rows: list[Mapping[str, Any]]) -> list[EpochRecord]:
    """The records saved by :func:`records_state`."""
    return [EpochRecord(**row) for row in rows]
