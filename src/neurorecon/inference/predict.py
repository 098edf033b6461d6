"""A trained ISI network applied to spike trains: (g_s, g_u) with their predicted standard
deviations and the bursting probability."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .features import isi_batch
from .training import TrainedNetwork


@dataclass(frozen=True)
class Prediction:
    """Per train (n,) float64: ``g_s``, ``g_u`` (units of g_L), their predicted standard deviations
    ``sigma_s``, ``sigma_u`` (units of g_L), and ``p_bursting`` (probability of the bursting class)."""

    g_s: np.ndarray
    g_u: np.ndarray
    sigma_s: np.ndarray
    sigma_u: np.ndarray
    p_bursting: np.ndarray


def predict(trained: TrainedNetwork, trains: Sequence[np.ndarray], batch_size: int = 512,
            device: str | torch.device = "cpu") -> Prediction:
    """Predict every train (each a checked 1-D array of spike times, ms; only its first
    ``max_isis`` ISIs are read)."""
    network = trained.network.to(device)
    network.eval()
    means, log_vars, logits = [], [], []
    with torch.no_grad():
        for start in range(0, len(trains), batch_size):
            batch = isi_batch(trains[start : start + batch_size], trained.sampling.max_isis)
            out = network(torch.as_tensor(batch.values, device=device), torch.as_tensor(batch.mask, device=device))
            means.append(out.mean.cpu().numpy())
            log_vars.append(out.log_var.cpu().numpy())
            logits.append(out.logit.cpu().numpy())
    if not means:
        empty = np.zeros(0)
        return Prediction(empty, empty, empty, empty, empty)
    mean = trained.standardiser.inverse(np.concatenate(means))
    sigma = np.exp(0.5 * np.concatenate(log_vars).astype(np.float64)) * np.array(trained.standardiser.scale)
    p = 1.0 / (1.0 + np.exp(-np.concatenate(logits).astype(np.float64)))
    return Prediction(mean[:, 0], mean[:, 1], sigma[:, 0], sigma[:, 1], p)
