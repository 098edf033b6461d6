"""Protocol epochs: intervals of constant command current, and which of them are current steps.

A step epoch is one whose level differs from the holding level (the level of the sweep's first
epoch) by more than ``LEVEL_TOLERANCE_PA`` and that lasts at least ``MIN_STEP_S``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .recording import Epoch

LEVEL_TOLERANCE_PA = 1.0
"""Command levels closer than this (pA) are the same level."""

MIN_STEP_S = 0.1
"""Shortest step epoch, in s."""


def epochs_from_samples(
    bounds: Sequence[tuple[int, int]], levels: Sequence[float], rate_hz: float
) -> tuple[Epoch, ...]:
    """Epochs from sample ranges and levels, merging neighbours of equal level, dropping empty ones.

    Args:
        bounds: (start, stop) sample indices of each epoch, stop exclusive, in time order.
        levels: command level of each epoch, in pA.
        rate_hz: sampling rate, in Hz.
    """
    merged: list[list[float]] = []
    for (start, stop), level in zip(bounds, levels, strict=True):
        if stop <= start:
            continue
        if merged and merged[-1][1] == start and abs(merged[-1][2] - level) <= LEVEL_TOLERANCE_PA:
            merged[-1][1] = stop
        else:
            merged.append([start, stop, float(level)])
    return tuple(Epoch(start / rate_hz, stop / rate_hz, level) for start, stop, level in merged)


def epochs_from_command(command: np.ndarray, rate_hz: float) -> tuple[Epoch, ...]:
    """Epochs of one sweep found from its command waveform: runs of constant level.

    Args:
        command: (n_time,) command current of one sweep, in pA.
        rate_hz: sampling rate, in Hz.

    Returns:
        The runs in time order; a run's level is its median. Samples further than
        ``LEVEL_TOLERANCE_PA`` from their predecessor start a new run.
    """
    command = np.asarray(command, dtype=np.float64)
    edges = np.flatnonzero(np.abs(np.diff(command)) > LEVEL_TOLERANCE_PA) + 1
    starts = np.concatenate(([0], edges))
    stops = np.concatenate((edges, [command.size]))
    levels = [float(np.median(command[a:b])) for a, b in zip(starts, stops, strict=True)]
    return epochs_from_samples(list(zip(starts.tolist(), stops.tolist(), strict=True)), levels, rate_hz)


def holding_level(epochs: Sequence[Epoch]) -> float:
    """The holding current of a sweep: the level of its first epoch, in pA (0 for no epochs)."""
    return epochs[0].level_pA if epochs else 0.0


def step_epochs(epochs: Sequence[Epoch]) -> list[tuple[int, Epoch]]:
    """The step epochs of one sweep with their index in ``epochs`` (rule in the module docstring)."""
    holding = holding_level(epochs)
    return [
        (index, epoch)
        for index, epoch in enumerate(epochs)
        if abs(epoch.level_pA - holding) > LEVEL_TOLERANCE_PA and epoch.duration_s >= MIN_STEP_S - 1e-9
    ]
