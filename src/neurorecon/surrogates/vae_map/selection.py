"""Latent-dimension selection from the VAE training curves of a latent scan.

Rule (:class:`~neurorecon.surrogates.vae_map.settings.LatentSelection`): the loss level L(d) of the VAE with
latent dimension d is the mean of the chosen curve column over its last epochs; the *elbow* is the
smallest d with L(d) <= (1 + rel_tol) * min_d L(d), i.e. the smallest latent dimension whose loss
reaches the plateau of the larger ones (the "elbow of the loss level", an estimate of the number
of state variables). The selected d is the smallest scanned d >= elbow + margin (the largest
scanned d if there is none): ``margin`` extra latent variables give the neural map room to unfold
the dynamics (on ``srk`` the elbow is d = 3, the true state dimension, and maps on d = 4 latents
pass the training-value check far more often than on d = 3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .settings import LatentSelection


@dataclass(frozen=True)
class LatentChoice:
    """Outcome of the selection rule, with its inputs.

    Attributes:
        latent_dim: the selected d.
        elbow: the smallest d on the plateau.
        levels: d -> loss level L(d) (dimensionless, scaled units).
        threshold: (1 + rel_tol) * min L, the plateau level.
        settings: the rule's settings.
    """

    latent_dim: int
    elbow: int
    levels: dict[int, float]
    threshold: float
    settings: LatentSelection

    def to_dict(self) -> dict[str, Any]:
        return {
            "latent_dim": self.latent_dim,
            "elbow": self.elbow,
            "rule": "elbow = smallest d with level(d) <= (1 + rel_tol) * min level; "
                    "latent_dim = smallest scanned d >= elbow + margin (else the largest)",
            "levels": {str(d): level for d, level in sorted(self.levels.items())},
            "best_level": min(self.levels.values()),
            "threshold": self.threshold,
            "settings": self.settings.to_dict(),
        }


def loss_level(rows: Sequence[Mapping[str, Any]], metric: str, last_epochs: int) -> float:
    """Mean of column ``metric`` over the last ``last_epochs`` rows of a curve.

    Raises:
        ValueError: an empty curve, a missing column, or a non-finite level.
    """
    if not rows:
        raise ValueError("an empty training curve has no loss level")
    if metric not in rows[0]:
        raise ValueError(f"training curve has no column {metric!r} (columns: {', '.join(rows[0])})")
    level = float(np.mean([float(row[metric]) for row in rows[-last_epochs:]]))
    if not np.isfinite(level):
        raise ValueError(f"training curve has a non-finite {metric!r} level")
    return level


def choose_latent_dim(curves: Mapping[int, Sequence[Mapping[str, Any]]], settings: LatentSelection) -> LatentChoice:
    """Apply the selection rule to curves keyed by latent dimension.

    Raises:
        ValueError: an empty scan, or a curve without a usable level.
    """
    if not curves:
        raise ValueError("latent selection needs at least one VAE training curve (the latent scan is empty)")
    levels = {int(d): loss_level(rows, settings.metric, settings.last_epochs) for d, rows in curves.items()}
    threshold = (1.0 + settings.rel_tol) * min(levels.values())
    elbow = min(d for d, level in levels.items() if level <= threshold)
    chosen = min((d for d in levels if d >= elbow + settings.margin), default=max(levels))
    return LatentChoice(chosen, elbow, levels, threshold, settings)
