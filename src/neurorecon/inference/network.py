"""The ISI-sequence network: standardised log-ISIs (batch, length) with a mask -> (g_s, g_u) as a
Gaussian (mean and log-variance, in standardised units) and a bursting logit.

Two encoders (:class:`~neurorecon.inference.settings.NetworkSettings`):

- ``gru``: a bidirectional GRU over the sequence (packed, so padding is never read); its outputs
  pooled by a masked mean and a masked max.
- ``transformer``: the log-ISI embedded by a small MLP plus a learned position embedding, a pre-norm transformer
  encoder (padding masked), attention pooling (a learned score per position, softmax over the real
  ones).

Both feed an MLP head with 5 outputs: mean (2), log-variance (2), bursting logit (1).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .settings import NetworkSettings

N_OUT = 5


@dataclass
class NetworkOutput:
    """Outputs for a batch of B trains.

    Attributes:
        mean: (B, 2) standardised (g_s, g_u).
        log_var: (B, 2) log-variance of the standardised (g_s, g_u).
        logit: (B,) logit of the bursting class.
    """

    mean: torch.Tensor
    log_var: torch.Tensor
    logit: torch.Tensor


class GruEncoder(nn.Module):
    def __init__(self, settings: NetworkSettings) -> None:
        super().__init__()
        self.gru = nn.GRU(1, settings.width, num_layers=settings.layers, batch_first=True, bidirectional=True,
                          dropout=settings.dropout if settings.layers > 1 else 0.0)
        self.out_features = 4 * settings.width

    def forward(self, values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        lengths = mask.sum(dim=1).clamp(min=1)
        packed = nn.utils.rnn.pack_padded_sequence(values.unsqueeze(-1), lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        out, _ = self.gru(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=values.shape[1])
        weight = mask.unsqueeze(-1).to(out.dtype)
        mean = (out * weight).sum(dim=1) / lengths.unsqueeze(-1).to(out.dtype)
        largest = out.masked_fill(~mask.unsqueeze(-1), float("-inf")).amax(dim=1)
        return torch.cat([mean, largest], dim=1)


class TransformerEncoder(nn.Module):
    def __init__(self, settings: NetworkSettings, max_length: int) -> None:
        super().__init__()
        # a nonlinear embedding: a linear one of the scalar log-ISI is a ray that the layer norms
        # reduce to its sign (the magnitude of same-signed log-ISIs was lost; tests/inference)
        self.embed = nn.Sequential(nn.Linear(1, settings.width), nn.GELU(), nn.Linear(settings.width, settings.width))
        self.position = nn.Embedding(max_length, settings.width)
        layer = nn.TransformerEncoderLayer(settings.width, settings.heads, 2 * settings.width, settings.dropout,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, settings.layers, enable_nested_tensor=False)
        self.score = nn.Linear(settings.width, 1)
        self.norm = nn.LayerNorm(settings.width)
        self.out_features = settings.width

    def forward(self, values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(values.shape[1], device=values.device)
        x = self.embed(values.unsqueeze(-1)) + self.position(positions)[None]
        x = self.norm(self.encoder(x, src_key_padding_mask=~mask))
        score = self.score(x).squeeze(-1).masked_fill(~mask, float("-inf"))
        weight = torch.softmax(score, dim=1).unsqueeze(-1)
        return (weight * x).sum(dim=1)


class IsiNetwork(nn.Module):
    """Encoder + head. ``forward(values (B, L) float32, mask (B, L) bool)`` -> :class:`NetworkOutput`;
    L <= ``max_length`` (the sampling's ``max_isis``)."""

    def __init__(self, settings: NetworkSettings, max_length: int) -> None:
        super().__init__()
        self.settings = settings
        self.max_length = max_length
        self.encoder = GruEncoder(settings) if settings.architecture == "gru" else TransformerEncoder(settings, max_length)
        width = settings.width
        self.head = nn.Sequential(nn.Linear(self.encoder.out_features, 2 * width), nn.GELU(),
                                  nn.Linear(2 * width, width), nn.GELU(), nn.Linear(width, N_OUT))

    def forward(self, values: torch.Tensor, mask: torch.Tensor) -> NetworkOutput:
        out = self.head(self.encoder(values, mask))
        return NetworkOutput(mean=out[:, :2], log_var=out[:, 2:4].clamp(-12.0, 6.0), logit=out[:, 4])
