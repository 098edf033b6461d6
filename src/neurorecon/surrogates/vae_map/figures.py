"""Figures of surrogate training: latent-dimension selection curves and map training curves.

Each function returns a :class:`matplotlib.figure.Figure`; saving is the caller's business.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from ..training import read_curve
from .selection import LatentChoice

METRIC_LABELS = {
    "val_loss": "held-back loss (reconstruction + β·KL)",
    "val_reconstruction": "held-back reconstruction MSE (scaled units²)",
}


def read_curves(curve_files: Sequence[str | os.PathLike]) -> dict[int, list[dict[str, Any]]]:
    """VAE curve tables keyed by their latent dimension (column ``latent_dim``)."""
    curves = {}
    for path in curve_files:
        rows = read_curve(path)
        curves[int(rows[0]["latent_dim"])] = rows
    return curves


def latent_selection_figure(
    curves: Mapping[int, Sequence[Mapping[str, Any]]], choice: LatentChoice, title: str = ""
) -> plt.Figure:
    """Left: the selection metric against epoch, one line per latent dimension d (log scale).
    Right: the loss level L(d) against d, the plateau threshold, the elbow and the chosen d marked.

    Args:
        curves: d -> VAE training-curve rows (see :func:`read_curves`).
        choice: the outcome of :func:`~neurorecon.surrogates.vae_map.selection.choose_latent_dim`.
        title: figure title (e.g. dataset and seed).
    """
    metric = choice.settings.metric
    frame = pd.DataFrame(
        [{"epoch": row["epoch"], "loss": row[metric], "d": f"d = {d}"} for d, rows in sorted(curves.items())
         for row in rows]
    )
    with sns.axes_style("whitegrid"):
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
        sns.lineplot(frame, x="epoch", y="loss", hue="d", ax=left, palette="viridis")
        left.set_yscale("log")
        left.set_xlabel("epoch")
        left.set_ylabel(METRIC_LABELS.get(metric, metric))
        left.set_title("VAE training per latent dimension")
        dims = sorted(choice.levels)
        levels = [choice.levels[d] for d in dims]
        right.plot(dims, levels, "o-", color="0.3", label="loss level L(d)")
        right.axhline(choice.threshold, color="tab:orange", ls="--",
                      label=f"plateau: (1 + {choice.settings.rel_tol:g}) · min L")
        right.plot([choice.elbow], [choice.levels[choice.elbow]], "s", ms=12, mfc="none", mec="tab:blue",
                   mew=2, label=f"elbow d = {choice.elbow}")
        right.plot([choice.latent_dim], [choice.levels[choice.latent_dim]], "o", ms=12, mfc="none",
                   mec="tab:red", mew=2, label=f"chosen d = {choice.latent_dim} (elbow + {choice.settings.margin})")
        right.set_yscale("log")
        right.set_xticks(dims)
        right.set_xlabel("latent dimension d")
        right.set_ylabel(f"mean of last {choice.settings.last_epochs} epochs")
        right.set_title("latent dimension selection")
        right.legend(frameon=True)
        if title:
            fig.suptitle(title)
    return fig


def map_training_figure(rows: Sequence[Mapping[str, Any]], title: str = "") -> plt.Figure:
    """Neural-map training curves: training and held-back loss against epoch (log scale), rollout
    horizon on a second axis, and the passed traces of the training-value check where recorded;
    one colour per map candidate (column ``candidate``, 0 when absent).

    Args:
        rows: rows of ``map_curve.tsv`` (:func:`~neurorecon.surrogates.training.read_curve`).
        title: figure title.
    """
    frame = pd.DataFrame(rows).apply(pd.to_numeric, errors="coerce")  # unjudged epochs: "" -> NaN
    if "candidate" not in frame:
        frame["candidate"] = 0
    colours = sns.color_palette("tab10")
    with sns.axes_style("whitegrid"):
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True, constrained_layout=True)
        twin = top.twinx()
        for candidate, part in frame.groupby("candidate"):
            colour = colours[int(candidate) % len(colours)]
            top.plot(part["epoch"], part["loss"], color=colour,
                     label=f"candidate {int(candidate)}: training loss (rollout + one-step)")
            top.plot(part["epoch"], part["val_loss"], color=colour, ls="--",
                     label=f"candidate {int(candidate)}: held-back rollout loss")
            if "check_traces_passed" in part:
                bottom.plot(part["epoch"], part["check_traces_passed"], "o-", color=colour,
                            label=f"candidate {int(candidate)}")
        twin.step(frame["epoch"], frame["horizon"], where="mid", color="0.6", ls=":")
        top.set_yscale("log")
        top.set_ylabel("loss (standardised latent units²)")
        top.legend(fontsize="small")
        twin.set_ylabel("rollout horizon K (steps)")
        twin.grid(False)
        bottom.set_xlabel("epoch")
        bottom.set_ylabel("training-value check:\npassed traces")
        if title:
            fig.suptitle(title)
    return fig
