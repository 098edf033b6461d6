"""Figures (seaborn / matplotlib), one function per figure.

Every function but :func:`training_traces_figure` (which takes a trajectory store) takes regime
stores (``kind="regimes"``, see :mod:`neurorecon.dynamics.regimes`) keyed by a label ("truth", a
surrogate name, ...) so the same figure shows ground truth alone or overlaid with surrogates, and
returns a :class:`matplotlib.figure.Figure`; :func:`neurorecon.figures.style.save` writes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import xarray as xr
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..dynamics.excitability import Excitability
from ..dynamics.regimes import Regime
from ..simulate.protocol import PROTOCOL_ATTR, command_current
from ..units import per_time
from .style import HERTZ_PER_RATE_UNIT, PRETTY_UNITS, REGIME_COLORS, REGIME_LABELS, apply_style, axis_label, title


def control_label(ds: xr.Dataset) -> str:
    param = ds["param"]
    name = param.attrs.get("control", ds.attrs.get("control", "control"))
    return axis_label(name, param.attrs.get("units", ""))


def mark_training(ax, train_values: Sequence[float]) -> None:
    for i, value in enumerate(train_values):
        ax.axvline(value, color="0.3", lw=0.8, ls=":", zorder=0, label="training value" if i == 0 else None)


def _first(regimes: Mapping[str, xr.Dataset]) -> xr.Dataset:
    if not regimes:
        raise ValueError("no regime stores to plot")
    return next(iter(regimes.values()))


def bifurcation_figure(regimes: Mapping[str, xr.Dataset], train_values: Sequence[float] = ()) -> Figure:
    """Post-transient inter-spike intervals against the control parameter (log scale), all ICs."""
    apply_style()
    first = _first(regimes)
    fig, ax = plt.subplots(figsize=(7.0, 4.2), layout="constrained")
    palette = sns.color_palette("dark", len(regimes))
    for (label, ds), color in zip(regimes.items(), palette, strict=True):
        isi = ds["isi"].transpose("param", "ic", "isi_index").values
        param = np.broadcast_to(ds["param"].values[:, None, None], isi.shape)
        keep = np.isfinite(isi) & (isi > 0)
        ax.scatter(param[keep], isi[keep], s=4, alpha=0.35, color=color, lw=0, label=label, rasterized=True)
    mark_training(ax, train_values)
    ax.set_yscale("log")
    ax.set_xlabel(control_label(first))
    ax.set_ylabel(axis_label("inter-spike interval", first["isi"].attrs.get("units", "")))
    ax.set_title(title(first, "bifurcation diagram"))
    ax.legend(loc="best", markerscale=3, frameon=False)
    sns.despine(fig)
    return fig


def regime_strip_figure(regimes: Mapping[str, xr.Dataset], train_values: Sequence[float] = ()) -> Figure:
    """Regime of every (control value, initial state), one strip per label, training values marked."""
    apply_style()
    first = _first(regimes)
    codes = [int(r) for r in Regime]
    cmap = ListedColormap([REGIME_COLORS[Regime(c)] for c in codes])
    norm = BoundaryNorm(np.arange(min(codes) - 0.5, max(codes) + 1.5), cmap.N)
    fig, axes = plt.subplots(
        len(regimes), 1, figsize=(7.0, 0.9 + 0.9 * len(regimes)), sharex=True, squeeze=False,
        layout="constrained",
    )
    for ax, (label, ds) in zip(axes[:, 0], regimes.items(), strict=True):
        param = ds["param"].values
        edges = _edges(param)
        regime = ds["regime"].transpose("ic", "param").values
        ax.pcolormesh(edges, np.arange(regime.shape[0] + 1), regime, cmap=cmap, norm=norm)
        ax.set_yticks([])
        ax.set_ylabel(f"{label}\n(ICs)", rotation=0, ha="right", va="center")
        for value in train_values:
            ax.plot([value], [regime.shape[0]], marker="v", color="k", ms=6, clip_on=False)
    axes[-1, 0].set_xlabel(control_label(first))
    axes[0, 0].set_title(title(first, "regimes" + ("  (▼ training values)" if len(train_values) else "")))
    present = sorted({int(c) for ds in regimes.values() for c in np.unique(ds["regime"].values)})
    handles = [Patch(color=REGIME_COLORS[Regime(c)], label=REGIME_LABELS[Regime(c)]) for c in present]
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 6), frameon=False)
    return fig


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around sorted centres (half-way between neighbours)."""
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = 0.5 * (centres[1:] + centres[:-1])
    return np.concatenate([[2 * centres[0] - mid[0]], mid, [2 * centres[-1] - mid[-1]]])


def lyapunov_figure(regimes: Mapping[str, xr.Dataset], train_values: Sequence[float] = ()) -> Figure:
    """Largest Lyapunov exponent against the control parameter: every IC and the median."""
    apply_style()
    first = _first(regimes)
    fig, ax = plt.subplots(figsize=(7.0, 4.0), layout="constrained")
    palette = sns.color_palette("dark", len(regimes))
    for (label, ds), color in zip(regimes.items(), palette, strict=True):
        lyap = ds["lyap_max"].transpose("param", "ic").values
        param = ds["param"].values
        ax.scatter(np.repeat(param, lyap.shape[1]), lyap.ravel(), s=8, alpha=0.4, color=color, lw=0)
        with np.errstate(all="ignore"):
            median = np.nanmedian(np.where(np.isfinite(lyap), lyap, np.nan), axis=1)
        ax.plot(param, median, color=color, lw=1.3, label=f"{label} (median over ICs)")
    ax.axhline(0.0, color="k", lw=0.8)
    mark_training(ax, train_values)
    ax.set_xlabel(control_label(first))
    ax.set_ylabel(axis_label("largest Lyapunov exponent", first["lyap_max"].attrs.get("units", "")))
    ax.set_title(title(first, "largest Lyapunov exponent"))
    ax.legend(loc="best", frameon=False)
    sns.despine(fig)
    return fig


def fi_curve_figure(ds: xr.Dataset, excitability: Excitability) -> Figure:
    """Firing rate against injected current for every IC, with the onset and excitability type."""
    apply_style()
    time_unit = ds.attrs.get("time_unit", "")
    scale = HERTZ_PER_RATE_UNIT.get(time_unit, 1.0)
    rate_unit = "Hz" if time_unit in HERTZ_PER_RATE_UNIT else per_time(time_unit)
    rate = ds["firing_rate"].transpose("param", "ic").values * scale
    param = ds["param"].values
    fig, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
    for k in range(rate.shape[1]):
        ax.plot(param, rate[:, k], marker="o", ms=3, lw=0.8, alpha=0.7, label=f"initial state {k}")
    if np.isfinite(excitability.onset):
        ax.axvline(excitability.onset, color="k", ls="--", lw=0.8,
                   label=axis_label(f"onset {excitability.onset:.4g}", ds["param"].attrs.get("units", "")))
    ax.text(0.02, 0.96, f"excitability type {excitability.type}", transform=ax.transAxes, va="top",
            fontweight="bold")
    ax.set_xlabel(control_label(ds))
    ax.set_ylabel(axis_label("firing rate", rate_unit))
    ax.set_title(title(ds, "f–I curve"))
    ax.legend(loc="lower right", frameon=False, fontsize="small")
    sns.despine(fig)
    return fig


def training_traces_figure(ds: xr.Dataset, ic: int = 0) -> Figure:
    """The training traces of a trajectory store: the observed variable of initial state ``ic`` at
    every training value, one row each, and the command current of every value under them (a
    step protocol's steps and gaps; a constant line for a constant-control store)."""
    apply_style()
    observed = str(ds.attrs["observed"])
    trace = ds[observed].transpose("param", "ic", "time").isel(ic=ic)
    time = ds["time"].values
    values = ds["param"].values
    command = command_current(ds)
    colors = sns.color_palette("viridis", len(values))
    fig, axes = plt.subplots(len(values) + 1, 1, figsize=(8.0, 1.3 * len(values) + 1.6), sharex=True,
                             layout="constrained", gridspec_kw={"height_ratios": [2.0] * len(values) + [1.5]})
    control_unit = ds["param"].attrs.get("units", "")
    control = ds["param"].attrs.get("control", ds.attrs.get("control", "control"))
    for i, (value, color) in enumerate(zip(values, colors, strict=True)):
        axes[i].plot(time, trace.values[i], color=color, lw=0.6)
        axes[i].set_ylabel(axis_label(observed, ds[observed].attrs.get("units", "")))
        unit = "" if control_unit in ("", "1") else f" {PRETTY_UNITS.get(control_unit, control_unit)}"
        axes[i].text(0.995, 0.92, f"{control} = {value:g}{unit}", transform=axes[i].transAxes,
                     ha="right", va="top", fontsize="small")
        axes[-1].step(time, command[i], where="post", color=color, lw=1.0, label=f"{value:g}")
    axes[-1].set_ylabel(axis_label(f"command {control}", control_unit))
    axes[-1].set_xlabel(axis_label("time", ds.attrs.get("time_unit", ds["time"].attrs.get("units", ""))))
    what = "training traces" + (" (step protocol)" if PROTOCOL_ATTR in ds.attrs else "")
    axes[0].set_title(title(ds, f"{what}, initial state {ic}"))
    sns.despine(fig)
    return fig


def dic_regime_figure(table: pd.DataFrame, regimes: xr.Dataset) -> Figure:
    """Fraction of twins bursting and spiking tonically against the slow DIC g_s, with the DIC
    boundary (g_s = 0: bursting predicted below, tonic spiking above).

    Args:
        table: :func:`neurorecon.dynamics.dic_map.dic_regime_table` of the population.
        regimes: the population's regime store (for the title and the g_s axis label).
    """
    apply_style()
    fig, ax = plt.subplots(figsize=(7.0, 4.0), layout="constrained")
    for column, regime in (("fraction_bursting", Regime.BURSTING), ("fraction_tonic", Regime.TONIC_SPIKING)):
        ax.plot(table["g_s"], table[column], marker="o", ms=4, lw=1.3, color=REGIME_COLORS[regime],
                label=REGIME_LABELS[regime])
    ax.plot(table["g_s"], table["fraction_other"], marker=".", lw=0.8, color="0.5", label="other")
    ax.axvline(0.0, color="k", ls="--", lw=0.9, label="DIC boundary")
    low, high = float(table["g_s"].min()), float(table["g_s"].max())
    if low < 0:
        ax.axvspan(low, min(0.0, high), color=REGIME_COLORS[Regime.BURSTING], alpha=0.07, lw=0)
    if high > 0:
        ax.axvspan(max(0.0, low), high, color=REGIME_COLORS[Regime.TONIC_SPIKING], alpha=0.07, lw=0)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel(control_label(regimes))
    ax.set_ylabel(f"fraction of twins (of {int(table['n_twins'].iloc[0])})")
    ax.set_title(title(regimes, "simulated regimes of the twins against the DIC prediction"))
    ax.legend(loc="best", frameon=False)
    sns.despine(fig)
    return fig
