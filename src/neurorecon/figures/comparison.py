"""Figures of one surrogate against the ground truth on the held-out grid (one run: dataset, seed).

- :func:`lyapunov_comparison_figure`: largest Lyapunov exponent of truth and surrogate overlaid,
  saying so when a store carries no estimate (all NaN);
- :func:`example_traces_figure`: observed variable of truth and surrogate side by side at a few
  held-out control values chosen by :func:`example_values`;
- :func:`regime_confusion_figure`: truth regime against surrogate regime over the unseen values;
- :func:`fi_comparison_figure`: the f–I curves of truth and surrogate (current-driven models), each
  with its firing onset and excitability type.

Regime stores are those of :mod:`neurorecon.dynamics.regimes`, trajectory stores those of the
truth (``heldout.zarr``) and of a surrogate sweep (``sweep.zarr``), all on the same control grid.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import xarray as xr
from matplotlib.figure import Figure

from ..dynamics.excitability import Excitability
from ..dynamics.regimes import Regime
from ..dynamics.transitions import dominant_regime
from ..evaluation.compare import regime_confusion, seen_mask
from ..units import per_time
from .style import HERTZ_PER_RATE_UNIT, PRETTY_UNITS, REGIME_LABELS, apply_style, axis_label, title
from .truth import control_label, lyapunov_figure, mark_training

EXAMPLE_IC = 0
"""Initial state whose traces :func:`example_traces_figure` shows (the surrogate's is an exact
training encoding)."""
EXAMPLE_INTERVALS = 8
"""Example windows span this many times the longest inter-spike interval of the row's traces (at
least a few bursts or spikes, few enough to see them), or the whole recording when no trace spikes."""


def lyapunov_comparison_figure(regimes: Mapping[str, xr.Dataset], train_values: Sequence[float] = ()) -> Figure:
    """:func:`neurorecon.figures.truth.lyapunov_figure` of every store; the legend entry of a store whose
    ``lyap_max`` holds no finite value says "not estimated"."""
    with warnings.catch_warnings():  # the median over initial states of an all-NaN row
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        fig = lyapunov_figure(regimes, train_values)
    missing = [label for label, ds in regimes.items() if not np.isfinite(ds["lyap_max"].values).any()]
    if missing:
        ax = fig.axes[0]
        handles, texts = ax.get_legend_handles_labels()
        texts = [next((f"{label}: not estimated (all NaN)" for label in missing if text.startswith(f"{label} (")),
                      text) for text in texts]
        ax.legend(handles, texts, loc="best", frameon=False)
    return fig


def example_values(
    param: np.ndarray, dominant: np.ndarray, train_values: Sequence[float] = (), n: int = 4
) -> np.ndarray:
    """Up to ``n`` held-out control values that show the truth's regimes and transitions.

    Training values are never chosen. Among the others, in order of priority: for every dominant
    regime (longest stretch first), the middle of its longest stretch of consecutive values; then,
    for every change of regime along the grid, the value just after and the value just before it;
    then values evenly spread over the grid.

    Args:
        param: (n_param,) control values.
        dominant: (n_param,) the truth's dominant regime code per control value.
        train_values: control values the surrogate was trained on.
        n: number of values wanted (fewer when fewer held-out values exist).

    Returns:
        (min(n, n_held_out),) chosen control values, ascending.

    Raises:
        ValueError: every control value is a training value, or n < 1.
    """
    if n < 1:
        raise ValueError(f"need at least one example value, got n={n}")
    param = np.asarray(param, dtype=np.float64)
    order = np.argsort(param)
    keep = order[~seen_mask(param[order], train_values)]
    if keep.size == 0:
        raise ValueError("every control value is a training value: no held-out value to show")
    values, codes = param[keep], np.asarray(dominant)[keep]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], codes.size]  # stretch k covers [starts[k], ends[k])
    longest: dict[int, tuple[int, int]] = {}
    for start, end in zip(starts, ends, strict=True):
        code = int(codes[start])
        if code not in longest or end - start > longest[code][1] - longest[code][0]:
            longest[code] = (start, end)
    stretches = sorted(longest.values(), key=lambda se: (se[0] - se[1], se[0]))  # longest first
    priority = [(start + end - 1) // 2 for start, end in stretches]
    priority += [i for start in starts[1:] for i in (start, start - 1)]
    priority += np.round(np.linspace(0, codes.size - 1, n)).astype(int).tolist()
    chosen = list(dict.fromkeys(priority))[:n]
    return np.sort(values[chosen])


def _value_label(ds: xr.Dataset, value: float) -> str:
    """``I = 0.375 µA/cm²``: a control value with its name and unit."""
    attrs = ds["param"].attrs
    name = attrs.get("control", ds.attrs.get("control", "control"))
    unit = attrs.get("units", "")
    unit = "" if unit in ("", "1") else f" {PRETTY_UNITS.get(unit, unit)}"
    return f"{name} = {value:.4g}{unit}"


def _window(ds: xr.Dataset, param_index: int, length: float) -> tuple[np.ndarray, np.ndarray]:
    """Time since the window start and observed values over the last ``length`` time units of the
    example initial state's trace."""
    time = ds["time"].values
    keep = time >= time[-1] - length
    trace = ds[ds.attrs["observed"]].isel(param=param_index, ic=EXAMPLE_IC).values[keep]
    return time[keep] - time[keep][0], trace


def _window_length(regimes: Sequence[xr.Dataset], param_index: int, span: float) -> float:
    """Time shown for one control value: :data:`EXAMPLE_INTERVALS` times the longest ISI of the
    example trajectories in ``regimes``, at most ``span``."""
    isi = np.concatenate([ds["isi"].isel(param=param_index, ic=EXAMPLE_IC).values for ds in regimes])
    isi = isi[np.isfinite(isi)]
    return min(span, EXAMPLE_INTERVALS * float(isi.max())) if isi.size else span


def _span(ds: xr.Dataset) -> float:
    """Recorded time of a trajectory store: from its first to its last sample (time unit)."""
    time = ds["time"].values
    step = float(np.median(np.diff(time))) if time.size > 1 else 0.0
    return (time.size - 1) * step


def example_traces_figure(
    truth_traces: xr.Dataset,
    surrogate_traces: xr.Dataset,
    truth_regimes: xr.Dataset,
    surrogate_regimes: xr.Dataset,
    train_values: Sequence[float] = (),
    label: str = "surrogate",
    n: int = 4,
) -> Figure:
    """Observed variable of truth (left) and surrogate (right) at :func:`example_values`.

    One row per chosen held-out value, sharing the axes within a row: both columns show the last
    stretch of the same length of time from initial state :data:`EXAMPLE_IC`, at most the shorter
    recording (see :data:`EXAMPLE_INTERVALS`). Each panel is titled with the regime classified for that trajectory; a
    surrogate trace without finite samples (a diverged rollout) is marked as such.

    Raises:
        ValueError: the stores are not on the truth's control grid; no held-out value.
    """
    param = truth_regimes["param"].values
    for name, ds in (("truth traces", truth_traces), ("surrogate traces", surrogate_traces),
                     ("surrogate regimes", surrogate_regimes)):
        if ds.sizes["param"] != param.size or not np.allclose(ds["param"].values, param):
            raise ValueError(f"{name} are not on the truth's control grid")
    dominant = dominant_regime(truth_regimes["regime"].transpose("param", "ic").values)
    chosen = example_values(param, dominant, train_values, n)
    span = min(_span(truth_traces), _span(surrogate_traces))
    observed = truth_traces.attrs["observed"]
    y_label = axis_label(observed, truth_traces[observed].attrs.get("units", ""))
    x_label = axis_label("time in window", truth_traces["time"].attrs.get("units", ""))

    apply_style()
    fig, axes = plt.subplots(len(chosen), 2, figsize=(8.0, 0.6 + 1.8 * len(chosen)), sharex="row",
                             sharey="row", squeeze=False, layout="constrained")
    colors = sns.color_palette("dark", 2)
    for row, value in zip(axes, chosen, strict=True):
        i = int(np.flatnonzero(np.isclose(param, value))[0])
        length = _window_length((truth_regimes, surrogate_regimes), i, span)
        for ax, (name, traces, regimes), color in zip(
            row, (("ground truth", truth_traces, truth_regimes), (label, surrogate_traces, surrogate_regimes)),
            colors, strict=True,
        ):
            time, trace = _window(traces, i, length)
            regime = REGIME_LABELS[Regime(int(regimes["regime"].isel(param=i, ic=EXAMPLE_IC)))]
            ax.plot(time, trace, color=color, lw=0.7, rasterized=True)
            ax.ticklabel_format(axis="y", useOffset=False)  # an offset text would cover the title
            ax.set_title(f"{name}: {regime}", loc="left", fontsize="small")
            if not np.isfinite(trace).any():
                ax.text(0.5, 0.5, "diverged: no finite samples", transform=ax.transAxes, ha="center",
                        va="center", color="0.3")
        row[0].set_ylabel(f"{_value_label(truth_regimes, value)}\n{y_label}")
    for ax in axes[-1]:
        ax.set_xlabel(x_label)
    fig.suptitle(title(truth_regimes, f"example traces at held-out values (initial state {EXAMPLE_IC})"))
    sns.despine(fig)
    return fig


def _regime_tick(code: int) -> str:
    return textwrap.fill(REGIME_LABELS[Regime(code)], 12)


def regime_confusion_figure(
    truth_regimes: xr.Dataset, surrogate_regimes: xr.Dataset, train_values: Sequence[float] = (),
    label: str = "surrogate",
) -> Figure:
    """Counts of (truth, surrogate) dominant regimes over the held-out values that are not training
    values (:func:`neurorecon.evaluation.compare.regime_confusion`); the diagonal is regime agreement.

    Raises:
        ValueError: the stores are not on the same control grid.
    """
    param = truth_regimes["param"].values
    if surrogate_regimes.sizes["param"] != param.size or not np.allclose(surrogate_regimes["param"].values, param):
        raise ValueError("surrogate regimes are not on the truth's control grid")
    unseen = ~seen_mask(param, train_values)
    counts = regime_confusion(truth_regimes["regime"].transpose("param", "ic").values[unseen],
                              surrogate_regimes["regime"].transpose("param", "ic").values[unseen])
    ticks = [_regime_tick(int(code)) for code in Regime]

    apply_style()
    fig, ax = plt.subplots(figsize=(6.4, 5.6), layout="constrained")
    sns.heatmap(counts, annot=True, fmt="d", cmap="Blues", cbar=False, square=True, linewidths=0.5,
                linecolor="0.85", xticklabels=ticks, yticklabels=ticks, ax=ax)
    ax.tick_params(axis="x", labelrotation=0, labelsize="small")
    ax.tick_params(axis="y", labelrotation=0, labelsize="small")
    ax.set_xlabel(f"{label} regime (dominant over initial states)")
    ax.set_ylabel("ground-truth regime (dominant over initial states)")
    agree, total = int(np.trace(counts)), int(counts.sum())
    share = f" ({100 * agree / total:.0f} %)" if total else ""
    left_out = int((~unseen).sum())
    ax.set_title(f"{title(truth_regimes, 'regime confusion')}\n{agree} of {total} unseen values agree{share}; "
                 f"{left_out} training value{'' if left_out == 1 else 's'} left out", fontsize="medium")
    return fig


def fi_comparison_figure(regimes: Mapping[str, xr.Dataset], excitability: Mapping[str, Excitability],
                         train_values: Sequence[float] = ()) -> Figure:
    """Firing rate against injected current of every store on one axis (truth first).

    Each store's rate at a control value is the highest over its initial states (the curve the
    excitability type is read from: where rest and firing coexist, some state fires), drawn as a
    line; every initial state's own rate is a faint dot. Each store's firing onset is a dashed line
    of its colour, and its excitability type is in the legend.

    Args:
        regimes: label -> regime store (dims ``(param, ic)``, ``firing_rate`` in spikes per time
            unit), all on the same control grid.
        excitability: label -> its :class:`~neurorecon.dynamics.excitability.Excitability`.
        train_values: control values the surrogate was trained on, marked with dotted lines.
    """
    apply_style()
    first = next(iter(regimes.values()))
    time_unit = first.attrs.get("time_unit", "")
    scale = HERTZ_PER_RATE_UNIT.get(time_unit, 1.0)
    rate_unit = "Hz" if time_unit in HERTZ_PER_RATE_UNIT else per_time(time_unit)
    control_unit = first["param"].attrs.get("units", "")
    fig, ax = plt.subplots(figsize=(6.5, 4.0), layout="constrained")
    colors = sns.color_palette("deep", len(regimes))
    for color, (label, ds) in zip(colors, regimes.items()):
        param = ds["param"].values
        rate = ds["firing_rate"].transpose("param", "ic").values * scale
        with warnings.catch_warnings():  # a row whose every initial state diverged
            warnings.simplefilter("ignore", RuntimeWarning)
            best = np.nanmax(rate, axis=1)
        for k in range(rate.shape[1]):
            ax.plot(param, rate[:, k], ls="none", marker="o", ms=2.5, alpha=0.35, color=color)
        found = excitability[label]
        ax.plot(param, best, lw=1.2, color=color, label=f"{label}: type {found.type}")
        if np.isfinite(found.onset):
            ax.axvline(found.onset, color=color, ls="--", lw=0.9,
                       label=axis_label(f"{label} onset {found.onset:.4g}", control_unit))
    mark_training(ax, train_values)
    ax.set_xlabel(control_label(first))
    ax.set_ylabel(axis_label("firing rate", rate_unit))
    ax.set_title(title(first, "f–I curve, truth and surrogate (line: highest rate over initial states)"))
    ax.legend(loc="best", frameon=False, fontsize="small")
    sns.despine(fig)
    return fig
