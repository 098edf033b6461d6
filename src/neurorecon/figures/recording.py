"""Figures of a surrogate on a recording: the f–I curve beside the model-free baselines, and
held-out sweeps recorded against predicted."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..evaluation.recording import RecordingComparison
from ..recordings.recording import Recording
from ..recordings.split import sweep_amplitudes
from .style import apply_style


def fi_figure(comparison: RecordingComparison, label: str) -> Figure:
    """Spikes per step against step amplitude: recording, surrogate, interpolation and
    extrapolation of the recorded counts at the training amplitudes (marked)."""
    apply_style()
    rec, pred = comparison.recorded_fi, comparison.predicted_fi
    fig, ax = plt.subplots(figsize=(6.5, 4.2), constrained_layout=True)
    ax.plot(rec.amplitude_pA, comparison.interpolation, color="0.55", ls="--", lw=1.2,
            label="interpolation (baseline)")
    ax.plot(rec.amplitude_pA, comparison.extrapolation, color="0.55", ls=":", lw=1.2,
            label="extrapolation from the two highest (baseline)")
    ax.plot(rec.amplitude_pA, rec.n_spikes, "o-", color="k", lw=1.5, ms=4, label="recording")
    ax.plot(pred.amplitude_pA, pred.n_spikes, "s-", color="C1", lw=1.5, ms=4, label=label)
    train = np.isin(rec.amplitude_pA, comparison.train_pA)
    ax.plot(rec.amplitude_pA[train], rec.n_spikes[train], "o", ms=11, mfc="none", mec="C2", mew=1.8,
            label="training amplitudes")
    blocked = rec.amplitude_pA[rec.block]
    if blocked.size:
        ax.axvspan(blocked.min(), rec.amplitude_pA.max(), color="C3", alpha=0.08, label="recorded block")
    top = np.nanmax(np.concatenate([rec.n_spikes, pred.n_spikes]))
    ax.set_ylim(-0.5, max(top, 1.0) * 1.15 + 0.5)
    ax.set_xlabel("step amplitude [pA]")
    ax.set_ylabel("spikes per step")
    m = comparison.metrics
    ax.set_title(f"held-out spike-count error: {label} {m['spike_count_error']:.2g}, interpolation "
                 f"{m['interpolation_error']:.2g}, extrapolation {m['extrapolation_error']:.2g}", fontsize=9)
    ax.legend(frameon=False, fontsize=8)
    return fig


def overlay_sweeps(recording: Recording, heldout_pA: Sequence[float], n: int = 4) -> list[int]:
    """Indices of up to ``n`` held-out sweeps spread over their amplitudes (lowest and highest included)."""
    amplitudes = sweep_amplitudes(recording)
    held = [s for s in range(recording.n_sweeps) if np.isfinite(amplitudes[s]) and
            np.any(np.isclose(amplitudes[s], heldout_pA))]
    held.sort(key=lambda s: amplitudes[s])
    if len(held) <= n:
        return held
    return [held[i] for i in np.unique(np.round(np.linspace(0, len(held) - 1, n)).astype(int))]


def sweeps_figure(recorded: Recording, predicted: Recording, sweeps: Sequence[int], label: str) -> Figure:
    """Voltage of the given sweeps, recorded (black) and predicted (colour), one panel each, with
    the command current underneath."""
    apply_style()
    amplitudes = sweep_amplitudes(recorded)
    n = max(len(sweeps), 1)
    fig, axes = plt.subplots(2 * n, 1, figsize=(9, 2.3 * n), sharex=True, constrained_layout=True,
                             gridspec_kw={"height_ratios": [3, 1] * n}, squeeze=False)
    time = recorded.time_s
    for row, sweep in enumerate(sweeps):
        ax, cmd = axes[2 * row, 0], axes[2 * row + 1, 0]
        ax.plot(time, recorded.voltage_mV[sweep], color="k", lw=0.6, label="recording")
        ax.plot(time, predicted.voltage_mV[sweep], color="C1", lw=0.6, alpha=0.85, label=label)
        ax.set_ylabel("V [mV]")
        ax.set_title(f"sweep {sweep}, step {amplitudes[sweep]:g} pA (held out)", fontsize=9, loc="left")
        cmd.plot(time, recorded.current_pA[sweep], color="0.4", lw=0.8)
        cmd.set_ylabel("I [pA]")
    axes[0, 0].legend(frameon=False, fontsize=8, loc="upper right")
    axes[-1, 0].set_xlabel("time [s]")
    return fig
