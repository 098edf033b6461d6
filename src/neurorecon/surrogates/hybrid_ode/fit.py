"""Fitting one hybrid ODE to observed voltage traces by differentiating through its RK4 solver.

Multiple shooting with a length curriculum: every training segment starts at an observed sample;
its hidden states there are inferred by driving the hidden equations with the observed voltage over
the preceding warm-up (V clamped to the data, :meth:`HybridOde.clamp`); from the observed voltage
and those states the model runs freely under the recorded injected current for the stage's
horizon, and the loss compares the free-running voltage with the data (scaled V, plus a small term
in the per-sample change of V). Stages run from the shortest horizon (a cheap, stable
V-clamped one-step-ahead fit) to the longest. Each stage keeps its iterate with the lowest loss on
the held-back segments.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..training import EpochRecord, ResumeFile, Stopwatch, cosine_lr, records_from_state, records_state
from .data import Segments, TrainingTraces
from .model import HybridOde
from .settings import HybridOdeSettings

EVAL_EVERY = 10
"""Optimiser steps between validation losses (and progress lines)."""

MAX_VALIDATION = 256
"""Held-back segments in the validation loss (a fixed subset)."""


@dataclass(frozen=True)
class Plan:
    """A fit's lengths in samples (from the settings' lengths in time scales).

    Attributes:
        warmup: clamped warm-up samples before every segment start.
        horizons: free-run samples of every curriculum stage.
        sample_dt: sampling interval, model time unit.
        dt: RK4 step, model time unit.
    """

    warmup: int
    horizons: tuple[int, ...]
    sample_dt: float
    dt: float

    @classmethod
    def of(cls, settings: HybridOdeSettings, time_scale: float, sample_dt: float) -> Plan:
        def samples(length: float) -> int:
            return max(1, round(length * time_scale / sample_dt))

        warmup = samples(settings.warmup)
        return cls(warmup, tuple(max(1, samples(length) - warmup) for length in settings.segments), sample_dt,
                   sample_dt / settings.substeps)


@dataclass
class FitResult:
    """The fitted weights of one candidate, its curve and final validation loss (scaled units)."""

    state: dict[str, torch.Tensor]
    records: list[EpochRecord]
    val_loss: float


class SegmentLoss:
    """Loss of a :class:`HybridOde` on batches of segments of the training traces."""

    def __init__(self, net: HybridOde, traces: TrainingTraces, plan: Plan, substeps: int, dvdt_weight: float,
                 device: torch.device) -> None:
        self.net, self.plan, self.substeps, self.dvdt_weight = net, plan, substeps, dvdt_weight
        voltage = torch.as_tensor(traces.voltage, dtype=torch.float32, device=device)
        self.v_scaled = net.scaled(voltage)
        self.current = torch.as_tensor(traces.current, dtype=torch.float32, device=device)
        change = torch.diff(self.v_scaled, dim=1)
        self.change_scale = float(change.std()) or 1.0

    def __call__(self, pairs: np.ndarray, horizon: int) -> torch.Tensor:
        """Mean loss of segments (n, 2) = (trace, start sample) over ``horizon`` free-run samples."""
        warmup = self.plan.warmup
        device = self.v_scaled.device
        trace = torch.as_tensor(pairs[:, 0], device=device)[:, None]
        offsets = torch.arange(-warmup, horizon + 1, device=device)[None, :]
        index = torch.as_tensor(pairs[:, 1], device=device)[:, None] + offsets
        observed = self.v_scaled[trace, index]  # (n, warmup + horizon + 1), observed[:, warmup] at the start
        current = self.current[trace, index[:, warmup:-1]]  # (n, horizon)
        hidden = self.net.clamp(observed[:, : warmup + 1], self.plan.sample_dt)
        state = torch.cat([observed[:, warmup, None], hidden], dim=1)
        predicted = []
        for k in range(horizon):
            state = self.net.step(state, current[:, k], self.plan.dt, self.substeps)
            predicted.append(state[:, 0])
        predicted = torch.stack(predicted, dim=1)
        target = observed[:, warmup + 1 :]
        error = torch.mean((predicted - target) ** 2, dim=1)
        if self.dvdt_weight > 0:
            with_start = torch.cat([observed[:, warmup, None], predicted], dim=1)
            change_error = (torch.diff(with_start, dim=1) - torch.diff(observed[:, warmup:], dim=1)) / self.change_scale
            error = error + self.dvdt_weight * torch.mean(change_error**2, dim=1)
        return torch.mean(error)


def segment_probabilities(traces: TrainingTraces, starts: np.ndarray, horizon: int,
                          spike_weight: float) -> np.ndarray | None:
    """Probabilities of drawing each training segment: ``1 + spike_weight`` for a segment whose
    free run crosses the spike threshold upward, 1 for the others (normalised); None (uniform) when
    ``spike_weight`` is 0. Spikes fill a small fraction of the samples, so a uniform draw lets the
    subthreshold error dominate the loss.

    Args:
        traces: the training traces.
        starts: (n, 2) segments as (trace, start sample).
        horizon: free-run samples of the segments.
        spike_weight: extra weight of a segment with a spike.
    """
    if spike_weight == 0:
        return None
    above = traces.voltage >= traces.spike_threshold
    onsets = np.zeros(traces.voltage.shape, dtype=np.int64)
    onsets[:, 1:] = above[:, 1:] & ~above[:, :-1]
    count = np.concatenate([np.zeros((onsets.shape[0], 1), dtype=np.int64), np.cumsum(onsets, axis=1)], axis=1)
    trace, start = starts[:, 0], starts[:, 1]
    end = np.minimum(start + horizon + 1, traces.voltage.shape[1])
    spiking = count[trace, end] - count[trace, start + 1] > 0
    weights = 1.0 + spike_weight * spiking
    return weights / weights.sum()


def fit(
    net: HybridOde,
    traces: TrainingTraces,
    segments: Segments,
    plan: Plan,
    settings: HybridOdeSettings,
    seed: int,
    progress: Callable[[EpochRecord], None],
    label: str = "fit",
    resume: ResumeFile | None = None,
) -> FitResult:
    """Fit ``net`` in place through every curriculum stage; return its best weights.

    Batches are drawn from a generator seeded by (seed, stage, iteration), so a resumed fit
    draws the same batches as an uninterrupted one. A non-finite loss skips the step.
    """
    device = next(net.parameters()).device
    loss_of = SegmentLoss(net, traces, plan, settings.substeps, settings.dvdt_weight, device)
    val_rng = np.random.default_rng([seed, 7])
    validation = segments.validation
    if len(validation) > MAX_VALIDATION:
        validation = validation[val_rng.choice(len(validation), MAX_VALIDATION, replace=False)]
    optimizer = torch.optim.Adam(net.parameters(), lr=settings.lr)
    records: list[EpochRecord] = []
    start_stage, start_iteration, best_state, best_val = 0, 0, None, float("inf")
    saved = resume.load() if resume is not None else None
    if saved is not None:
        _, state = saved
        net.load_state_dict(state["net"])
        optimizer.load_state_dict(state["optimizer"])
        start_stage, start_iteration = int(state["stage"]), int(state["iteration"])
        best_state, best_val = state["best_state"], float(state["best_val"])
        records = records_from_state(state["records"])
    clock = Stopwatch(records[-1].elapsed_s if records else 0.0)
    draw = [segment_probabilities(traces, segments.train, horizon, settings.spike_weight) for horizon in plan.horizons]
    n_iter = settings.iterations
    for stage in range(start_stage, len(plan.horizons)):
        horizon = plan.horizons[stage]
        if stage != start_stage or start_iteration == 0:
            best_state, best_val = None, float("inf")
        running = []
        for iteration in range(start_iteration if stage == start_stage else 0, n_iter):
            lr = cosine_lr(optimizer, settings.lr, 0.1, iteration / max(n_iter - 1, 1))
            rng = np.random.default_rng([seed, stage, iteration])
            batch = segments.train[rng.choice(len(segments.train), min(settings.batch, len(segments.train)),
                                              replace=False, p=draw[stage])]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_of(batch, horizon)
            if torch.isfinite(loss):
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), settings.grad_clip)
                optimizer.step()
                running.append(float(loss.detach()))
            done = iteration + 1
            if done % EVAL_EVERY == 0 or done == n_iter:
                with torch.no_grad():
                    val = float(loss_of(validation, horizon)) if len(validation) else float(np.mean(running or [np.nan]))
                if np.isfinite(val) and val < best_val:
                    best_val, best_state = val, copy.deepcopy(net.state_dict())
                record = EpochRecord(f"{label} horizon {horizon}", done, n_iter,
                                     float(np.mean(running)) if running else float("nan"), val, lr, clock(),
                                     {"stage": stage + 1})
                records.append(record)
                progress(record)
                running = []
            if resume is not None and done % settings.checkpoint_every == 0 and done < n_iter:
                state = {"net": net.state_dict(), "optimizer": optimizer.state_dict(), "stage": stage,
                         "iteration": done, "best_state": best_state, "best_val": best_val,
                         "records": records_state(records)}
                resume.save(done, lambda state=state: state)
        if best_state is not None:
            net.load_state_dict(best_state)
    return FitResult(copy.deepcopy(net.state_dict()), records, best_val)
