"""Training the ISI-sequence network on spike-set stores, and its checkpoint.

Loss per example: the Gaussian negative log-likelihood of the standardised (g_s, g_u) under the
predicted mean and variance (:func:`torch.nn.functional.gaussian_nll_loss`), plus ``class_weight``
times the binary cross-entropy of the bursting logit against the simulated regime. The epoch with
the lowest validation loss is kept.

Checkpoint (:func:`neurorecon.surrogates.training.save_checkpoint`, atomic): ``<name>.pt`` holds the
network's state dict, ``<name>.json`` the network and sampling settings, the standardisation of
(g_s, g_u), the training curve and ``kind`` :data:`CHECKPOINT_KIND`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import xarray as xr
from torch.nn import functional as F

from ..dynamics.regimes import Regime
from ..surrogates.base import CheckpointError
from ..surrogates.training import (
    Stopwatch,
    cosine_lr,
    generator,
    load_checkpoint,
    resolve_device,
    save_checkpoint,
    seed_everything,
)
from .features import MIN_SPIKES, isi_batch, padded_trains
from .network import IsiNetwork, NetworkOutput
from .settings import NetworkSettings, SamplingSettings, TrainingSettings

CHECKPOINT_KIND = "dic_inference"
"""``kind`` in the metadata of an ISI-network checkpoint."""


@dataclass(frozen=True)
class Standardiser:
    """(g_s, g_u) <-> standardised units: (g - center) / scale, per column (units of g_L)."""

    center: tuple[float, float]
    scale: tuple[float, float]

    @classmethod
    def of(cls, sampling: SamplingSettings) -> Standardiser:
        """The centre and half-width of the sampling box."""
        (s0, s1), (u0, u1) = sampling.g_s, sampling.g_u
        return cls(((s0 + s1) / 2, (u0 + u1) / 2), ((s1 - s0) / 2, (u1 - u0) / 2))

    def forward(self, g: np.ndarray) -> np.ndarray:
        return (np.asarray(g, dtype=np.float64) - np.array(self.center)) / np.array(self.scale)

    def inverse(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z, dtype=np.float64) * np.array(self.scale) + np.array(self.center)


@dataclass(frozen=True)
class Examples:
    """Usable examples of spike-set stores: finite simulations, tonic spiking or bursting, at least
    :data:`~neurorecon.inference.features.MIN_SPIKES` spikes.

    Attributes:
        values, mask: (n, max_isis) float32 standardised log-ISIs and their mask
            (:func:`~neurorecon.inference.features.isi_batch`).
        target: (n, 2) float64 (g_s, g_u), units of g_L.
        bursting: (n,) bool, the simulated regime is bursting.
        index: (n,) int64 positions in the store's ``example`` axis.
    """

    values: np.ndarray
    mask: np.ndarray
    target: np.ndarray
    bursting: np.ndarray
    index: np.ndarray

    def subset(self, rows) -> Examples:
        return Examples(self.values[rows], self.mask[rows], self.target[rows], self.bursting[rows], self.index[rows])

    def __len__(self) -> int:
        return int(self.target.shape[0])


def usable(ds: xr.Dataset) -> np.ndarray:
    """(n_example,) bool: the examples of a spike-set dataset that the network takes."""
    regime = ds["regime"].values
    return ((ds["status"].values == 0) & np.isin(regime, [Regime.TONIC_SPIKING, Regime.BURSTING])
            & (ds["n_spikes"].values >= MIN_SPIKES))


def examples_from(ds: xr.Dataset, max_isis: int) -> Examples:
    """The usable examples of a spike-set dataset, featurised."""
    index = np.flatnonzero(usable(ds))
    trains = padded_trains(ds["spike_times"].values[index])
    batch = isi_batch(trains, max_isis)
    values = np.zeros((index.size, max_isis), dtype=np.float32)
    mask = np.zeros((index.size, max_isis), dtype=bool)
    values[:, : batch.values.shape[1]] = batch.values
    mask[:, : batch.mask.shape[1]] = batch.mask
    target = np.stack([ds["g_s"].values[index], ds["g_u"].values[index]], axis=1)
    return Examples(values, mask, target, ds["regime"].values[index] == Regime.BURSTING, index.astype(np.int64))


@dataclass
class TrainedNetwork:
    """A network with what it needs to predict: its settings, the sampling it was trained on, the
    standardisation of (g_s, g_u), and its training curve (one dict per epoch)."""

    network: IsiNetwork
    sampling: SamplingSettings
    standardiser: Standardiser
    curve: list[dict]
    n_train: int


def _batch(examples: Examples, rows: np.ndarray, device: torch.device):
    length = max(1, int(examples.mask[rows].sum(axis=1).max()))
    values = torch.as_tensor(examples.values[rows, :length], device=device)
    mask = torch.as_tensor(examples.mask[rows, :length], device=device)
    return values, mask


def loss_of(out: NetworkOutput, target: torch.Tensor, bursting: torch.Tensor, class_weight: float) -> torch.Tensor:
    """Mean Gaussian NLL of the standardised targets plus ``class_weight`` x the class BCE."""
    nll = F.gaussian_nll_loss(out.mean, target, out.log_var.exp(), full=True)
    return nll + class_weight * F.binary_cross_entropy_with_logits(out.logit, bursting)


def train_network(examples: Examples, sampling: SamplingSettings, network_settings: NetworkSettings,
                  settings: TrainingSettings, progress: Callable[[str], None] | None = None) -> TrainedNetwork:
    """Train on ``examples`` (a ``validation_fraction`` held out to choose the epoch); returns the
    network of the best validation epoch, on the CPU."""
    device = resolve_device(settings.device)
    torch.set_num_threads(settings.threads)
    seed_everything(settings.seed, device)
    standardiser = Standardiser.of(sampling)
    rng = np.random.default_rng(settings.seed)
    order = rng.permutation(len(examples))
    n_val = max(1, int(round(settings.validation_fraction * len(examples))))
    train, val = examples.subset(np.sort(order[n_val:])), examples.subset(np.sort(order[:n_val]))
    if len(train) == 0:
        raise ValueError(f"{len(examples)} usable example(s): too few to train")
    z_train = torch.as_tensor(standardiser.forward(train.target), dtype=torch.float32, device=device)
    z_val = torch.as_tensor(standardiser.forward(val.target), dtype=torch.float32, device=device)
    b_train = torch.as_tensor(train.bursting, dtype=torch.float32, device=device)
    b_val = torch.as_tensor(val.bursting, dtype=torch.float32, device=device)
    network = IsiNetwork(network_settings, sampling.max_isis).to(device)
    optimizer = torch.optim.AdamW(network.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    shuffle = generator(settings.seed)
    best, best_state, curve = float("inf"), None, []
    clock = Stopwatch()
    for epoch in range(settings.epochs):
        lr = cosine_lr(optimizer, settings.learning_rate, 0.1, epoch / max(1, settings.epochs - 1))
        network.train()
        total = 0.0
        perm = torch.randperm(len(train), generator=shuffle).numpy()
        for start in range(0, len(train), settings.batch_size):
            rows = perm[start : start + settings.batch_size]
            values, mask = _batch(train, rows, device)
            loss = loss_of(network(values, mask), z_train[rows], b_train[rows], settings.class_weight)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 5.0)
            optimizer.step()
            total += loss.item() * rows.size
        network.eval()
        with torch.no_grad():
            val_loss, val_abs = 0.0, np.zeros(2)
            for start in range(0, len(val), 1024):
                rows = np.arange(start, min(len(val), start + 1024))
                out = network(*_batch(val, rows, device))
                val_loss += float(loss_of(out, z_val[rows], b_val[rows], settings.class_weight)) * rows.size
                val_abs += np.abs(standardiser.inverse(out.mean.cpu().numpy()) - val.target[rows]).sum(axis=0)
        record = {"epoch": epoch, "lr": lr, "train_loss": total / len(train), "val_loss": val_loss / len(val),
                  "val_mae_g_s": val_abs[0] / len(val), "val_mae_g_u": val_abs[1] / len(val), "seconds": clock()}
        curve.append(record)
        if record["val_loss"] < best:
            best = record["val_loss"]
            best_state = {key: value.detach().cpu().clone() for key, value in network.state_dict().items()}
        if progress is not None:
            progress(f"epoch {epoch + 1}/{settings.epochs}: train {record['train_loss']:.3f}, val "
                     f"{record['val_loss']:.3f}, val MAE g_s {record['val_mae_g_s']:.3f} g_u "
                     f"{record['val_mae_g_u']:.3f} ({record['seconds']:.0f} s)")
    network = network.cpu()
    network.load_state_dict(best_state)
    network.eval()
    return TrainedNetwork(network, sampling, standardiser, curve, len(train))


def save_trained(path: str | os.PathLike, trained: TrainedNetwork):
    """Write the checkpoint ``path`` (.pt + .json, atomically)."""
    metadata = {
        "kind": CHECKPOINT_KIND,
        "network": trained.network.settings.to_dict(),
        "sampling": trained.sampling.to_dict(),
        "standardiser": {"center": list(trained.standardiser.center), "scale": list(trained.standardiser.scale)},
        "curve": trained.curve,
        "n_train": trained.n_train,
    }
    return save_checkpoint(path, {"network": trained.network.state_dict()}, metadata)


def load_trained(path: str | os.PathLike) -> TrainedNetwork:
    """Read a checkpoint written by :func:`save_trained` (on the CPU).

    Raises:
        CheckpointError: missing or unreadable files, another format version, or not an
            ISI-network checkpoint.
    """
    states, metadata = load_checkpoint(path)
    if metadata.get("kind") != CHECKPOINT_KIND:
        raise CheckpointError(f"checkpoint {str(path)!r} is not a DIC-inference network (kind "
                              f"{metadata.get('kind')!r}, expected {CHECKPOINT_KIND!r})")
    try:
        sampling = SamplingSettings.from_dict(metadata["sampling"], where="sampling")
        network = IsiNetwork(NetworkSettings.from_dict(metadata["network"], where="network"), sampling.max_isis)
        network.load_state_dict(states["network"])
        standardiser = Standardiser(tuple(metadata["standardiser"]["center"]), tuple(metadata["standardiser"]["scale"]))
    except (KeyError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"checkpoint {str(path)!r} is inconsistent: {exc}") from None
    network.eval()
    return TrainedNetwork(network, sampling, standardiser, list(metadata.get("curve", [])), int(metadata.get("n_train", 0)))
