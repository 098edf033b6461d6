"""The ``vae_map`` family's use of the training-value check while it trains: candidate maps and
their checkpoints are ranked by free runs started from encoded training states (latent states),
before a surrogate exists. The rules and tolerances are those of
:mod:`neurorecon.surrogates.training_check`, which also checks every trained surrogate, of any
family, the same way through its observed traces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch

from ..settings import CheckSettings
from ..training_check import TrainingTruth, check_rollouts


def rank_key(report: dict[str, Any]) -> tuple[float, ...]:
    """Sort key of a check report, larger is better: passed traces, then smaller error."""
    return (float(report["n_traces_passed"]), -float(report["error"]))


class FreeRunner(Protocol):
    """What the check needs of a surrogate: free runs from given states, decoded."""

    def run(self, z0: torch.Tensor, control: np.ndarray, n_steps: int, transient_steps: int
            ) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class TrainingValueCheck:
    """The free-running check of a surrogate at the training values, from fixed start states.

    Attributes:
        truth: :func:`training_truth` of the training data.
        starts: (n_val * n_ic, d) start states (encoded training states), grouped by value in the
            order of ``truth.control``.
        start_control: (n_val * n_ic,) control value of every start state.
        sample_dt: time per map step, time unit.
        spike_threshold: observed unit.
        settings: steps and tolerances.
    """

    truth: TrainingTruth
    starts: torch.Tensor
    start_control: np.ndarray
    sample_dt: float
    spike_threshold: float
    settings: CheckSettings

    def judge(self, surrogate: FreeRunner) -> tuple[tuple[float, ...], dict[str, Any]]:
        """(:func:`rank_key`, summary) of a surrogate: ``passed``, ``check_values_passed``,
        ``check_traces_passed``, ``check_error`` and the full ``report`` (:func:`check_rollouts`)."""
        s = self.settings
        observed, status = surrogate.run(self.starts, self.start_control, s.n_steps - s.transient_steps,
                                         s.transient_steps)
        shape = (self.truth.control.size, s.n_ic)
        report = check_rollouts(self.truth, observed.reshape(*shape, -1), status.reshape(shape), self.sample_dt,
                                self.spike_threshold, s)
        summary = {"passed": report["passed"], "check_values_passed": report["n_values_passed"],
                   "check_traces_passed": report["n_traces_passed"], "check_error": report["error"], "report": report}
        return rank_key(report), summary
