"""The parameter-conditioned neural map on recovered states (the model; training is in
:mod:`.map_training`, free runs in :mod:`neurorecon.surrogates.free_run`).

The map works in standardised latent coordinates (encoder means minus their mean, over their
standard deviation) with a scaled control parameter p:

    z[n+1] = F(z[n], p) = z[n] + s * f(z[n], p)          z: (batch, d), p: (batch, 1)

f is an MLP whose coupling to p is chosen by ``map.coupling``; s (d,) is the standard deviation of
the one-step increments of the training series, so f predicts increments of order one. One map
step is one sampling interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
from torch import nn

from .mlp import mlp, mlp_function


class ConcatCoupling(nn.Module):
    """f(z, p) = MLP([z, p]): the control is one more input of the MLP."""

    def __init__(self, d: int, hidden: int, depth: int, activation: str) -> None:
        super().__init__()
        self.mlp = mlp(d + 1, [hidden] * depth, d, activation)

    def forward(self, z: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        return self.mlp(torch.cat([z, p], dim=-1))

    def function(self) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        """:meth:`forward` as a plain function (see :func:`~neurorecon.surrogates.vae_map.mlp.mlp_function`)."""
        net = mlp_function(self.mlp)
        return lambda z, p: net(torch.cat([z, p], dim=-1))


class _StateCoupling(nn.Module):
    """Base of the couplings whose MLP sees the state only: f(z, p) = combine(MLP(z), p).

    Subclasses set ``n_out(d)`` (the MLP's output width) and :meth:`combine`, which may read
    learned parameters of their own.
    """

    @staticmethod
    def n_out(d: int) -> int:
        raise NotImplementedError

    def __init__(self, d: int, hidden: int, depth: int, activation: str) -> None:
        super().__init__()
        self.mlp = mlp(d, [hidden] * depth, self.n_out(d), activation)

    def combine(self, out: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        """The increment (batch, d) from the MLP output (batch, n_out) and the control (batch, 1)."""
        raise NotImplementedError

    def forward(self, z: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        return self.combine(self.mlp(z), p)

    def function(self) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        """:meth:`forward` as a plain function (see :func:`~neurorecon.surrogates.vae_map.mlp.mlp_function`)."""
        net, combine = mlp_function(self.mlp), self.combine
        return lambda z, p: combine(net(z), p)


class AffineCoupling(_StateCoupling):
    """f(z, p) = g0(z) + p * g1(z): the increment is affine in the control (one MLP, 2 d outputs),
    so outside the training values it extrapolates linearly in p."""

    @staticmethod
    def n_out(d: int) -> int:
        return 2 * d

    def combine(self, out: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        g0, g1 = out.chunk(2, dim=-1)
        return g0 + p * g1


class DirectionalCoupling(_StateCoupling):
    """f(z, p) = g0(z) + p * h(z) * u: the control acts along one learned latent direction u (d,)
    with a state-dependent scalar gain h(z) (one MLP, d + 1 outputs). A rank-one special case of
    :class:`AffineCoupling`, for systems whose control enters one (slow) equation only."""

    @staticmethod
    def n_out(d: int) -> int:
        return d + 1

    def __init__(self, d: int, hidden: int, depth: int, activation: str) -> None:
        super().__init__(d, hidden, depth, activation)
        self.direction = nn.Parameter(torch.full((d,), 1.0 / math.sqrt(d)))

    def combine(self, out: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        return out[..., :-1] + p * out[..., -1:] * self.direction


class ShiftCoupling(_StateCoupling):
    """f(z, p) = g0(z) + p * c: the control adds a constant learned increment c (d,), the same at
    every state; the most rigid extrapolation in p of the couplings here."""

    @staticmethod
    def n_out(d: int) -> int:
        return d

    def __init__(self, d: int, hidden: int, depth: int, activation: str) -> None:
        super().__init__(d, hidden, depth, activation)
        self.shift = nn.Parameter(torch.zeros(d))

    def combine(self, out: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        return out + p * self.shift


COUPLINGS: dict[str, type[nn.Module]] = {
    "concat": ConcatCoupling, "affine": AffineCoupling, "directional": DirectionalCoupling, "shift": ShiftCoupling}
"""How the scaled control enters the increment network f, by name."""


@dataclass(frozen=True)
class MapArchitecture:
    """Shape of a :class:`NeuralMap`: latent dimension d, hidden width, depth, activation and
    control coupling (a key of :data:`COUPLINGS`)."""

    latent_dim: int
    hidden: int
    depth: int
    activation: str = "silu"
    coupling: str = "concat"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> MapArchitecture:
        return cls(int(data["latent_dim"]), int(data["hidden"]), int(data["depth"]), str(data["activation"]),
                   str(data["coupling"]))


class NeuralMap(nn.Module):
    """Residual map z + s * f(z, p) in standardised latent coordinates (see module docstring)."""

    def __init__(self, architecture: MapArchitecture) -> None:
        super().__init__()
        self.architecture = architecture
        a = architecture
        if a.coupling not in COUPLINGS:
            raise ValueError(f"unknown control coupling {a.coupling!r}; known: {', '.join(COUPLINGS)}")
        self.f = COUPLINGS[a.coupling](a.latent_dim, a.hidden, a.depth, a.activation)
        self.register_buffer("step_scale", torch.ones(a.latent_dim))

    def forward(self, z: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        """Next states (batch, d) from states z (batch, d) and scaled controls p (batch, 1)."""
        return z + self.step_scale * self.f(z, p)

    def inference_step(self) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        """:meth:`forward` as a plain function of the current weights: the same numbers without
        module dispatch, about twice as fast for the small batches of free runs (no autograd)."""
        f, scale = self.f.function(), self.step_scale
        return lambda z, p: z + scale * f(z, p)
