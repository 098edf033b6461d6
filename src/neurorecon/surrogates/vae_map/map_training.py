"""Training of the neural map (:mod:`.map_model`) on recovered states.

Training (:func:`fit_map`) minimises, over random pieces of the training series,

    loss = mean_{k=1..K} |z_hat[n+k] - z[n+k]|^2 / d  +  w1 * mean_k |(F(z[n+k-1], p) - z[n+k]) / s|^2 / d

where z_hat is the free-running rollout from z[n] and the second term is the teacher-forced
one-step loss. The horizon K grows geometrically over the first epochs (curriculum) up to
``horizon_max``. Gradients are clipped; the held-back end of every segment gives an early-stopping
loss (rollout at ``horizon_max``); an optional ``judge`` ranks checkpoints by free-running
behaviour and the best-ranked one is returned.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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
from .embedding import heldback_samples
from .map_model import MapArchitecture, NeuralMap
from .settings import MapSettings


@dataclass(frozen=True)
class LatentSeries:
    """Standardised recovered states of the training segments, consecutive in time.

    Attributes:
        z: (n_seg, n_time, d) states, one row per segment (one step = one sampling interval).
        p: (n_seg,) scaled control value of every segment.
    """

    z: torch.Tensor
    p: torch.Tensor

    def split(self, heldback_fraction: float) -> tuple[LatentSeries, LatentSeries]:
        """(first part, held-back last ``heldback_fraction``) of every segment."""
        n_time = self.z.shape[1]
        cut = n_time - heldback_samples(n_time, heldback_fraction)
        return LatentSeries(self.z[:, :cut], self.p), LatentSeries(self.z[:, cut:], self.p)

    def pieces(self, n: int, length: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` random pieces of ``length`` consecutive states inside single segments.

        Returns:
            (n, length, d) states and (n, 1) scaled controls.

        Raises:
            ValueError: segments shorter than ``length``.
        """
        n_seg, n_time, _ = self.z.shape
        if length > n_time:
            raise ValueError(f"rollout pieces of {length} steps do not fit segments of {n_time} steps")
        device = self.z.device
        seg = torch.randint(n_seg, (n,), generator=gen, device=gen.device).to(device)
        start = torch.randint(n_time - length + 1, (n,), generator=gen, device=gen.device).to(device)
        index = start[:, None] + torch.arange(length, device=device)
        return self.z[seg[:, None], index], self.p[seg][:, None]


def horizon(epoch: int, settings: MapSettings) -> int:
    """Rollout horizon K of a 1-based epoch: geometric ramp, then ``horizon_max``."""
    if settings.ramp_epochs <= 1 or epoch >= settings.ramp_epochs:
        return settings.horizon_max
    ratio = settings.horizon_max / settings.horizon_start
    return round(settings.horizon_start * ratio ** ((epoch - 1) / (settings.ramp_epochs - 1)))


def sequence_losses(
    net: NeuralMap, pieces: torch.Tensor, p: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(rollout, one-step, mean-state) losses on pieces (batch, K + 1, d) with controls p (batch, 1).

    The rollout loss is the mean squared error of the free-running rollout from the first state
    (standardised latent units); the one-step loss the mean squared error of teacher-forced single
    steps, measured in units of the map's step scale (the increments' standard deviation); the
    mean-state loss the squared error of the rollout's mean state over the piece, which follows
    the slow drift and ignores the phase of fast oscillations.
    """
    batch, length, d = pieces.shape
    z = pieces[:, 0]
    rollout = pieces.new_zeros(())
    total = torch.zeros_like(z)
    for k in range(1, length):
        z = net(z, p)
        rollout = rollout + (z - pieces[:, k]).pow(2).mean()
        total = total + z
    rollout = rollout / (length - 1)
    mean_state = (total / (length - 1) - pieces[:, 1:].mean(dim=1)).pow(2).mean()
    flat_p = p[:, None, :].expand(batch, length - 1, 1).reshape(-1, 1)
    start, target = pieces[:, :-1].reshape(-1, d), pieces[:, 1:].reshape(-1, d)
    one_step = ((net(start, flat_p) - target) / net.step_scale).pow(2).mean()
    return rollout, one_step, mean_state


Judge = Callable[[NeuralMap], tuple[tuple[float, ...], dict[str, Any]]]
"""Ranks a map by its free-running behaviour: (sort key, larger is better; JSON-ready report)."""


@dataclass
class MapFit:
    """Result of :func:`fit_map`.

    Attributes:
        net: the selected map (eval mode).
        records: one :class:`EpochRecord` per epoch.
        selected_epoch: epoch whose state was selected.
        report: the judge's report of the selected epoch (empty without a judge).
        judged: (epoch, report) of every judged epoch.
        key: rank of the selected epoch (the judge's key, then minus the held-back loss; larger
            is better), comparable between fits of the same series and judge.
    """

    net: NeuralMap
    records: list[EpochRecord]
    selected_epoch: int
    report: dict[str, Any]
    judged: list[tuple[int, dict[str, Any]]]
    key: tuple[float, ...] = ()


class _Best:
    """The best-ranked checkpoint so far (state dict copied when it improves)."""

    def __init__(self) -> None:
        self.key: tuple[float, ...] | None = None
        self.state: dict[str, torch.Tensor] | None = None
        self.epoch = 0
        self.report: dict[str, Any] = {}

    def offer(self, key: tuple[float, ...], net: NeuralMap, epoch: int, report: dict[str, Any]) -> None:
        if self.key is None or key > self.key:
            self.key, self.epoch, self.report = key, epoch, report
            self.state = copy.deepcopy(net.state_dict())


@dataclass
class _Course:
    """What a map training run has gathered besides weights, optimiser and random states: curve,
    judged epochs, best checkpoint, and the early-stopping count (a resumed run restores it)."""

    records: list[EpochRecord] = field(default_factory=list)
    judged: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    best: _Best = field(default_factory=_Best)
    best_val: float = math.inf
    stale: int = 0

    def to_state(self) -> dict[str, Any]:
        """Tensors and plain values for a training state (see :meth:`from_state`)."""
        best = self.best
        return {"records": records_state(self.records), "judged": self.judged, "best_val": self.best_val,
                "stale": self.stale,
                "best": {"key": best.key, "state": best.state, "epoch": best.epoch, "report": best.report}}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> _Course:
        """The course saved by :meth:`to_state`."""
        best = _Best()
        best.key, best.state, best.epoch, best.report = (state["best"][name] for name in
                                                         ("key", "state", "epoch", "report"))
        return cls(records_from_state(state["records"]), state["judged"], best, state["best_val"], state["stale"])

    def finished(self, epoch: int, settings: MapSettings, has_judge: bool) -> bool:
        """Whether training stops before ``epoch``: ``patience`` epochs at full horizon without a
        better held-back loss; a checkpoint passed the check and ``stop_at_first_pass`` is set;
        or past the planned epochs while the best checkpoint passed the check (any checkpoint,
        without a judge)."""
        passed = has_judge and self.best.report.get("passed", False)
        if self.stale >= settings.patience or (passed and settings.stop_at_first_pass):
            return True
        return epoch > settings.epochs and (not has_judge or passed)


def _train_epoch(
    net: NeuralMap,
    average: NeuralMap,
    optimizer: torch.optim.Optimizer,
    fitted: LatentSeries,
    k: int,
    settings: MapSettings,
    gen: torch.Generator,
    first_step: int,
) -> tuple[float, float, float, float, float]:
    """One epoch at horizon ``k``; returns mean (total, rollout, one-step, mean-state) loss and the
    last learning rate."""
    total_steps = settings.epochs * settings.batches_per_epoch
    sums = torch.zeros(4, device=fitted.z.device)
    net.train()
    for step in range(settings.batches_per_epoch):
        lr = cosine_lr(optimizer, settings.lr, settings.lr_final_fraction, (first_step + step) / total_steps)
        pieces, p = fitted.pieces(settings.batch_size, k + 1, gen)
        rollout, one_step, mean_state = sequence_losses(net, pieces, p)
        loss = rollout + settings.one_step_weight * one_step + settings.mean_weight * mean_state
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), settings.grad_clip)
        optimizer.step()
        with torch.no_grad():
            for mean, current in zip(average.parameters(), net.parameters()):
                mean.lerp_(current, 1.0 - settings.ema_decay)
            sums += torch.stack([loss, rollout, one_step, mean_state])
    return (*(sums / settings.batches_per_epoch).tolist(), lr)


def fit_map(
    series: LatentSeries,
    settings: MapSettings,
    gen: torch.Generator,
    progress: Progress,
    judge: Judge | None = None,
    resume: ResumeFile | None = None,
) -> MapFit:
    """Train a :class:`NeuralMap` on standardised latent series (see module docstring).

    Seed torch before calling (weights are initialised from the global generator). Checkpoints
    from ``check_from_epoch`` on are ranked by ``judge`` (ties, and all of them without a judge, by
    the held-back loss); training stops early once the held-back loss has not improved for
    ``patience`` epochs at full horizon, and (``stop_at_first_pass``) once a ranked checkpoint
    has passed (report key ``passed``). While none has passed, training goes on for up to
    ``extra_epochs`` epochs at the final learning rate, each a new candidate. Evaluation,
    ranking and the returned map use an exponential moving average of the weights (``ema_decay``
    per optimiser step), which fluctuates less between epochs than the raw weights.

    Args:
        series: training series (split internally into fitted and held-back parts).
        settings: :class:`MapSettings`.
        gen: torch generator on the device of ``series`` (draws the training pieces).
        progress: called after every epoch.
        judge: optional free-running ranking (e.g. the training-value rollout check).
        resume: where the training state is saved every ``settings.checkpoint_every`` epochs and,
            when a state of this run is there, resumed from (the result is the same bit for bit).
    """
    fitted, heldback = series.split(settings.heldback_fraction)
    d = series.z.shape[-1]
    architecture = MapArchitecture(d, settings.hidden, settings.depth, settings.activation, settings.coupling)
    net = NeuralMap(architecture).to(series.z.device)
    increments = fitted.z[:, 1:] - fitted.z[:, :-1]
    net.step_scale.copy_(increments.reshape(-1, d).std(dim=0).clamp_min(1e-6))
    optimizer = torch.optim.AdamW(net.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    average = copy.deepcopy(net).eval()  # moving average of the weights: what is judged and returned
    val_pieces, val_p = heldback.pieces(512, settings.horizon_max + 1, gen)
    course, done = _Course(), 0
    saved = resume.load() if resume is not None else None
    if saved is not None:
        done, state = saved
        net.load_state_dict(state["net"])
        average.load_state_dict(state["average"])
        optimizer.load_state_dict(state["optimizer"])
        course = _Course.from_state(state["course"])
        restore_rng_state(state["rng"], gen)
    clock = Stopwatch(course.records[-1].elapsed_s if course.records else 0.0)
    for epoch in range(done + 1, settings.epochs + settings.extra_epochs + 1):
        if course.finished(epoch, settings, judge is not None):
            break
        start = clock()
        k = horizon(epoch, settings)
        total, rollout, one_step, mean_state, lr = _train_epoch(
            net, average, optimizer, fitted, k, settings, gen, (epoch - 1) * settings.batches_per_epoch)
        rate = settings.batches_per_epoch * settings.batch_size * k / max(clock() - start, 1e-9)
        with torch.no_grad():
            val_rollout, val_one_step, _ = sequence_losses(average, val_pieces, val_p)
        val = float(val_rollout)
        extra: dict[str, float] = {"horizon": k, "rollout": rollout, "one_step": one_step, "mean_state": mean_state,
                                   "val_one_step": float(val_one_step), "samples_per_s": rate}
        if epoch >= settings.check_from_epoch:
            key, report = judge(average) if judge is not None else ((), {})
            course.judged.append((epoch, report))
            extra.update({name: value for name, value in report.items() if isinstance(value, (int, float))})
            course.best.offer((*key, -val), average, epoch, report)
        record = EpochRecord(stage="map", epoch=epoch, n_epochs=settings.epochs, loss=total, val_loss=val, lr=lr,
                             elapsed_s=clock(), extra=extra)
        course.records.append(record)
        if k == settings.horizon_max:
            course.best_val, course.stale = (val, 0) if val < course.best_val else (course.best_val, course.stale + 1)
        if resume is not None:
            resume.save(epoch, lambda: {"net": net.state_dict(), "average": average.state_dict(),
                                        "optimizer": optimizer.state_dict(), "course": course.to_state(),
                                        "rng": rng_state(gen)})
        progress(record)
    best = course.best
    if best.state is None:  # stopped before any checkpoint was ranked: keep the last state
        best.offer((-course.records[-1].val_loss,), average, course.records[-1].epoch, {})
    average.load_state_dict(best.state)
    return MapFit(average, course.records, best.epoch, best.report, course.judged, tuple(best.key))
