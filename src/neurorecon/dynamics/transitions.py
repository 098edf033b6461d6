"""Regime transitions along the control parameter, from the per-initial-state regimes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .regimes import Regime


@dataclass(frozen=True)
class Transition:
    """A change of the dominant regime between two neighbouring control values.

    Attributes:
        left, right: the neighbouring control values (left < right).
        before, after: dominant regime at ``left`` and at ``right``.
    """

    left: float
    right: float
    before: Regime
    after: Regime

    @property
    def location(self) -> float:
        """Estimated transition point: midway between the neighbours (control unit)."""
        return 0.5 * (self.left + self.right)

    def describe(self, name: str = "p", unit: str = "") -> str:
        unit = f" {unit}" if unit and unit != "1" else ""
        return (f"{self.before.name.lower()} -> {self.after.name.lower()} between {name}={self.left:g} "
                f"and {self.right:g}{unit} (~{self.location:g})")


def dominant_regime(regime: np.ndarray) -> np.ndarray:
    """Most frequent regime over initial states; ties go to the lower code.

    Args:
        regime: (n_param, n_ic) integer regime codes.

    Returns:
        (n_param,) int8 codes.
    """
    regime = np.asarray(regime, dtype=np.int64)
    counts = np.stack([(regime == code).sum(axis=1) for code in Regime], axis=1)
    return np.array([list(Regime)[i] for i in counts.argmax(axis=1)], dtype=np.int8)


def find_transitions(param: np.ndarray, regime: np.ndarray) -> list[Transition]:
    """Transitions of the dominant regime along increasing ``param``.

    Args:
        param: (n_param,) control values.
        regime: (n_param, n_ic) regime codes.
    """
    order = np.argsort(param)
    param = np.asarray(param, dtype=np.float64)[order]
    dominant = dominant_regime(np.asarray(regime)[order])
    return [
        Transition(float(param[i]), float(param[i + 1]), Regime(int(dominant[i])), Regime(int(dominant[i + 1])))
        for i in range(param.size - 1)
        if dominant[i] != dominant[i + 1]
    ]
