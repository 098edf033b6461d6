"""The study's targets: what a surrogate must reach to count as working (issue "figures + benchmark",
and the benchmark issue's per-dataset targets). The per-dataset summary figure draws them, the
benchmark table and figure test every row against them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Targets:
    """Targets of the surrogate study.

    Attributes:
        regime_agreement: smallest acceptable regime agreement on unseen values, %.
        transition_error: largest acceptable |transition location error|, control units (the
            per-dataset summary figure, whose axis is in the dataset's control unit).
        firing_rate_error: largest acceptable relative firing-rate error, %.
        transition_grid_steps: largest |transition location error| at which a truth transition
            counts as found, in steps of the held-out grid (the benchmark across datasets, whose
            control units differ; a transition is located to one grid step at best).
    """

    regime_agreement: float = 90.0
    transition_error: float = 1.0
    firing_rate_error: float = 20.0
    transition_grid_steps: float = 2.0
