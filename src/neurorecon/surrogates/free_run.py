"""Free runs of any batch-first map ``z <- step(z, p)`` in torch, with divergence flags: the
iteration every discrete-time torch surrogate needs for its rollouts and checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from ..io.stores import STATUS_FLAGS


@dataclass(frozen=True)
class FreeRun:
    """States of a batch of free-running map trajectories.

    Attributes:
        z: (batch, n_steps, d) recorded states; meaningless (possibly non-finite) from where a
            trajectory diverged on (``status`` says which did).
        status: (batch,) int8 :data:`~neurorecon.io.stores.STATUS_FLAGS` code: 0 ok, 1 non-finite,
            2 unbounded (the first bad state found was finite but outside the bound).
    """

    z: torch.Tensor
    status: torch.Tensor


CHECK_EVERY = 256
"""Steps between divergence checks of the current state during the transient of a free run."""


@torch.no_grad()
def free_run(
    step: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    z0: torch.Tensor,
    p: torch.Tensor,
    n_steps: int,
    transient_steps: int = 0,
    bound: float = 100.0,
) -> FreeRun:
    """Iterate ``z <- step(z, p)`` for a batch, record after a transient.

    Divergence is checked on every recorded state and, during the transient, every
    :data:`CHECK_EVERY` steps (the hot loop does nothing but step and record).

    Args:
        step: the map, batch-first: (batch, d), (batch, 1) -> (batch, d).
        z0: (batch, d) starting states.
        p: (batch, 1) control inputs as ``step`` expects them.
        n_steps: recorded steps (the first recorded state is the state after ``transient_steps + 1``
            steps).
        transient_steps: steps iterated and not recorded.
        bound: a state with any |component| > bound is unbounded.
    """
    z = z0.clone()
    status = torch.zeros(z.shape[0], dtype=torch.int8, device=z.device)

    def flag(states: torch.Tensor) -> None:  # states: (batch, ..., d)
        states = states.reshape(states.shape[0], -1)
        nonfinite = ~torch.isfinite(states).all(dim=-1)
        unbounded = ~nonfinite & ~(states.abs() <= bound).all(dim=-1)
        fresh = status == 0
        status[fresh & nonfinite] = STATUS_FLAGS["nonfinite"]
        status[fresh & unbounded] = STATUS_FLAGS["unbounded"]

    for n in range(transient_steps):
        z = step(z, p)
        if (n + 1) % CHECK_EVERY == 0:
            flag(z)
    flag(z)
    out = z.new_empty((z.shape[0], n_steps, z.shape[1]))
    for n in range(n_steps):
        z = step(z, p)
        out[:, n] = z
    flag(out)
    return FreeRun(out, status)
