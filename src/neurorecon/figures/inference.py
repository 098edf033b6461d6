"""Figures of spike-time inference of DICs (issue 17, item 7): predicted against true (g_s, g_u) per
regime, the error over the (g_s, g_u) plane, an input spike train with its twins' trains, and the
test set's simulated regimes against g_s with the DIC boundary (drawn by
:func:`neurorecon.figures.truth.dic_regime_figure`). Arrays in, figures out: nothing here imports
torch or the inference package."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import xarray as xr
from matplotlib.figure import Figure

from ..dynamics.dic_map import dic_regime_table
from ..dynamics.regimes import Regime
from .style import REGIME_COLORS, REGIME_LABELS, apply_style
from .truth import dic_regime_figure

_REGIMES = (Regime.TONIC_SPIKING, Regime.BURSTING)


def prediction_scatter_figure(true: np.ndarray, predicted: np.ndarray, regime: np.ndarray) -> Figure:
    """Predicted against true g_s and g_u (columns), one row per regime (tonic spiking, bursting).

    Args:
        true, predicted: (n, 2) (g_s, g_u), units of g_L.
        regime: (n,) :class:`Regime` codes of the simulated inputs.
    """
    apply_style()
    fig, axes = plt.subplots(2, 2, figsize=(8.0, 7.5), layout="constrained", squeeze=False)
    for row, code in enumerate(_REGIMES):
        sel = np.asarray(regime) == code
        for col, name in enumerate(("g_s", "g_u")):
            ax = axes[row, col]
            t, p = true[sel, col], predicted[sel, col]
            ax.scatter(t, p, s=3, alpha=0.35, color=REGIME_COLORS[code], lw=0, rasterized=True)
            if t.size:
                lims = [min(t.min(), p.min()), max(t.max(), p.max())]
                ax.plot(lims, lims, color="k", lw=0.8, ls="--")
                mae = float(np.abs(p - t).mean())
                ax.set_title(f"{REGIME_LABELS[code]}: {name} (n = {t.size}, MAE {mae:.2f})")
            ax.set_xlabel(f"true {name} [g_L]")
            ax.set_ylabel(f"predicted {name} [g_L]")
    sns.despine(fig)
    return fig


def error_plane_figure(true: np.ndarray, predicted: np.ndarray, bins: int = 12) -> Figure:
    """Mean absolute error of g_s and of g_u (panels) in bins of the true (g_s, g_u) plane."""
    apply_style()
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.2), layout="constrained")
    s_edges = np.linspace(true[:, 0].min(), true[:, 0].max(), bins + 1)
    u_edges = np.linspace(true[:, 1].min(), true[:, 1].max(), bins + 1)
    counts, _, _ = np.histogram2d(true[:, 0], true[:, 1], [s_edges, u_edges])
    for col, (ax, name) in enumerate(zip(axes, ("g_s", "g_u"), strict=True)):
        err = np.abs(predicted[:, col] - true[:, col])
        sums, _, _ = np.histogram2d(true[:, 0], true[:, 1], [s_edges, u_edges], weights=err)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(counts > 0, sums / counts, np.nan)
        mesh = ax.pcolormesh(s_edges, u_edges, mean.T, cmap="viridis", shading="flat")
        fig.colorbar(mesh, ax=ax, label=f"mean |error| of {name} [g_L]")
        ax.axvline(0.0, color="w", ls="--", lw=0.9)
        ax.set_xlabel("true g_s [g_L]")
        ax.set_ylabel("true g_u [g_L]")
        ax.set_title(f"error of {name} over the (g_s, g_u) plane")
    return fig


def twin_trains_figure(input_train: np.ndarray, twin_trains: Sequence[np.ndarray], input_regime: int,
                       twin_regimes: Sequence[int], label: str = "") -> Figure:
    """Raster of an input spike train (top row) and of its twins' trains (ms after the transient),
    each coloured by its simulated regime."""
    apply_style()
    rows = [np.asarray(input_train)] + [np.asarray(t) for t in twin_trains]
    codes = [int(input_regime)] + [int(c) for c in twin_regimes]
    fig, ax = plt.subplots(figsize=(8.0, 0.45 * len(rows) + 1.4), layout="constrained")
    for i, (train, code) in enumerate(zip(rows, codes, strict=True)):
        train = train[np.isfinite(train)]
        color = REGIME_COLORS.get(code, "k")  # IntEnum keys: a plain code finds its regime
        ax.vlines(train, -i - 0.4, -i + 0.4, color=color, lw=1.0)
    ax.set_yticks([-i for i in range(len(rows))], ["input"] + [f"twin {k + 1}" for k in range(len(rows) - 1)])
    ax.set_xlabel("time after the transient [ms]")
    ax.set_title(f"input spike train and the twins of its predicted DICs{': ' + label if label else ''}")
    sns.despine(fig, left=True)
    return fig


def test_regime_map_figure(g_s: np.ndarray, regime: np.ndarray, bins: int = 20, model: str = "stg") -> Figure:
    """The test set's simulated regimes against its g_s (quantile bins of equal size, each a column
    of "twins") with the DIC boundary at 0, by :func:`~neurorecon.figures.truth.dic_regime_figure`."""
    order = np.argsort(g_s)
    bins = max(1, min(bins, len(order)))
    per = len(order) // bins
    order = order[: per * bins].reshape(bins, per)
    table = dic_regime_table(np.median(np.asarray(g_s)[order], axis=1), np.asarray(regime)[order])
    coords = xr.Dataset(coords={"param": ("param", table["g_s"].values, {"units": "g_L", "control": "g_s"})},
                        attrs={"model": model, "control": "g_s"})
    return dic_regime_figure(table, coords)


def size_curve_figure(curve: pd.DataFrame) -> Figure:
    """Test MAE of g_s and g_u against the number of training examples (log axis)."""
    apply_style()
    fig, ax = plt.subplots(figsize=(5.5, 4.0), layout="constrained")
    for name, marker in (("mae_g_s", "o"), ("mae_g_u", "s")):
        ax.plot(curve["n_train"], curve[name], marker=marker, label=name.replace("mae_", "MAE "))
    ax.set_xscale("log")
    ax.set_xlabel("training examples")
    ax.set_ylabel("test MAE [g_L]")
    ax.legend(frameon=False)
    sns.despine(fig)
    return fig
