"""Multilayer perceptrons used by the surrogate networks."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

ACTIVATIONS: dict[str, type[nn.Module]] = {"silu": nn.SiLU, "tanh": nn.Tanh, "gelu": nn.GELU, "relu": nn.ReLU}
"""Activation functions by name (the name is what checkpoints record)."""


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
