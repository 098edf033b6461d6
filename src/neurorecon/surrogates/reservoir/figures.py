"""The ``reservoir`` family's figure: how the fitted reservoir reproduces its training records.

``figures/training_fit.png``, one row per training value: left, the teacher-forced one-step
prediction against the record; right, a free run (closed loop) started by warming up on the record
just before the window, against the record's own continuation. A free run of a chaotic or
slightly detuned oscillator drifts out of phase: the right column shows the waveform and rate, not
a forecast to be matched sample by sample.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ...figures.style import apply_style, axis_label, save
from ..training_check import trace_stats

if TYPE_CHECKING:
    from .family import ReservoirSurrogate

PERIODS_SHOWN = 4
"""Burst periods or ISIs shown per panel (the window is 100 to 4000 samples)."""


def training_fit_figure(
    surrogate: ReservoirSurrogate, rows: np.ndarray, value_index: np.ndarray, sample_dt: float, path: Path, seed: int
) -> Path:
    """Draw and write the figure (see module docstring) for the records ``rows`` (n_rec, n_time)
    at training values ``surrogate.training_values[value_index]``."""
    import matplotlib.pyplot as plt

    apply_style()
    values = surrogate.training_values
    k = surrogate.stride
    reservoir = surrogate.reservoir
    attrs = surrogate.store_attrs
    label = axis_label(str(attrs.get("observed", "observed")), str(attrs.get("observed_unit", "")))
    time_label = axis_label("time", str(attrs.get("time_unit", "")))
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(len(values), 2, figsize=(11, 2.2 * len(values) + 0.6), squeeze=False,
                             constrained_layout=True)
    for i, value in enumerate(values):
        record = rows[rng.choice(np.flatnonzero(value_index == i))]
        period = trace_stats(record[None, None].astype(np.float64), sample_dt,
                             float(attrs["spike_threshold"])).period[0, 0]
        window = int(np.clip(PERIODS_SHOWN * period / sample_dt if np.isfinite(period) else 500, 100, 4000))
        n_blocks = record.size // k
        warm = surrogate.settings.warmup
        window_blocks = min(-(-window // k), n_blocks - warm - 1)
        start = warm  # first predicted block
        blocks = surrogate.scale_observed(record[: n_blocks * k]).reshape(1, n_blocks, k)
        control = surrogate.scale_control(np.array([value]))
        drive = reservoir.drive(control)
        r = np.zeros((1, reservoir.size))
        one_step = np.empty((window_blocks, k))
        for n in range(start + window_blocks - 1):
            r = reservoir.step(r, blocks[:, n], drive)
            if n + 1 >= start:
                one_step[n + 1 - start] = reservoir.readout(r)[0]
        r0 = reservoir.teacher_forced(np.zeros((1, reservoir.size)), blocks[:, :start], drive)
        free, status, _ = surrogate._free_run(r0, control, window_blocks * k, 0)
        truth = record[start * k : (start + window_blocks) * k]
        time = (start * k + np.arange(truth.size)) * sample_dt
        predicted = surrogate.unscale_observed(one_step.reshape(-1))
        rmse = float(np.sqrt(np.mean((predicted - truth) ** 2)))
        left, right = axes[i]
        left.plot(time, truth, color="0.6", lw=1.6, label="record")
        left.plot(time, predicted, color="tab:blue", lw=0.9, label="one-step prediction")
        left.set_title(f"control {value:g}: teacher forced, RMSE {rmse:.3g}", fontsize=9)
        right.plot(time, truth, color="0.6", lw=1.6, label="record")
        right.plot(time, free[0], color="tab:red", lw=0.9,
                   label="free run" + (" (diverged)" if status[0] else ""))
        right.set_title(f"control {value:g}: free run from a {warm}-step warm-up", fontsize=9)
        for ax in (left, right):
            ax.set_xlabel(time_label)
            ax.set_ylabel(label)
            ax.legend(loc="upper right", fontsize=7, frameon=True)
    fig.suptitle(f"reservoir ({reservoir.size} nodes, stride {k}): fit at the training values")
    return save(fig, path)
