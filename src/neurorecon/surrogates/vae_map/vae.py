"""Variational autoencoder from delay windows of the observed variable to a recovered state.

Encoder: MLP, window (D_e,) -> mean and log-variance of a Gaussian latent (d,). Decoder: MLP,
latent (d,) -> window (D_e,). Loss per window (scaled observed units):

    loss = mean_j (x_j - x_hat_j)^2  +  beta * KL(N(mu, diag(sigma^2)) || N(0, I))

with the KL summed over the d latent dimensions. The recovered state of a window is the encoder
mean. Which window entry the recovered state reads out as the observed value is the surrogate's
choice (:mod:`neurorecon.surrogates.vae_map.family`); :func:`entry_errors` measures how well each entry is
reconstructed (the window's edges worst).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

from ..training import (
    EpochRecord,
    Progress,
    ResumeFile,
    Stopwatch,
    cosine_lr,
    records_from_state,
    records_state,
    restore_rng_state,
    rng_state,
)
from .mlp import mlp
from .settings import VaeSettings

LOGVAR_RANGE = (-16.0, 8.0)
"""Clamp of the encoder's log-variance, keeping exp() finite early in training."""


@dataclass(frozen=True)
class VaeArchitecture:
    """Shape of a :class:`Vae`.

    Attributes:
        input_dim: D_e, entries per window.
        latent_dim: d, recovered-state dimension.
        hidden: encoder hidden widths (the decoder uses them reversed).
        activation: activation name (see :data:`~neurorecon.surrogates.vae_map.mlp.ACTIVATIONS`).
    """

    input_dim: int
    latent_dim: int
    hidden: tuple[int, ...]
    activation: str = "silu"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["hidden"] = list(self.hidden)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> VaeArchitecture:
        return cls(int(data["input_dim"]), int(data["latent_dim"]), tuple(int(w) for w in data["hidden"]),
                   str(data["activation"]))


class Vae(nn.Module):
    """Gaussian-latent VAE on delay windows (batch-first tensors, scaled observed units)."""

    def __init__(self, architecture: VaeArchitecture) -> None:
        super().__init__()
        self.architecture = architecture
        a = architecture
        self.encoder = mlp(a.input_dim, a.hidden, 2 * a.latent_dim, a.activation)
        self.decoder = mlp(a.latent_dim, tuple(reversed(a.hidden)), a.input_dim, a.activation)

    def encode(self, windows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, log-variance), each (batch, d), of windows (batch, D_e)."""
        mean, logvar = self.encoder(windows).chunk(2, dim=-1)
        return mean, logvar.clamp(*LOGVAR_RANGE)

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """Windows (batch, D_e) reconstructed from latent states (batch, d)."""
        return self.decoder(latent)

    def losses(self, windows: torch.Tensor, beta: float, sample: bool = True) -> dict[str, torch.Tensor]:
        """Batch-mean ``loss``, ``reconstruction`` and ``kl`` (see module docstring).

        Args:
            windows: (batch, D_e) scaled windows.
            beta: KL weight.
            sample: decode a reparameterised sample (training); False decodes the mean.
        """
        mean, logvar = self.encode(windows)
        latent = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar) if sample else mean
        reconstruction = (self.decode(latent) - windows).pow(2).mean()
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1).mean()
        return {"loss": reconstruction + beta * kl, "reconstruction": reconstruction, "kl": kl}


@torch.no_grad()
def encode_means(vae: Vae, windows: torch.Tensor, chunk: int = 65_536) -> torch.Tensor:
    """Encoder means (n, d) of windows (n, D_e), in chunks (inference mode)."""
    return torch.cat([vae.encode(windows[i : i + chunk])[0] for i in range(0, windows.shape[0], chunk)])


@torch.no_grad()
def entry_errors(vae: Vae, windows: torch.Tensor, chunk: int = 65_536) -> torch.Tensor:
    """Mean squared reconstruction error (D_e,) of every window entry, decoding the encoder means
    of windows (n, D_e) (scaled observed units)."""
    total = windows.new_zeros(windows.shape[1])
    for start in range(0, windows.shape[0], chunk):
        part = windows[start : start + chunk]
        total += (vae.decode(vae.encode(part)[0]) - part).pow(2).sum(dim=0)
    return total / windows.shape[0]


@torch.no_grad()
def _heldback_losses(vae: Vae, windows: torch.Tensor, beta: float, chunk: int = 65_536) -> dict[str, float]:
    totals = {"loss": 0.0, "reconstruction": 0.0, "kl": 0.0}
    for start in range(0, windows.shape[0], chunk):
        part = windows[start : start + chunk]
        for key, value in vae.losses(part, beta, sample=False).items():
            totals[key] += float(value) * part.shape[0]
    return {key: value / windows.shape[0] for key, value in totals.items()}


def fit_vae(
    train: torch.Tensor,
    heldback: torch.Tensor,
    latent_dim: int,
    settings: VaeSettings,
    progress: Progress,
    resume: ResumeFile | None = None,
) -> tuple[Vae, list[EpochRecord]]:
    """Train a VAE on scaled delay windows.

    Seed torch before calling (minibatch order and reparameterisation noise use the global
    generator); the tensors' device is the training device.

    Args:
        train: (n_train, D_e) scaled training windows.
        heldback: (n_val, D_e) scaled held-back windows (validation loss, mean decoding).
        latent_dim: d.
        settings: :class:`VaeSettings`.
        progress: called after every epoch.
        resume: where the training state is saved every ``settings.checkpoint_every`` epochs and,
            when a state of this run is there, resumed from (the result is the same bit for bit).

    Returns:
        The trained VAE in eval mode and one :class:`EpochRecord` per epoch (``val_loss`` is the
        held-back total loss; extras ``reconstruction``, ``kl``, ``val_reconstruction``, ``val_kl``,
        ``samples_per_s``).
    """
    device = train.device
    architecture = VaeArchitecture(train.shape[1], latent_dim, settings.hidden, settings.activation)
    vae = Vae(architecture).to(device)
    optimizer = torch.optim.Adam(vae.parameters(), lr=settings.lr)
    n = train.shape[0]
    steps_per_epoch = math.ceil(n / settings.batch_size)
    total_steps = settings.epochs * steps_per_epoch
    records: list[EpochRecord] = []
    done = 0
    saved = resume.load() if resume is not None else None
    if saved is not None:
        done, state = saved
        vae.load_state_dict(state["vae"])
        optimizer.load_state_dict(state["optimizer"])
        records = records_from_state(state["records"])
        restore_rng_state(state["rng"])
    clock = Stopwatch(records[-1].elapsed_s if records else 0.0)
    for epoch in range(done + 1, settings.epochs + 1):
        vae.train()
        epoch_start = clock()
        sums = torch.zeros(3, device=device)
        order = torch.randperm(n, device=device)
        step = (epoch - 1) * steps_per_epoch
        for start in range(0, n, settings.batch_size):
            lr = cosine_lr(optimizer, settings.lr, settings.lr_final_fraction, step / total_steps)
            batch = train[order[start : start + settings.batch_size]]
            parts = vae.losses(batch, settings.beta)
            optimizer.zero_grad(set_to_none=True)
            parts["loss"].backward()
            optimizer.step()
            sums += torch.stack([parts[k].detach() for k in ("loss", "reconstruction", "kl")]) * batch.shape[0]
            step += 1
        vae.eval()
        mean_loss, mean_rec, mean_kl = (sums / n).tolist()
        val = _heldback_losses(vae, heldback, settings.beta)
        record = EpochRecord(
            stage=f"vae d={latent_dim}", epoch=epoch, n_epochs=settings.epochs, loss=mean_loss,
            val_loss=val["loss"], lr=lr, elapsed_s=clock(),
            extra={"reconstruction": mean_rec, "kl": mean_kl, "val_reconstruction": val["reconstruction"],
                   "val_kl": val["kl"], "samples_per_s": n / max(clock() - epoch_start, 1e-9)},
        )
        records.append(record)
        if resume is not None:
            resume.save(epoch, lambda: {"vae": vae.state_dict(), "optimizer": optimizer.state_dict(),
                                        "records": records_state(records), "rng": rng_state()})
        progress(record)
    return vae.eval(), records
