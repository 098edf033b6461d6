"""Figures of a trained hybrid ODE: training curves, and its kinetics against the truth's.

``figures/training_curves.png``: training and validation loss of every candidate and curriculum
stage. ``figures/kinetics.png``: in ``gates`` mode, x_inf(V) and tau(V) of every learned gate
against the model's own, the voltage range visited in training shaded; in ``latent`` mode the
steady-state current-voltage curve I_ss(V) of the surrogate (hidden variables relaxed at each V)
against the truth's where the model declares its channels (its shape decides rest, bistability and
the onset of firing).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import torch

from ...figures.style import save
from ...models import get_model
from ..training import EpochRecord
from .data import RECORDING_MODEL
from .kinetics import gate_kinetics
from .model import HybridOde

FIGURES = ("figures/training_curves.png", "figures/kinetics.png")
"""The family's figures, relative to the run folder."""


def training_curves_figure(records: list[EpochRecord]) -> plt.Figure:
    frame = pd.DataFrame([{"iteration": r.epoch, "loss": value, "which": which, "stage": r.stage}
                          for r in records for which, value in (("training", r.loss), ("held back", r.val_loss))])
    with sns.axes_style("whitegrid"):
        grid = sns.relplot(frame, x="iteration", y="loss", hue="stage", style="which", kind="line",
                           height=3.5, aspect=1.8, facet_kws={"legend_out": True})
        grid.set(yscale="log", ylabel="loss (scaled V² + dV term)")
        grid.figure.suptitle("hybrid_ode training: every candidate and curriculum stage", y=1.02)
    return grid.figure


def steady_state_current(net: HybridOde, voltage: np.ndarray, relax_steps: int = 2000) -> np.ndarray:
    """I_ss(V): the ionic current with the hidden variables relaxed at each fixed V (n,), control unit."""
    with torch.no_grad():
        v_scaled = net.scaled(torch.as_tensor(voltage, dtype=torch.float32, device=next(net.parameters()).device))
        hidden = net.initial_hidden(v_scaled)
        for _ in range(relax_steps):
            target, tau = net.relaxation(v_scaled, hidden)
            hidden = target + (hidden - target) * torch.exp(-tau.min() / tau)
        return net.ionic_current(v_scaled, hidden).cpu().numpy()


def kinetics_figure(net: HybridOde, v_range: tuple[float, float]) -> plt.Figure:
    model = None if net.arch.model == RECORDING_MODEL else get_model(net.arch.model)
    low, high = v_range
    span = high - low
    voltage = np.linspace(low - 0.25 * span, high + 0.1 * span, 400)
    p = net.arch.parameters
    with sns.axes_style("whitegrid"):
        if net.channels is not None and net.learned:
            learned = gate_kinetics(net, voltage)
            fig, axes = plt.subplots(2, len(learned), figsize=(4.5 * len(learned), 6), squeeze=False,
                                     constrained_layout=True)
            for column, (name, (x_inf, tau)) in enumerate(learned.items()):
                gate = model.channels.gate(name)
                for row, (values, truth, label) in enumerate((
                        (x_inf, gate.steady_state(voltage, p, np), f"{name}∞(V)"),
                        (tau, gate.time_constant(voltage, p, np), f"τ_{name}(V) [{model.time_label}]"))):
                    ax = axes[row, column]
                    ax.axvspan(low, high, color="0.9", label="visited in training")
                    ax.plot(voltage, truth, color="k", lw=2, label="truth")
                    ax.plot(voltage, values, color="C1", lw=1.5, ls="--", label="learned")
                    ax.set_xlabel("V [mV]")
                    ax.set_ylabel(label)
            axes[0, 0].legend(frameon=False)
        else:
            fig, ax = plt.subplots(figsize=(6, 4), constrained_layout=True)
            ax.axvspan(low, high, color="0.9", label="visited in training")
            if model is not None and model.channels is not None:
                ax.plot(voltage, _truth_steady_state_current(model, voltage, p), color="k", lw=2, label="truth")
            ax.plot(voltage, steady_state_current(net, voltage), color="C1", lw=1.5, ls="--", label="learned")
            ax.axhline(0.0, color="0.5", lw=0.8)
            ax.set_xlabel("V [mV]")
            ax.set_ylabel(f"steady-state ionic current I_ss(V){' [pA]' if model is None else ''}")
            ax.legend(frameon=False)
        fig.suptitle(f"hybrid_ode ({net.arch.mode}) on {net.arch.model}: learned kinetics")
    return fig


def _truth_steady_state_current(model, voltage: np.ndarray, p: dict[str, float]) -> np.ndarray:
    """The model's I_ss(V) from its channel declaration (every gate at its steady state)."""
    total = np.zeros_like(voltage)
    for current in model.channels.currents:
        conductance = p[current.conductance] * np.ones_like(voltage)
        for name, exponent in current.gates:
            conductance = conductance * model.channels.gate(name).steady_state(voltage, p, np) ** exponent
        total += conductance * (voltage - p[current.reversal])
    return total


def write_figures(surrogate, records: list[EpochRecord], out_dir: Path) -> None:
    """Write :data:`FIGURES` of a trained surrogate into its run folder."""
    save(training_curves_figure(records), out_dir / FIGURES[0])
    save(kinetics_figure(surrogate.net, tuple(surrogate.info.v_range)), out_dir / FIGURES[1])
