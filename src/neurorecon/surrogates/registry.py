"""Registry of surrogate families by name, and loading any trained surrogate from its checkpoint.

A checkpoint records its family (metadata key ``family``); :func:`load_surrogate` dispatches on it.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from ..training import CheckpointError, read_checkpoint_metadata
from .base import Surrogate
from .vae_map import VaeMapSurrogate

FAMILIES: dict[str, type[Surrogate]] = {VaeMapSurrogate.family: VaeMapSurrogate}
"""Surrogate classes by family name."""

SURROGATE_CHECKPOINT = "surrogate"
"""Checkpoint stem of a trained surrogate inside its training output directory."""


def get_family(name: str) -> type[Surrogate]:
    """The :class:`Surrogate` class registered as ``name``.

    Raises:
        ValueError: unknown family, naming the known ones.
    """
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown surrogate family {name!r}; known: {', '.join(sorted(FAMILIES))}") from None


def resolve_checkpoint(path: str | os.PathLike) -> Path:
    """A checkpoint path: ``path`` itself, or ``path/surrogate`` when ``path`` is a directory."""
    path = Path(path)
    return path / SURROGATE_CHECKPOINT if path.is_dir() else path


def load_surrogate(path: str | os.PathLike, device: str | torch.device = "auto") -> Surrogate:
    """Load a trained surrogate of any family from a checkpoint (stem, ``.pt``/``.json`` file, or
    the directory holding ``surrogate.pt``/``surrogate.json``), ready on ``device``.

    Raises:
        CheckpointError: missing, unreadable, incompatible format version, or unknown family.
    """
    path = resolve_checkpoint(path)
    family = read_checkpoint_metadata(path).get("family")
    if family not in FAMILIES:
        raise CheckpointError(f"checkpoint {str(path)!r} has unknown surrogate family {family!r}")
    return FAMILIES[family].load(path, device)
