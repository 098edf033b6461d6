"""The ``vae_map`` surrogate family: delay embedding -> VAE -> parameter-conditioned neural map.

Method of record: Kuptsov & Stankevich, Chaos, Solitons & Fractals (2025), arXiv 2411.07055.

Coordinates:
- observed windows (D_e,) in the observed unit -> scaled by the fitted observed :class:`Scaler`;
- the VAE encoder mean of a scaled window, standardised per dimension with the mean and standard
  deviation of the training encodings, is the recovered state z (d,);
- the control value p (control unit) is scaled by the control :class:`Scaler` fitted on the
  training values before entering the map;
- decoding z returns the observed value at one entry j of the decoded window, the **readout
  entry** (``info.readout_entry``; the last one, the newest sample, where it is missing), in the
  observed unit. An entry inside the window is reconstructed far better than the newest sample
  (the window's edges are the hardest to reconstruct): it keeps spike peaks above the spike
  threshold. The observed series decoded from the states z[n] then lags them by
  ``readout_lag = (D_e - 1 - j) * delay`` samples, a constant shift that leaves regime statistics
  unchanged and that :meth:`VaeMapSurrogate.forecast` accounts for.

One map step is one sampling interval of the training store.

An **ensemble** surrogate (``map.ensemble`` K > 1) holds K maps on the one VAE and latent
coordinates; row r of every free-run batch is run by member r mod K, so each member's
trajectories vote in the dominant regime over initial states (with the same weight where the
number of initial states per control value is a multiple of K).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from ...dynamics.lyapunov import LyapunovEstimate, lyapunov_torch_map
from ..base import ObservedRollout, Surrogate, masked_lyapunov
from ..free_run import FreeRun, free_run
from ..training import CheckpointError, load_checkpoint, resolve_device, save_checkpoint, seed_everything
from .embedding import EmbeddingSpec, Scaler
from .map_model import MapArchitecture, NeuralMap
from .settings import VaeMapSettings
from .vae import Vae, VaeArchitecture, encode_means


@dataclass(frozen=True)
class VaeMapInfo:
    """What a ``vae_map`` surrogate records besides its weights and geometry (checkpoint metadata
    keys of the same names).

    Attributes:
        training_values: control values of the training data, control unit.
        store_attrs: descriptive attrs of the training store (``STORE_ATTRS`` and ``observed_unit``).
        ic_noise: std of the Gaussian noise added to all but the first initial state (standardised
            latent units).
        bound: |standardised latent component| above which a free run counts as unbounded.
        seed: training seed; None when not recorded.
        settings: the ``vae`` and ``map`` settings the surrogate was trained with.
        readout_entry: window entry decoded as the observed value; None: the newest entry.
        selected_candidate, candidate_seed, selected_epoch: the map candidate kept (the first
            member of an ensemble), its seed and epoch.
        ensemble_candidates: the candidates of an ensemble's members, best-ranked first; None for
            a single map.
    """

    training_values: list[float]
    store_attrs: dict[str, Any]
    ic_noise: float
    bound: float
    seed: int | None = None
    settings: dict[str, Any] | None = None
    readout_entry: int | None = None
    selected_candidate: int | None = None
    candidate_seed: int | None = None
    selected_epoch: int | None = None
    ensemble_candidates: list[int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VaeMapInfo:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


DECODE_CHUNK = 65_536
"""States decoded at a time (bounds the memory of the decoder's hidden activations)."""


class VaeMapSurrogate(Surrogate):
    """A trained VAE plus neural map (see module docstring for the coordinates).

    Args:
        vae: trained :class:`Vae` (eval mode).
        net: trained :class:`NeuralMap` on standardised latent states (eval mode).
        members: the further maps of an ensemble, in member order after ``net`` (eval mode).
        embedding: delay-embedding geometry of the VAE input.
        observed_scaler: scaling of the observed variable.
        control_scaler: scaling of the control parameter.
        latent_mean, latent_std: (d,) standardisation of the encoder means.
        anchors: (n_anchor, d) standardised encodings of training windows (initial states).
        info: the :class:`VaeMapInfo` recorded with the surrogate.
    """

    family: ClassVar[str] = "vae_map"
    settings_type: ClassVar[type] = VaeMapSettings

    @classmethod
    def train(
        cls,
        train_store: Path,
        settings: VaeMapSettings,
        seed: int,
        device: str,
        out_dir: Path,
        progress: Callable[[str], None],
    ) -> VaeMapSurrogate:
        """All stages in one process (:func:`~neurorecon.surrogates.vae_map.pipeline.train_surrogate`;
        the workflow runs them as separate jobs, see ``workflow/rules/surrogates/vae_map.smk``)."""
        from .pipeline import train_surrogate  # the stages build VaeMapSurrogate objects themselves

        outputs = train_surrogate(train_store, settings, seed, device, out_dir,
                                  progress=lambda record: progress(record.line()), log=progress)
        return cls.load(outputs.checkpoint, device)

    def __init__(
        self,
        vae: Vae,
        net: NeuralMap,
        embedding: EmbeddingSpec,
        observed_scaler: Scaler,
        control_scaler: Scaler,
        latent_mean: torch.Tensor,
        latent_std: torch.Tensor,
        anchors: torch.Tensor,
        info: VaeMapInfo,
        members: tuple[NeuralMap, ...] = (),
    ) -> None:
        self.vae = vae.eval()
        self.net = net.eval()
        self.members = tuple(member.eval() for member in members)
        self.embedding = embedding
        self.observed_scaler = observed_scaler
        self.control_scaler = control_scaler
        self.latent_mean = latent_mean
        self.latent_std = latent_std
        self.anchors = anchors
        self.info = info

    @property
    def nets(self) -> tuple[NeuralMap, ...]:
        """The maps, ensemble member order: ``net`` first."""
        return (self.net, *self.members)

    @property
    def store_attrs(self) -> dict[str, Any]:
        return dict(self.info.store_attrs)

    @property
    def training_values(self) -> np.ndarray:
        return np.asarray(self.info.training_values, dtype=np.float64)

    @property
    def device(self) -> torch.device:
        return self.anchors.device

    @property
    def latent_dim(self) -> int:
        return int(self.latent_mean.shape[0])

    @property
    def readout_entry(self) -> int:
        """Window entry (0 .. D_e - 1) decoded as the observed value; the newest where not recorded."""
        return self.embedding.dim - 1 if self.info.readout_entry is None else int(self.info.readout_entry)

    @property
    def readout_lag(self) -> int:
        """Samples by which the decoded observed value lags the state: (D_e - 1 - j) * delay."""
        return (self.embedding.dim - 1 - self.readout_entry) * self.embedding.delay

    @torch.no_grad()
    def encode(self, windows: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Recovered states (n, d) of observed windows (n, D_e) in the observed unit."""
        windows = torch.as_tensor(np.asarray(windows, dtype=np.float32), device=self.device)
        return (encode_means(self.vae, self.observed_scaler.transform(windows)) - self.latent_mean) / self.latent_std

    @torch.no_grad()
    def decode_observed(self, z: torch.Tensor) -> torch.Tensor:
        """Observed value (readout entry, observed unit) of recovered states (..., d) -> (...)."""
        hidden = self.vae.decoder[:-1](z * self.latent_std + self.latent_mean)
        last, j = self.vae.decoder[-1], self.readout_entry
        scaled = F.linear(hidden, last.weight[j : j + 1], last.bias[j : j + 1])[..., 0]
        return self.observed_scaler.inverse(scaled)

    def initial_states(self, n_ic: int, seed: int) -> torch.Tensor:
        """(n_ic, d) initial states: random training encodings, the first exact, the others with
        Gaussian noise of std ``info.ic_noise`` (standardised latent units) added."""
        gen = np.random.default_rng(seed)
        pick = gen.choice(self.anchors.shape[0], size=n_ic, replace=n_ic > self.anchors.shape[0])
        noise = gen.standard_normal((n_ic, self.latent_dim)) * float(self.info.ic_noise)
        noise[0] = 0.0
        return self.anchors[torch.as_tensor(pick, device=self.device)] + torch.as_tensor(
            noise, dtype=self.anchors.dtype, device=self.device)

    def _scaled_control(self, control: np.ndarray, like: torch.Tensor) -> torch.Tensor:
        """(batch, 1) map inputs of control values (batch,) in the control unit."""
        scaled = self.control_scaler.transform(np.asarray(control, dtype=np.float64))[:, None]
        return torch.as_tensor(scaled, dtype=like.dtype, device=self.device)

    def _member_rows(self, batch: int) -> list[torch.Tensor]:
        """Batch rows run by each ensemble member: member m runs rows m, m + K, m + 2K, ..."""
        return [torch.arange(m, batch, len(self.nets), device=self.device) for m in range(len(self.nets))]

    def free_run(self, z0: torch.Tensor, control: np.ndarray, n_steps: int, transient_steps: int) -> FreeRun:
        """Free-run a batch: z0 (batch, d) starting recovered states, control (batch,) control unit;
        row r runs ensemble member r mod K."""
        p = self._scaled_control(control, z0)
        runs = []
        for net, rows in zip(self.nets, self._member_rows(z0.shape[0])):
            inference_step = getattr(net, "inference_step", None)  # absent on a substituted plain module
            step = inference_step() if inference_step is not None else net
            runs.append(free_run(step, z0[rows], p[rows], n_steps, transient_steps, float(self.info.bound)))
        if len(runs) == 1:
            return runs[0]
        z = z0.new_empty((z0.shape[0], n_steps, z0.shape[1]))
        status = torch.empty(z0.shape[0], dtype=torch.int8, device=self.device)
        for run, rows in zip(runs, self._member_rows(z0.shape[0])):
            z[rows], status[rows] = run.z, run.status
        return FreeRun(z, status)

    def decode_run(self, result: FreeRun) -> tuple[np.ndarray, np.ndarray]:
        """(batch, n_steps) float32 observed traces (NaN where diverged) and (batch,) int8 status."""
        states = result.z.reshape(-1, self.latent_dim)
        observed = torch.cat([self.decode_observed(part) for part in states.split(DECODE_CHUNK)])
        observed = torch.where(result.status[:, None] != 0, torch.nan, observed.reshape(result.z.shape[:2]))
        return observed.float().cpu().numpy(), result.status.cpu().numpy()

    def run(
        self, z0: torch.Tensor, control: np.ndarray, n_steps: int, transient_steps: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Free-run a batch and decode.

        Args:
            z0: (batch, d) starting recovered states.
            control: (batch,) control values, control unit.
            n_steps, transient_steps: recorded and discarded map steps.

        Returns:
            (batch, n_steps) float32 observed traces (NaN where diverged) and (batch,) int8 status.
        """
        return self.decode_run(self.free_run(z0, control, n_steps, transient_steps))

    def forecast(self, history: np.ndarray, control: np.ndarray, n_steps: int) -> np.ndarray:
        """Encode the last delay window of every history row, iterate the map, decode (see base).

        The map runs ``readout_lag`` steps more than ``n_steps``: the first decoded values stand
        for samples inside the history and are dropped.
        """
        history = np.asarray(history)
        if history.shape[1] < self.embedding.span:
            raise ValueError(f"forecast needs at least {self.embedding.span} samples of history "
                             f"(the embedding's span), got {history.shape[1]}")
        windows = history[:, history.shape[1] - self.embedding.span :: self.embedding.delay]
        z0 = self.encode(windows)
        observed, _ = self.decode_run(self.free_run(z0, control, n_steps + self.readout_lag, 0))
        return observed[:, self.readout_lag :]

    def lyapunov(self, z0: torch.Tensor, control: np.ndarray, n_steps: int) -> LyapunovEstimate:
        """Largest Lyapunov exponent of the map from states z0 (batch, d) at control values (batch,).

        Tangent dynamics by autograd over ``n_steps`` map steps (the first fifth discarded), in
        1 / (time unit): one step is one sampling interval ``sample_dt``; row r of the batch with
        ensemble member r mod K. Exponents do not depend on the (linear) standardisation of the
        latent coordinates.
        """
        start = torch.nan_to_num(z0, nan=0.0, posinf=0.0, neginf=0.0)
        p = self._scaled_control(control, start)
        dt = float(self.store_attrs["sample_dt"])
        if len(self.nets) == 1:
            return lyapunov_torch_map(self.net, start, p, n_iter=n_steps, step=dt)
        parts = [(rows.cpu().numpy(), lyapunov_torch_map(net, start[rows], p[rows], n_iter=n_steps, step=dt))
                 for net, rows in zip(self.nets, self._member_rows(start.shape[0]))]
        merged = {}
        for name in ("exponent", "spectrum", "stderr", "converged"):
            first = np.asarray(getattr(parts[0][1], name))
            values = np.empty((start.shape[0], *first.shape[1:]), dtype=first.dtype)
            for rows, estimate in parts:
                values[rows] = np.asarray(getattr(estimate, name))
            merged[name] = values
        return LyapunovEstimate(**merged)

    def rollout(
        self, control_values: np.ndarray, n_ic: int, n_steps: int, transient_steps: int, seed: int,
        lyapunov_steps: int = 0,
    ) -> ObservedRollout:
        seed_everything(seed, self.device)
        control_values = np.asarray(control_values, dtype=np.float64)
        n_param = control_values.size
        control = np.repeat(control_values, n_ic)
        result = self.free_run(self.initial_states(n_ic, seed).repeat(n_param, 1), control, n_steps,
                               transient_steps)
        observed, status = self.decode_run(result)
        shape = (n_param, n_ic)
        estimate = None
        if lyapunov_steps > 0:
            raw = self.lyapunov(result.z[:, -1], control, lyapunov_steps)
            estimate = masked_lyapunov(raw, status, shape)
        return ObservedRollout(observed.reshape(*shape, n_steps), status.reshape(shape), estimate)

    def save(self, path: str | os.PathLike) -> None:
        states = {
            "vae": self.vae.state_dict(),
            "map": self.net.state_dict(),
            "latent": {"mean": self.latent_mean, "std": self.latent_std, "anchors": self.anchors},
        }
        states.update({f"map_member{index}": member.state_dict() for index, member in enumerate(self.members, 1)})
        metadata = {
            "family": self.family,
            "component": "surrogate",
            "vae_architecture": self.vae.architecture.to_dict(),
            "map_architecture": self.net.architecture.to_dict(),
            "embedding": self.embedding.to_dict(),
            "observed_scaler": self.observed_scaler.to_dict(),
            "control_scaler": self.control_scaler.to_dict(),
            "latent_dim": self.latent_dim,
            **self.info.to_dict(),
        }
        save_checkpoint(path, states, metadata)

    @classmethod
    def load(cls, path: str | os.PathLike, device: str | torch.device = "auto") -> VaeMapSurrogate:
        device = resolve_device(device)
        states, metadata = load_checkpoint(path, device)
        if metadata.get("family") != cls.family or metadata.get("component") != "surrogate":
            raise CheckpointError(
                f"{str(path)!r} is not a complete {cls.family} surrogate (family={metadata.get('family')!r}, "
                f"component={metadata.get('component')!r})"
            )
        vae = Vae(VaeArchitecture.from_dict(metadata["vae_architecture"])).to(device)
        vae.load_state_dict(states["vae"])
        architecture = MapArchitecture.from_dict(metadata["map_architecture"])
        n_members = sum(name.startswith("map_member") for name in states)
        net, *members = (NeuralMap(architecture).to(device) for _ in range(1 + n_members))
        for map_net, name in zip((net, *members), ["map", *(f"map_member{i}" for i in range(1, n_members + 1))]):
            map_net.load_state_dict(states[name])
        keys = {"family", "component", "vae_architecture", "map_architecture", "embedding", "observed_scaler",
                "control_scaler", "latent_dim", "format_version", "neurorecon_version", "torch_version"}
        info = VaeMapInfo.from_dict({key: value for key, value in metadata.items() if key not in keys})
        return cls(
            vae, net, EmbeddingSpec.from_dict(metadata["embedding"]), Scaler.from_dict(metadata["observed_scaler"]),
            Scaler.from_dict(metadata["control_scaler"]), states["latent"]["mean"], states["latent"]["std"],
            states["latent"]["anchors"], info, tuple(members),
        )
