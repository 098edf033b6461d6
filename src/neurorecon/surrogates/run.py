"""One training run of any family, as ``neurorecon train`` and the workflow run it: the family
trains and writes its surrogate and figures into the run folder (:meth:`Surrogate.train`), then the
family-independent check at the training values writes ``training_check.json``."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..io.stores import read_dataset
from .base import Surrogate
from .registry import SURROGATE_CHECKPOINT, get_family
from .settings import CheckSettings
from .training_check import TrainingCheck, run_training_check

TRAINING_CHECK = "training_check.json"
"""File name of the training-value check inside a run folder."""


@dataclass(frozen=True)
class TrainingRun:
    """What a training run leaves in its folder.

    Attributes:
        checkpoint: stem of the surrogate checkpoint (``surrogate.pt`` + ``surrogate.json``).
        check: the training-value check of the trained surrogate.
        check_path: where it was written.
    """

    checkpoint: Path
    check: TrainingCheck
    check_path: Path


def check_surrogate(
    surrogate: Surrogate, train_store: str | os.PathLike, settings: CheckSettings, seed: int, out_dir: str | os.PathLike
) -> TrainingRun:
    """Run the training-value check of ``surrogate`` and write ``training_check.json`` into ``out_dir``."""
    out_dir = Path(out_dir)
    check = run_training_check(surrogate, read_dataset(train_store, kind="trajectories"), settings, seed)
    return TrainingRun(out_dir / SURROGATE_CHECKPOINT, check, check.write(out_dir / TRAINING_CHECK))


def train_run(
    kind: str,
    train_store: str | os.PathLike,
    settings: Any,
    check_settings: CheckSettings,
    seed: int,
    device: str,
    out_dir: str | os.PathLike,
    progress: Callable[[str], None],
) -> TrainingRun:
    """Train a surrogate of family ``kind`` into ``out_dir`` and check it at the training values.

    Raises:
        ValueError: an unknown family, or training data the settings cannot use.
    """
    family = get_family(kind).surrogate_type
    surrogate = family.train(Path(train_store), settings, seed, device, Path(out_dir), progress)
    progress(f"checking the trained surrogate at the training values ({check_settings.n_ic} states each)")
    return check_surrogate(surrogate, train_store, check_settings, seed, out_dir)
