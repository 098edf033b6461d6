"""Settings of the ``vae_map`` surrogate family: frozen dataclasses with defaults.

:meth:`VaeMapSettings.from_dict` builds them from a config mapping (e.g. the
``surrogates.vae_map`` section) and raises ValueError naming the dotted key of an unknown key or a
bad value. Defaults are sized for the default study (``srk``, three training values, several seeds
and a latent scan trained on a 2-core CPU within 10 minutes, see ``benchmarks/train.py``).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


class SettingsError(ValueError):
    """A settings value outside its allowed range; ``key`` is the dotted key, ``problem`` the text."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class _Settings:
    """Mixin: checks at construction, building from a mapping with dotted-key errors, export.

    Subclasses list per-field checks in ``_checks`` (field -> (predicate, requirement)) and
    cross-field checks in :meth:`_relations`.
    """

    _checks: ClassVar[dict[str, tuple[typing.Callable[[Any], bool], str]]] = {}

    def __post_init__(self) -> None:
        for name, (ok, requirement) in self._checks.items():
            value = getattr(self, name)
            if not ok(value):
                raise SettingsError(name, f"{requirement}, got {value!r}")
        for name, problem in self._relations():
            raise SettingsError(name, problem)

    def _relations(self) -> list[tuple[str, str]]:
        """(field, problem) for every violated cross-field requirement."""
        return []

    def problems_with_data(self, n_samples: int) -> list[tuple[str, str]]:
        """(dotted key, problem) for every setting that training series of ``n_samples`` samples
        per trajectory cannot satisfy; checked with the config, before any job."""
        return []

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any] | None = None, where: str = ""):
        """Build from ``mapping`` (missing keys take defaults).

        Raises:
            ValueError: ``"<where>.<key>: ..."`` for an unknown key, a value of the wrong type, or
                a value outside its allowed range.
        """
        mapping = {} if mapping is None else mapping
        if not isinstance(mapping, Mapping):
            raise ValueError(f"{where or '<settings>'}: expected a mapping, got {type(mapping).__name__}")
        fields = [f.name for f in dataclasses.fields(cls)]
        hints = typing.get_type_hints(cls)
        unknown = sorted(set(mapping) - set(fields))
        if unknown:
            raise ValueError(f"{_join(where, unknown[0])}: unknown key (known keys: {', '.join(fields)})")
        values = {name: _convert(hints[name], mapping[name], _join(where, name)) for name in mapping}
        try:
            return cls(**values)
        except SettingsError as exc:
            raise ValueError(f"{_join(where, exc.key)}: {exc.problem}") from None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (tuples become lists)."""
        return _plain(dataclasses.asdict(self))


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _convert(hint, value, key: str):
    """``value`` converted to the annotated type ``hint``; ValueError naming ``key`` otherwise."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        (inner,) = [option for option in options if option is not type(None)]
        return _convert(inner, value, key)
    if isinstance(hint, type) and issubclass(hint, _Settings):
        return hint.from_dict(value, key)
    if origin is tuple:
        (item,) = {arg for arg in typing.get_args(hint) if arg is not Ellipsis}
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{key}: expected a list, got {value!r}")
        return tuple(_convert(item, entry, f"{key}[{index}]") for index, entry in enumerate(value))
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{key}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{key}: expected a whole number, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{key}: expected a finite number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ValueError(f"{key}: expected a string, got {value!r}")
        return value
    raise TypeError(f"{key}: unsupported settings type {hint!r}")  # a programming error


def _positive(value) -> bool:
    return value > 0


def _fraction(value) -> bool:
    return 0.0 < value < 1.0


@dataclass(frozen=True)
class VaeSettings(_Settings):
    """Delay embedding and VAE training.

    Attributes:
        embedding_dim: D_e, samples per delay window.
        delay: samples between window entries (window span (D_e - 1) * delay + 1 samples). The
            default 2 spans about 1 s of ``srk`` (100 samples of 10 ms): in the default study
            it gave maps whose bursts kept the training period and spike count where delay 1
            (0.5 s) failed for one seed of three (see README, "Surrogate results").
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
        "embedding_dim": (_positive, "must be >= 1"),
        "delay": (_positive, "must be >= 1"),
        "stride": (_positive, "must be >= 1"),
        "max_vectors": (lambda v: v is None or v > 0, "must be null or >= 1"),
        "hidden": (lambda v: all(w > 0 for w in v), "widths must be >= 1"),
        "activation": (lambda v: v in ("silu", "tanh", "gelu", "relu"), "must be silu, tanh, gelu or relu"),
        "beta": (lambda v: v >= 0, "must be >= 0"),
        "epochs": (_positive, "must be >= 1"),
        "batch_size": (_positive, "must be >= 1"),
        "lr": (_positive, "must be > 0"),
        "lr_final_fraction": (lambda v: 0 < v <= 1, "must be in (0, 1]"),
        "heldback_fraction": (_fraction, "must be in (0, 1)"),
        "checkpoint_every": (_positive, "must be >= 1"),
    }


@dataclass(frozen=True)
class LatentSelection(_Settings):
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
        "last_epochs": (_positive, "must be >= 1"),
        "margin": (lambda v: v >= 0, "must be >= 0"),
    }


@dataclass(frozen=True)
class RolloutCheckSettings(_Settings):
    """Free-running check of a map at the training values (used to select checkpoints).

    A map passes at a training value when every started trajectory stays finite and bounded and
    its decoded observed trace has the training regime; for bursting, spikes per burst within
    ``spikes_per_burst_tol`` and burst period within ``period_rel_tol`` of the truth there.

    Attributes:
        n_steps: map steps iterated (one step = one sampling interval).
        transient_steps: leading steps left out of the classification.
        n_ic: trajectories per training value, started from encoded training states.
        spikes_per_burst_tol: allowed absolute error of the mean spikes per burst.
        period_rel_tol: allowed relative error of the burst period (bursting) or ISI (tonic).
    """

    n_steps: int = 20_000
    transient_steps: int = 2_000
    n_ic: int = 4
    spikes_per_burst_tol: float = 1.0
    period_rel_tol: float = 0.25

    _checks: ClassVar = {
        "n_steps": (_positive, "must be >= 1"),
        "transient_steps": (lambda v: v >= 0, "must be >= 0"),
        "n_ic": (_positive, "must be >= 1"),
        "spikes_per_burst_tol": (lambda v: v >= 0, "must be >= 0"),
        "period_rel_tol": (lambda v: v >= 0, "must be >= 0"),
    }

    def _relations(self) -> list[tuple[str, str]]:
        if self.transient_steps >= self.n_steps:
            return [("transient_steps", f"must be below n_steps ({self.n_steps}), got {self.transient_steps}")]
        return []


READOUTS = ("best", "newest")
"""Choices of the decoded window entry read out as the observed value (``MapSettings.readout``)."""


COUPLING_NAMES = ("concat", "affine", "directional", "shift")
"""Names of the control couplings of the neural map (the keys of ``neural_map.COUPLINGS``)."""


@dataclass(frozen=True)
class MapSettings(_Settings):
    """Neural map z[n+1] = z[n] + s * f(z[n], p) and its training.

    Attributes:
        hidden: width of the hidden layers of f.
        depth: number of hidden layers of f.
        activation: activation function of f.
        coupling: how the control enters f, a key of
            :data:`~neurorecon.surrogates.neural_map.COUPLINGS`: ``concat`` (an extra MLP input),
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
            samples, see :mod:`neurorecon.surrogates.vae_map`), or ``newest``, the last entry.
        candidates: most maps trained one after another, each from its own initial weights and
            training pieces (candidate 0 from the stage's seed, candidate i from a seed derived
            from the stage's seed and i); training stops at the first candidate whose selected
            checkpoint passes the training-value check, otherwise the best-ranked candidate is kept.
        check: the free-running check (:class:`RolloutCheckSettings`).
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
    check: RolloutCheckSettings = field(default_factory=RolloutCheckSettings)

    _checks: ClassVar = {
        "hidden": (_positive, "must be >= 1"),
        "depth": (_positive, "must be >= 1"),
        "activation": (lambda v: v in ("silu", "tanh", "gelu", "relu"), "must be silu, tanh, gelu or relu"),
        "coupling": (lambda v: v in COUPLING_NAMES, f"must be one of {', '.join(COUPLING_NAMES)}"),
        "heldback_fraction": (_fraction, "must be in (0, 1)"),
        "batch_size": (_positive, "must be >= 1"),
        "batches_per_epoch": (_positive, "must be >= 1"),
        "epochs": (_positive, "must be >= 1"),
        "extra_epochs": (lambda v: v >= 0, "must be >= 0"),
        "horizon_start": (_positive, "must be >= 1"),
        "horizon_max": (_positive, "must be >= 1"),
        "ramp_epochs": (lambda v: v >= 0, "must be >= 0"),
        "one_step_weight": (lambda v: v >= 0, "must be >= 0"),
        "mean_weight": (lambda v: v >= 0, "must be >= 0"),
        "lr": (_positive, "must be > 0"),
        "lr_final_fraction": (lambda v: 0 < v <= 1, "must be in (0, 1]"),
        "weight_decay": (lambda v: v >= 0, "must be >= 0"),
        "grad_clip": (_positive, "must be > 0"),
        "ema_decay": (lambda v: 0 <= v < 1, "must be in [0, 1)"),
        "patience": (_positive, "must be >= 1"),
        "check_from_epoch": (_positive, "must be >= 1"),
        "bound": (_positive, "must be > 0"),
        "ic_noise": (lambda v: v >= 0, "must be >= 0"),
        "checkpoint_every": (_positive, "must be >= 1"),
        "readout": (lambda v: v in READOUTS, f"must be {' or '.join(READOUTS)}"),
        "candidates": (_positive, "must be >= 1"),
    }

    def _relations(self) -> list[tuple[str, str]]:
        if self.horizon_start > self.horizon_max:
            return [("horizon_start", f"must not exceed horizon_max ({self.horizon_max}), got {self.horizon_start}")]
        return []


@dataclass(frozen=True)
class SweepSettings(_Settings):
    """Free-running sweep of a surrogate over control values (arguments of the sweep stage).

    Attributes:
        n_ic: trajectories per control value (the same initial states for every value).
        n_steps: recorded samples per trajectory (one map step = one sampling interval).
        transient_steps: samples run and discarded before recording.
        lyapunov_steps: map steps over which the surrogate's largest Lyapunov exponent is
            estimated from the end of every trajectory (tangent dynamics by autograd); 0: skip it.
        forecast_starts: start times per held-out truth trajectory for the forecast horizon
            (:mod:`neurorecon.surrogates.forecast`); 0: skip the forecasts.
        forecast_history: observed samples given to the surrogate before each forecast (at least
            the delay embedding's span).
        forecast_steps: samples forecast (the largest measurable horizon, in sampling intervals).
    """

    n_ic: int = 2
    n_steps: int = 40_000
    transient_steps: int = 20_000
    lyapunov_steps: int = 5_000
    forecast_starts: int = 4
    forecast_history: int = 200
    forecast_steps: int = 2_000

    _checks: ClassVar = {
        "n_ic": (_positive, "must be >= 1"),
        "n_steps": (_positive, "must be >= 1"),
        "transient_steps": (lambda v: v >= 0, "must be >= 0"),
        "lyapunov_steps": (lambda v: v == 0 or v >= 10, "must be 0 (skip) or >= 10"),
        "forecast_starts": (lambda v: v >= 0, "must be >= 0"),
        "forecast_history": (_positive, "must be >= 1"),
        "forecast_steps": (_positive, "must be >= 1"),
    }


@dataclass(frozen=True)
class VaeMapSettings(_Settings):
    """All settings of the ``vae_map`` family (config section ``surrogates.vae_map``)."""

    vae: VaeSettings = field(default_factory=VaeSettings)
    latent: LatentSelection = field(default_factory=LatentSelection)
    map: MapSettings = field(default_factory=MapSettings)
    sweep: SweepSettings = field(default_factory=SweepSettings)

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any] | None = None, where: str = "surrogates.vae_map"):
        return super().from_dict(mapping, where)

    def problems_with_data(self, n_samples: int) -> list[tuple[str, str]]:
        """The delay window must fit in the held-back part of every training series (the VAE's
        validation windows come from there)."""
        span = (self.vae.embedding_dim - 1) * self.vae.delay + 1
        heldback = max(1, round(self.vae.heldback_fraction * n_samples))
        if span > heldback:
            return [("vae.embedding_dim", (
                f"the delay window spans {span} samples (embedding_dim {self.vae.embedding_dim}, delay "
                f"{self.vae.delay}) but the held-back part of each training series has {heldback} "
                f"of its {n_samples} samples; shorten the window or record a longer duration"))]
        return []
