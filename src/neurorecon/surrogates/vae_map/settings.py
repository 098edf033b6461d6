"""Settings of the ``vae_map`` surrogate family: frozen dataclasses with defaults.

:meth:`VaeMapSettings.from_dict` builds them from a config mapping (e.g. the
``surrogates.vae_map`` section) and raises ValueError naming the dotted key of an unknown key or a
bad value. Defaults are sized for the default study (``srk``, three training values, several seeds
and a latent scan trained on a 2-core CPU within 10 minutes, see ``benchmarks/train.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..settings import CheckSettings, Settings, SweepSettings, fraction, positive
from .embedding import heldback_samples


@dataclass(frozen=True)
class VaeSettings(Settings):
    """Delay embedding and VAE training.

    Attributes:
        embedding_dim: D_e, samples per delay window.
        delay: samples between window entries (window span (D_e - 1) * delay + 1 samples). The
            default 2 spans about 1 s of ``srk`` (100 samples of 10 ms): in the default study
            it gave maps whose bursts kept the training period and spike count where delay 1
            (0.5 s) failed for one seed of three (docs/measurements.md, "Surrogate design experiments").
        stride: samples between the ends of consecutive training windows (subsampling).
        max_vectors: cap on training windows (random subset, fixed per seed); None: all.
        hidden: widths of the encoder's hidden layers (the decoder mirrors them).
        activation: activation function (``silu``, ``tanh``, ``gelu``, ``relu``).
        beta: weight of the KL term (KL summed over latent dims, reconstruction averaged over
            window entries in scaled units).
        epochs: training epochs.
        batch_size: windows per optimiser step.
        lr: Adam learning rate at the start; cosine decay to ``lr * lr_final_fraction``.
        lr_final_fraction: see ``lr``.
        heldback_fraction: last fraction of every segment held back for the validation loss.
        checkpoint_every: epochs between the training-state files written so that a killed job
            resumes from the last one (``<checkpoint>.resume.pt`` next to the outputs, removed once
            they are written); the result does not depend on it.
    """

    embedding_dim: int = 50
    delay: int = 2
    stride: int = 4
    max_vectors: int | None = 60_000
    hidden: tuple[int, ...] = (256, 256)
    activation: str = "silu"
    beta: float = 1e-3
    epochs: int = 20
    batch_size: int = 256
    lr: float = 1e-3
    lr_final_fraction: float = 0.05
    heldback_fraction: float = 0.2
    checkpoint_every: int = 1

    _checks: ClassVar = {
        "embedding_dim": (positive, "must be >= 1"),
        "delay": (positive, "must be >= 1"),
        "stride": (positive, "must be >= 1"),
        "max_vectors": (lambda v: v is None or v > 0, "must be null or >= 1"),
        "hidden": (lambda v: all(w > 0 for w in v), "widths must be >= 1"),
        "activation": (lambda v: v in ("silu", "tanh", "gelu", "relu"), "must be silu, tanh, gelu or relu"),
        "beta": (lambda v: v >= 0, "must be >= 0"),
        "epochs": (positive, "must be >= 1"),
        "batch_size": (positive, "must be >= 1"),
        "lr": (positive, "must be > 0"),
        "lr_final_fraction": (lambda v: 0 < v <= 1, "must be in (0, 1]"),
        "heldback_fraction": (fraction, "must be in (0, 1)"),
        "checkpoint_every": (positive, "must be >= 1"),
    }


@dataclass(frozen=True)
class LatentSelection(Settings):
    """Rule choosing the latent dimension d from the VAE training curves of a scan d in ``dims``.

    Rule: L(d) is the mean of ``metric`` over the last ``last_epochs`` epochs of the VAE trained
    with latent dimension d; the elbow is the smallest d whose L(d) <= (1 + rel_tol) * min L, i.e.
    the smallest d on the plateau of the larger ones; the chosen d is the smallest scanned
    d >= elbow + ``margin`` (the largest scanned d if none is).

    Attributes:
        dims: latent dimensions scanned (one VAE each).
        rel_tol: relative tolerance above the best level that still counts as the plateau.
        metric: curve column: ``val_loss`` (held-back total loss) or ``val_reconstruction``.
        last_epochs: epochs averaged at the end of each curve.
        margin: latent variables added to the elbow for the neural map.
    """

    dims: tuple[int, ...] = (2, 3, 4)
    rel_tol: float = 0.25
    metric: str = "val_loss"
    last_epochs: int = 3
    margin: int = 1

    _checks: ClassVar = {
        "dims": (lambda v: len(v) > 0 and all(d >= 1 for d in v) and len(set(v)) == len(v),
                 "must be a non-empty list of distinct dimensions >= 1"),
        "rel_tol": (lambda v: v >= 0, "must be >= 0"),
        "metric": (lambda v: v in ("val_loss", "val_reconstruction"), "must be val_loss or val_reconstruction"),
        "last_epochs": (positive, "must be >= 1"),
        "margin": (lambda v: v >= 0, "must be >= 0"),
    }


READOUTS = ("best", "newest")
"""Choices of the decoded window entry read out as the observed value (``MapSettings.readout``)."""


COUPLING_NAMES = ("concat", "affine", "directional", "shift")
"""Names of the control couplings of the neural map (the keys of ``map_model.COUPLINGS``)."""


@dataclass(frozen=True)
class MapSettings(Settings):
    """Neural map z[n+1] = z[n] + s * f(z[n], p) and its training.

    Attributes:
        hidden: width of the hidden layers of f.
        depth: number of hidden layers of f.
        activation: activation function of f.
        coupling: how the control enters f, a key of
            :data:`~neurorecon.surrogates.vae_map.map_model.COUPLINGS`: ``concat`` (an extra MLP input),
            ``affine`` (f = g0(z) + p * g1(z), linear extrapolation in p), ``directional``
            (g1(z) = h(z) u along one learned direction u) or ``shift`` (g1 a constant vector).
        heldback_fraction: last fraction of every segment held back for early stopping.
        batch_size: rollout start points per optimiser step.
        batches_per_epoch: optimiser steps per epoch.
        epochs: training epochs (the horizon ramps during the first ``ramp_epochs``).
        extra_epochs: most epochs added, at the final learning rate, while no checked checkpoint
            has passed the training-value check.
        stop_at_first_pass: stop training at the first checked checkpoint that passes the
            training-value check (false: train the planned epochs and keep the best-ranked).
        horizon_start: rollout horizon K (map steps) of the first epoch.
        horizon_max: K reached after ``ramp_epochs`` epochs and kept after that.
        ramp_epochs: epochs over which K grows geometrically from ``horizon_start`` to ``horizon_max``.
        one_step_weight: weight of the teacher-forced one-step loss added to the rollout loss.
        mean_weight: weight of the mean-state loss (error of the rollout's mean over the piece).
        lr: Adam learning rate at the start, cosine decay to ``lr * lr_final_fraction``. On the
            default study (delay 2), 2e-3 gave maps that passed the training-value check by epoch
            17-18 for seeds 0-2; with 1e-3 they passed around epoch 22-28 or not at all, with 5e-4
            none passed.
        lr_final_fraction: see ``lr``.
        weight_decay: AdamW weight decay.
        grad_clip: maximal gradient norm.
        ema_decay: decay per optimiser step of the moving average of the weights that is evaluated,
            ranked and returned (0: the raw weights).
        patience: epochs at full horizon without improvement of the held-back loss before stopping.
        check_from_epoch: first epoch whose checkpoint is checked by free-running rollouts.
        bound: |standardised latent| above which a free-running trajectory counts as unbounded.
        ic_noise: std of the noise added to training encodings to make initial states near the
            latent attractor (standardised latent units), for every initial state but the first.
        checkpoint_every: epochs between the training-state files written so that a killed job
            resumes from the last one (``<checkpoint>.resume.pt`` next to the outputs, removed once
            they are written); the result does not depend on it.
        readout: the entry of the decoded delay window that is the surrogate's observed value:
            ``best``, the entry the VAE reconstructs with the smallest error on the held-back
            windows (the decoded series then lags the recovered state by a constant number of
            samples, see :mod:`neurorecon.surrogates.vae_map.family`), or ``newest``, the last entry.
        candidates: most maps trained one after another, each from its own initial weights and
            training pieces (candidate 0 from the stage's seed, candidate i from a seed derived
            from the stage's seed and i); training stops once ``ensemble`` candidates have a
            selected checkpoint that passes the training-value check, otherwise the best-ranked
            candidate is kept.
        ensemble: K, the maps kept per seed: the first K candidates that pass the training-value
            check, all on the seed's VAE, ranked best first (fewer where fewer pass; the single
            best-ranked where none does). The surrogate runs row r of every free-run batch with
            member r mod K, so a sweep with a multiple of K initial states per control value gives
            every member the same number of votes in the dominant regime (checked with the config).
            1: one map, as without an ensemble.
        check: the free-running check (:class:`CheckSettings`).
    """

    hidden: int = 128
    depth: int = 3
    activation: str = "silu"
    coupling: str = "directional"
    heldback_fraction: float = 0.2
    batch_size: int = 128
    batches_per_epoch: int = 100
    epochs: int = 24
    extra_epochs: int = 4
    stop_at_first_pass: bool = True
    horizon_start: int = 2
    horizon_max: int = 50
    ramp_epochs: int = 12
    one_step_weight: float = 0.05
    mean_weight: float = 0.0
    lr: float = 2e-3
    lr_final_fraction: float = 0.1
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    ema_decay: float = 0.99
    patience: int = 10
    check_from_epoch: int = 10
    bound: float = 100.0
    ic_noise: float = 0.2
    checkpoint_every: int = 1
    readout: str = "best"
    candidates: int = 3
    ensemble: int = 1
    check: CheckSettings = field(default_factory=CheckSettings)

    _checks: ClassVar = {
        "hidden": (positive, "must be >= 1"),
        "depth": (positive, "must be >= 1"),
        "activation": (lambda v: v in ("silu", "tanh", "gelu", "relu"), "must be silu, tanh, gelu or relu"),
        "coupling": (lambda v: v in COUPLING_NAMES, f"must be one of {', '.join(COUPLING_NAMES)}"),
        "heldback_fraction": (fraction, "must be in (0, 1)"),
        "batch_size": (positive, "must be >= 1"),
        "batches_per_epoch": (positive, "must be >= 1"),
        "epochs": (positive, "must be >= 1"),
        "extra_epochs": (lambda v: v >= 0, "must be >= 0"),
        "horizon_start": (positive, "must be >= 1"),
        "horizon_max": (positive, "must be >= 1"),
        "ramp_epochs": (lambda v: v >= 0, "must be >= 0"),
        "one_step_weight": (lambda v: v >= 0, "must be >= 0"),
        "mean_weight": (lambda v: v >= 0, "must be >= 0"),
        "lr": (positive, "must be > 0"),
        "lr_final_fraction": (lambda v: 0 < v <= 1, "must be in (0, 1]"),
        "weight_decay": (lambda v: v >= 0, "must be >= 0"),
        "grad_clip": (positive, "must be > 0"),
        "ema_decay": (lambda v: 0 <= v < 1, "must be in [0, 1)"),
        "patience": (positive, "must be >= 1"),
        "check_from_epoch": (positive, "must be >= 1"),
        "bound": (positive, "must be > 0"),
        "ic_noise": (lambda v: v >= 0, "must be >= 0"),
        "checkpoint_every": (positive, "must be >= 1"),
        "readout": (lambda v: v in READOUTS, f"must be {' or '.join(READOUTS)}"),
        "candidates": (positive, "must be >= 1"),
        "ensemble": (positive, "must be >= 1"),
    }

    def _relations(self) -> list[tuple[str, str]]:
        if self.horizon_start > self.horizon_max:
            return [("horizon_start", f"must not exceed horizon_max ({self.horizon_max}), got {self.horizon_start}")]
        if self.candidates < self.ensemble:
            return [("candidates", f"must be at least ensemble ({self.ensemble}) to train that many members, "
                                   f"got {self.candidates}")]
        return []


@dataclass(frozen=True)
class VaeMapSettings(Settings):
    """All settings of the ``vae_map`` family (config section ``surrogates.vae_map``)."""

    vae: VaeSettings = field(default_factory=VaeSettings)
    latent: LatentSelection = field(default_factory=LatentSelection)
    map: MapSettings = field(default_factory=MapSettings)

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any] | None = None, where: str = "surrogates.vae_map"):
        return super().from_dict(mapping, where)

    def problems_with_sweep(self, sweep: SweepSettings) -> list[tuple[str, str]]:
        """Every ensemble member runs the same number of a sweep's initial states (equal votes)."""
        if sweep.n_ic % self.map.ensemble:
            return [("n_ic", f"must be a multiple of settings.map.ensemble ({self.map.ensemble}) so that every "
                             f"member runs as many initial states, got {sweep.n_ic}")]
        return []

    def problems_with_data(self, n_samples: int) -> list[tuple[str, str]]:
        """The delay window must fit in the held-back part of every training series (the VAE's
        validation windows come from there)."""
        span = (self.vae.embedding_dim - 1) * self.vae.delay + 1
        heldback = heldback_samples(n_samples, self.vae.heldback_fraction)
        if span > heldback:
            return [("vae.embedding_dim", (
                f"the delay window spans {span} samples (embedding_dim {self.vae.embedding_dim}, delay "
                f"{self.vae.delay}) but the held-back part of each training series has {heldback} "
                f"of its {n_samples} samples; shorten the window or record a longer duration"))]
        return []
