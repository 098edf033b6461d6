"""Multilayer perceptrons used by the surrogate networks."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.nn import functional as F

ACTIVATIONS: dict[str, type[nn.Module]] = {"silu": nn.SiLU, "tanh": nn.Tanh, "gelu": nn.GELU, "relu": nn.ReLU}
"""Activation functions by name (the name is what checkpoints record)."""

_FUNCTIONS: dict[type[nn.Module], Callable[[torch.Tensor], torch.Tensor]] = {
    nn.SiLU: F.silu, nn.Tanh: torch.tanh, nn.GELU: F.gelu, nn.ReLU: F.relu}


def mlp(n_in: int, hidden: Sequence[int], n_out: int, activation: str = "silu") -> nn.Sequential:
    """Linear layers of widths ``hidden`` with ``activation`` between them, linear output.

    Args:
        n_in: input features.
        hidden: widths of the hidden layers (may be empty: one linear layer).
        n_out: output features.
        activation: a key of :data:`ACTIVATIONS`.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; known: {', '.join(ACTIVATIONS)}")
    layers: list[nn.Module] = []
    width = n_in
    for size in hidden:
        layers += [nn.Linear(width, size), ACTIVATIONS[activation]()]
        width = size
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


def mlp_function(net: nn.Sequential) -> Callable[[torch.Tensor], torch.Tensor]:
    """The forward pass of an :func:`mlp` as a plain function of its current weights.

    It computes the same operations as ``net(x)`` (identical numbers) without the per-layer
    module dispatch, which dominates the cost of long free runs of small batches. The weights are
    captured by reference: later in-place updates are seen; use it under ``torch.no_grad()``.
    """
    ops: list[Callable[[torch.Tensor], torch.Tensor]] = []
    for layer in net:
        if isinstance(layer, nn.Linear):
            ops.append(lambda x, w=layer.weight, b=layer.bias: F.linear(x, w, b))
        else:
            ops.append(_FUNCTIONS[type(layer)])

    def forward(x: torch.Tensor) -> torch.Tensor:
        for op in ops:
            x = op(x)
        return x

    return forward
