"""Settings of spike-time inference of dynamic input conductances (issue 17, items 5-6): how the
training data are drawn and simulated, the network, its training and the twin check.

Frozen dataclasses built from the config block ``inference`` with dotted-key errors
(:class:`~neurorecon.surrogates.settings.Settings`); no torch is imported here, so the config
validator can build them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from ..surrogates.settings import Settings, SettingsError, positive

STG_RANGES = (
    ("gNa", 2000.0, 6000.0), ("gKd", 70.0, 140.0), ("gCaT", 3.0, 7.0), ("gKCa", 140.0, 180.0),
    ("gA", 50.0, 200.0), ("gL", 0.007, 0.014),
)
"""Ranges (mS/cm²) of the conductances drawn uniformly, as for ``stg_dic`` in config/paper.yaml."""


@dataclass(frozen=True)
class ConductanceRange(Settings):
    """One drawn maximal conductance: uniform in [low, high] (the model's units, mS/cm² for stg)."""

    name: str
    low: float
    high: float

    def _relations(self) -> list[tuple[str, str]]:
        return [] if 0 <= self.low <= self.high else [("low", f"need 0 <= low <= high, got [{self.low}, {self.high}]")]


@dataclass(frozen=True)
class SamplingSettings(Settings):
    """How one (ISI sequence, g_s, g_u) example is made.

    (g_s, g_u) are drawn uniformly in ``g_s`` x ``g_u`` (dimensionless, units of g_L); the
    conductances named in ``ranges`` uniformly in their ranges; the two ``free`` conductances are
    solved for by compensation (:func:`neurorecon.dynamics.compensation.compensate`) and a set with
    a negative conductance is replaced by the next candidate. The model is simulated for
    ``transient`` + ``duration`` ms from a random initial state of its box; the spikes of the
    recorded ``duration`` give the ISI sequence and the regime (the project's classifier) its class.

    Attributes:
        model: model name (its channels must be declared, with a fixed DIC threshold).
        parameter_set: the model's parameter set for everything but the conductances.
        g_s, g_u: (low, high) of the slow and ultraslow DIC.
        free: conductances solved for (one per prescribed DIC).
        ranges: every other conductance's range.
        transient, duration: ms discarded, ms recorded.
        sample_dt: ms between recorded samples (spike times are interpolated between them).
        candidates: candidate sets drawn per wanted example (>= 1; the kept fraction is < 1).
        max_isis: longest ISI sequence kept (the first ``max_isis`` ISIs of the record).
    """

    model: str = "stg"
    parameter_set: str = "spiking"
    g_s: tuple[float, ...] = (-6.0, 4.0)
    g_u: tuple[float, ...] = (2.0, 8.0)
    free: tuple[str, ...] = ("gCaS", "gH")
    ranges: tuple[ConductanceRange, ...] = tuple(ConductanceRange(n, lo, hi) for n, lo, hi in STG_RANGES)
    transient: float = 300.0
    duration: float = 700.0
    sample_dt: float = 0.1
    candidates: int = 4
    max_isis: int = 128

    _checks: ClassVar = {
        "duration": (positive, "must be > 0"),
        "sample_dt": (positive, "must be > 0"),
        "candidates": (positive, "must be >= 1"),
        "max_isis": (lambda v: v >= 2, "must be >= 2"),
        "transient": (lambda v: v >= 0, "must be >= 0"),
    }

    def _relations(self) -> list[tuple[str, str]]:
        problems = []
        for key in ("g_s", "g_u"):
            bounds = getattr(self, key)
            if len(bounds) != 2 or not bounds[0] < bounds[1]:
                problems.append((key, f"expected [low, high] with low < high, got {list(bounds)}"))
        if len(self.free) != 2 or len(set(self.free)) != 2:
            problems.append(("free", f"expected two distinct conductances, got {list(self.free)}"))
        names = [r.name for r in self.ranges]
        if len(set(names)) != len(names):
            problems.append(("ranges", f"a conductance is listed twice in {names}"))
        for name in self.free:
            if name in names:
                problems.append(("ranges", f"{name!r} is solved for (free); it cannot also be drawn"))
        return problems

    def range_map(self) -> dict[str, tuple[float, float]]:
        """conductance name -> (low, high), as :func:`generate_population` takes it."""
        return {r.name: (r.low, r.high) for r in self.ranges}


@dataclass(frozen=True)
class NetworkSettings(Settings):
    """The ISI-sequence network (:mod:`neurorecon.inference.network`).

    Attributes:
        architecture: "gru" (bidirectional GRU, outputs pooled by masked mean and max) or "transformer"
            (a small transformer encoder with attention pooling).
        width: hidden width (GRU units per direction, transformer model dimension).
        layers: recurrent or encoder layers.
        heads: attention heads (transformer only; divides ``width``).
        dropout: dropout between layers.
    """

    architecture: str = "transformer"
    width: int = 64
    layers: int = 2
    heads: int = 4
    dropout: float = 0.0

    _checks: ClassVar = {
        "architecture": (lambda v: v in ("gru", "transformer"), "must be 'gru' or 'transformer'"),
        "width": (positive, "must be >= 1"),
        "layers": (positive, "must be >= 1"),
        "heads": (positive, "must be >= 1"),
        "dropout": (lambda v: 0 <= v < 1, "must be in [0, 1)"),
    }

    def _relations(self) -> list[tuple[str, str]]:
        if self.architecture == "transformer" and self.width % self.heads:
            return [("heads", f"must divide width ({self.width}), got {self.heads}")]
        return []


@dataclass(frozen=True)
class TrainingSettings(Settings):
    """Training of the network: Gaussian negative log-likelihood of (g_s, g_u) (mean and
    log-variance per output) plus ``class_weight`` times the binary cross-entropy of the
    bursting/spiking class head.

    Attributes:
        epochs, batch_size, learning_rate (Adam, cosine-decayed to a tenth), weight_decay.
        validation_fraction: share of the examples held out to pick the best epoch.
        class_weight: weight of the class loss.
        seed: seed of the initial weights, the split and the batches.
        device: "auto" (CUDA when present), "cpu", "cuda", "cuda:N".
        threads: CPU threads torch may use.
    """

    epochs: int = 40
    batch_size: int = 128
    learning_rate: float = 2e-3
    weight_decay: float = 1e-5
    validation_fraction: float = 0.1
    class_weight: float = 1.0
    seed: int = 0
    device: str = "auto"
    threads: int = 1

    _checks: ClassVar = {
        "epochs": (positive, "must be >= 1"),
        "batch_size": (positive, "must be >= 1"),
        "learning_rate": (positive, "must be > 0"),
        "weight_decay": (lambda v: v >= 0, "must be >= 0"),
        "validation_fraction": (lambda v: 0 < v < 0.5, "must be in (0, 0.5)"),
        "class_weight": (lambda v: v >= 0, "must be >= 0"),
        "threads": (positive, "must be >= 1"),
    }


@dataclass(frozen=True)
class TwinSettings(Settings):
    """Twins of a predicted (g_s, g_u): drawn by compensation as the training data were (same
    ranges, free conductances and simulation times), simulated, and compared with the input.

    Attributes:
        n_twins: twins per input spike train.
        draws: candidate sets drawn per input (the first ``n_twins`` kept are used).
        tau: van Rossum time constant, ms.
        seed: seed of the twins' conductances and initial states.
    """

    n_twins: int = 4
    draws: int = 400
    tau: float = 50.0
    seed: int = 1

    _checks: ClassVar = {
        "n_twins": (positive, "must be >= 1"),
        "draws": (positive, "must be >= 1"),
        "tau": (positive, "must be > 0"),
    }

    def _relations(self) -> list[tuple[str, str]]:
        return [] if self.draws >= self.n_twins else [("draws", f"must be >= n_twins ({self.n_twins})")]


@dataclass(frozen=True)
class InferenceSettings(Settings):
    """The config block ``inference`` (opt-in): training data in chunks, network, training, test.

    Attributes:
        sampling, network, training, twins: see their classes.
        train_chunks, chunk_size: the training set is ``train_chunks`` chunks of ``chunk_size``
            examples, one workflow job each (chunk k from the seed (``seed``, k)).
        test_chunks: chunks of the held-out test set (drawn from ``test_seed``).
        seed, test_seed: seeds of the training and test sets (must differ).
        sizes: training-set sizes of the size-vs-error curve (each <= the training set).
        twin_models: test models whose twins are simulated (the first ones of the test set).
    """

    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    network: NetworkSettings = field(default_factory=NetworkSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    twins: TwinSettings = field(default_factory=TwinSettings)
    train_chunks: int = 8
    test_chunks: int = 4
    chunk_size: int = 1000
    seed: int = 17
    test_seed: int = 1017
    sizes: tuple[int, ...] = ()
    twin_models: int = 200

    _checks: ClassVar = {
        "train_chunks": (positive, "must be >= 1"),
        "test_chunks": (positive, "must be >= 1"),
        "chunk_size": (positive, "must be >= 1"),
        "twin_models": (positive, "must be >= 1"),
    }

    def _relations(self) -> list[tuple[str, str]]:
        problems = []
        if self.seed == self.test_seed:
            problems.append(("test_seed", f"must differ from seed ({self.seed}): the test set is held out"))
        total = self.train_chunks * self.chunk_size
        for index, size in enumerate(self.sizes):
            if not 1 <= size <= total:
                problems.append((f"sizes[{index}]", f"must be in [1, {total}] (train_chunks x chunk_size), got {size}"))
        return problems


__all__ = ["ConductanceRange", "InferenceSettings", "NetworkSettings", "SamplingSettings", "SettingsError",
           "TrainingSettings", "TwinSettings"]
