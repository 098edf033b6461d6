"""The contract every surrogate family fulfils, whatever its internals.

A surrogate is trained on the observed variable of a trajectory store at a few control values and
can then be run freely at any control value. A family is one subpackage
``neurorecon/surrogates/<family>/`` implementing :class:`Surrogate` (training included, through
:meth:`Surrogate.train`), one line in :data:`neurorecon.surrogates.registry.FAMILIES` (or a
``neurorecon.families`` entry point of another package), and, only if it trains in several
workflow jobs, a rule file ``workflow/rules/surrogates/<family>.smk``.

Every training run writes the same outputs into its folder: ``surrogate.pt`` + ``surrogate.json``
(:meth:`Surrogate.save`), the family's figures (:attr:`FamilyEntry.figures`), and, written by the
generic check and not by the family, ``training_check.json``. Nothing here imports torch: a family
that does not need it (a numpy baseline) does not load it.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..dynamics.lyapunov import LyapunovEstimate

STORE_ATTRS = ("model", "observed", "spike_threshold", "time_unit", "sample_dt", "control", "control_unit",
               "control_is_current", "parameter_set", "parameters")
"""Descriptive attrs of the training store that a surrogate keeps and its sweeps carry."""


class CheckpointError(ValueError):
    """A checkpoint that is missing, unreadable, of an unknown family, or written by an incompatible
    format version."""


@dataclass(frozen=True)
class ObservedRollout:
    """Free-running traces of the observed variable over (control value, initial state).

    Attributes:
        observed: (n_param, n_ic, n_steps) float32 traces in the observed unit, one sample per
            sampling interval; NaN after a trajectory diverged.
        status: (n_param, n_ic) int8 :data:`~neurorecon.io.stores.STATUS_FLAGS` code (0 ok).
        lyapunov: largest Lyapunov exponent of the surrogate's own dynamics continued from the end
            of every trajectory, arrays reshaped to (n_param, n_ic), in 1 / (time unit); NaN where
            the trajectory diverged. None when not estimated.
    """

    observed: np.ndarray
    status: np.ndarray
    lyapunov: LyapunovEstimate | None = None


def masked_lyapunov(raw: LyapunovEstimate, status: np.ndarray, shape: tuple[int, int]) -> LyapunovEstimate:
    """A rollout's Lyapunov estimate over (batch,) trajectories, NaN (not converged) where the
    trajectory's ``status`` is not 0, reshaped to ``shape`` = (n_param, n_ic)."""
    bad = status != 0
    return LyapunovEstimate(
        np.where(bad, np.nan, raw.exponent).reshape(shape),
        np.where(bad[:, None], np.nan, raw.spectrum).reshape(*shape, -1),
        np.where(bad, np.nan, raw.stderr).reshape(shape),
        (raw.converged & ~bad).reshape(shape),
    )


class Surrogate(ABC):
    """A trained surrogate: free-running traces of the observed variable at any control value."""

    family: ClassVar[str]
    """Registry name of the family, recorded in checkpoints."""
    settings_type: ClassVar[type]
    """Settings dataclass of the family (``from_dict(mapping, where)`` / ``to_dict()``), which
    validates and completes the config section ``surrogates.<name>.settings``."""

    @property
    @abstractmethod
    def store_attrs(self) -> dict[str, Any]:
        """The :data:`STORE_ATTRS` of the training store (those it had)."""

    @property
    @abstractmethod
    def training_values(self) -> np.ndarray:
        """(n_val,) control values of the training data, control unit."""

    @abstractmethod
    def rollout(
        self, control_values: np.ndarray, n_ic: int, n_steps: int, transient_steps: int, seed: int,
        lyapunov_steps: int = 0,
    ) -> ObservedRollout:
        """Run freely at every control value from ``n_ic`` initial states (batched). The same
        arguments give the same traces (the family seeds its own random state from ``seed``).

        Args:
            control_values: (n_param,) control values, control unit.
            n_ic: initial states per control value (the same states for every value).
            n_steps: recorded samples per trajectory.
            transient_steps: samples run and discarded before recording.
            seed: seed of the initial states.
            lyapunov_steps: steps (sampling intervals) over which the largest Lyapunov exponent
                of the surrogate is estimated from where each trajectory ends; 0: not estimated.
        """

    def forecast(self, history: np.ndarray, control: np.ndarray, n_steps: int) -> np.ndarray | None:
        """Predict the observed variable after a stretch of observations; None: not supported.

        Args:
            history: (batch, n_hist) observed samples (observed unit), the last one at time t0.
            control: (batch,) control values, control unit.
            n_steps: samples to predict, at t0 + sample_dt, ..., t0 + n_steps * sample_dt.

        Returns:
            (batch, n_steps) float32 predictions (NaN where the forecast diverged), or None for a
            family that cannot start from observations.
        """
        return None

    def predict_sweeps(self, voltage: np.ndarray, current: np.ndarray) -> np.ndarray | None:
        """Predict recorded sweeps under their own command current; None: not supported.

        Args:
            voltage: (n_sweep, n_time) recorded voltage, mV, at the sampling interval trained on; a
                family may read the start of each sweep (before any step) to set its state.
            current: (n_sweep, n_time) command current, pA.

        Returns:
            (n_sweep, n_time) float32 voltage, mV (NaN where the prediction diverged), or None for a
            family that cannot be driven by a current waveform.
        """
        return None

    @abstractmethod
    def save(self, path: str | os.PathLike) -> None:
        """Write the surrogate as a checkpoint (state dicts + JSON metadata) at ``path``."""

    @classmethod
    @abstractmethod
    def load(cls, path: str | os.PathLike, device: str = "auto") -> Surrogate:
        """Restore a surrogate written by :meth:`save`, ready to run on ``device`` ("auto", "cpu",
        "cuda", ...; a family without devices ignores it)."""

    @classmethod
    @abstractmethod
    def train(
        cls,
        train_store: Path,
        settings: Any,
        seed: int,
        device: str,
        out_dir: Path,
        progress: Callable[[str], None],
    ) -> Surrogate:
        """Train on the observed variable of the trajectory store ``train_store`` and write the
        surrogate (:meth:`save` at ``out_dir / "surrogate"``) and the family's figures into
        ``out_dir``; report progress as lines of text.

        Args:
            train_store: trajectory store of the training values (only the observed variable and
                the store's attrs may be read: the hidden states are unknown to a surrogate).
            settings: the family's complete settings (an instance of its ``settings_type``).
            seed: seed of every random choice.
            device: "auto", "cpu", "cuda", ... (ignored by a family without devices).
            out_dir: the run's output folder.
            progress: called with one line per step worth reporting.

        Returns:
            The trained surrogate, as :meth:`load` would restore it.
        """
