"""The benchmark figure: regime agreement of every (dataset, surrogate) against the null baseline,
and the error of every truth transition.

Top, a heatmap: one row per dataset, one column for the nearest-training-value baseline and one per
surrogate; each cell the median over seeds of the regime agreement on unseen values [%], with the
gain over the baseline in points below it; a cell at or above the agreement target is outlined,
a dataset without that surrogate is grey. Below: one row per truth transition (dataset, kind,
location); per surrogate and the baseline the median |location error| over seeds in held-out grid
steps (a seed that does not show the transition counting as infinitely far: the number that
decides whether it is found), a line over the errors of the seeds that show it, a cross at the
right edge when most seeds do not; the green band is the target (``Targets.transition_grid_steps``).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..evaluation.baseline import NAME as BASELINE
from ..evaluation.benchmark import transition_label
from ..evaluation.targets import Targets
from .style import apply_style

BASELINE_LABEL = "nearest training\nvalue (baseline)"


def agreement_grid(benchmark: pd.DataFrame, baseline: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(agreement, gain) tables, datasets × [baseline, surrogates...], in %: the heatmap's values
    (NaN where a dataset has no such surrogate; the baseline column has no gain)."""
    datasets = list(baseline["dataset"])
    surrogates = sorted(benchmark["surrogate"].unique()) if len(benchmark) else []
    columns = [BASELINE, *surrogates]
    agreement = pd.DataFrame(np.nan, index=datasets, columns=columns)
    gain = pd.DataFrame(np.nan, index=datasets, columns=columns)
    for row in baseline.itertuples():
        agreement.loc[row.dataset, BASELINE] = 100 * row.regime_agreement_unseen
    for row in benchmark.itertuples():
        agreement.loc[row.dataset, row.surrogate] = 100 * row.regime_agreement_unseen_median
        gain.loc[row.dataset, row.surrogate] = 100 * row.gain_over_baseline
    return agreement, gain


def _heatmap(ax, agreement: pd.DataFrame, gain: pd.DataFrame, targets: Targets, seeds: dict[str, int]) -> None:
    values = agreement.to_numpy(dtype=np.float64)
    cmap = plt.get_cmap("viridis").with_extremes(bad="#e0e0e0")
    ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0, vmax=100, aspect="auto")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            value = values[i, j]
            if not np.isfinite(value):
                ax.text(j, i, "not\ntrained", ha="center", va="center", fontsize="x-small", color="0.35")
                continue
            text = f"{value:.1f} %"
            extra = gain.iat[i, j]
            if np.isfinite(extra):
                text += f"\n{extra:+.1f} pts"
            ax.text(j, i, text, ha="center", va="center", fontsize="small",
                    color="black" if value > 60 else "white")
            if value >= targets.regime_agreement:
                ax.add_patch(Rectangle((j - 0.47, i - 0.47), 0.94, 0.94, fill=False, lw=2.5, ec="#31a354"))
    labels = [BASELINE_LABEL if c == BASELINE else f"{c}\n({seeds.get(c, 0)} seed{'' if seeds.get(c) == 1 else 's'})"
              for c in agreement.columns]
    ax.set_xticks(range(values.shape[1]), labels, fontsize="small")
    ax.set_yticks(range(values.shape[0]), list(agreement.index))
    ax.tick_params(length=0)
    ax.set_title("regime agreement on unseen values [%]\n(median over seeds; below: gain over the baseline)",
                 fontsize="medium")
    for spine in ax.spines.values():
        spine.set_visible(False)


def _transition_panel(ax, transitions: pd.DataFrame, targets: Targets, units: dict[str, str]) -> list:
    """Draw the transition errors; returns legend handles."""
    if transitions.empty:
        ax.text(0.5, 0.5, "no truth transitions", transform=ax.transAxes, ha="center", va="center", color="0.3")
        ax.set_xticks([])
        ax.set_yticks([])
        return []
    keys = list(dict.fromkeys(zip(transitions["dataset"], transitions["kind"], transitions["truth"])))
    surrogates = [BASELINE] + sorted(s for s in transitions["surrogate"].unique() if s != BASELINE)
    colors = dict(zip(surrogates, ["0.25", *sns.color_palette("dark", max(1, len(surrogates) - 1))], strict=False))
    steps = transitions["grid_step"].to_numpy(dtype=np.float64)
    in_steps = np.where(steps > 0, 1.0 / steps, np.nan)
    finite = np.concatenate([
        transitions["abs_error_max"].to_numpy(dtype=np.float64) * in_steps,
        transitions["abs_error_median"].to_numpy(dtype=np.float64) * in_steps,
    ])
    finite = finite[np.isfinite(finite)]
    cap = float(min(max([3 * targets.transition_grid_steps, *(1.1 * finite)]), 12 * targets.transition_grid_steps))
    ax.axvspan(0, targets.transition_grid_steps, color="#a1d99b", alpha=0.4, lw=0, zorder=0)
    height = 0.7 / len(surrogates)
    for y, (dataset, kind, truth) in enumerate(keys):
        for k, surrogate in enumerate(surrogates):
            row = transitions[(transitions["dataset"] == dataset) & (transitions["kind"] == kind)
                              & (transitions["truth"] == truth) & (transitions["surrogate"] == surrogate)]
            if row.empty:
                continue
            row = row.iloc[0]
            offset = y - 0.35 + height * (k + 0.5)
            scale = 1.0 / row["grid_step"] if row["grid_step"] > 0 else np.nan
            marker = "s" if surrogate == BASELINE else "o"
            if row["n_seeds_matched"] > 0:  # the range over the seeds that show it
                low, high = (min(row[c] * scale, cap) for c in ("abs_error_min", "abs_error_max"))
                ax.plot([low, high], [offset, offset], color=colors[surrogate], lw=1.5, zorder=2)
            middle = row["abs_error_median_all_seeds"] * scale  # what decides "found"
            if np.isfinite(middle):
                ax.scatter([min(middle, cap)], [offset], marker=marker, color=colors[surrogate], s=30, zorder=3,
                           edgecolor="white", lw=0.5, clip_on=False)
            else:  # most seeds do not show it
                ax.scatter([cap], [offset], marker="x", color=colors[surrogate], s=30, zorder=3, clip_on=False)
    labels = [f"{dataset}: {transition_label(kind, truth, units.get(dataset, ''))}" for dataset, kind, truth in keys]
    ax.set_yticks(range(len(keys)), labels, fontsize="small")
    ax.set_ylim(len(keys) - 0.5, -0.5)
    ax.set_xlim(0, cap * 1.03)
    ax.set_xlabel("|transition location error| [held-out grid steps]")
    ax.set_title("truth transitions", fontsize="medium")
    handles = [Line2D([], [], ls="", marker="s" if s == BASELINE else "o", color=colors[s],
                      label="baseline" if s == BASELINE else s) for s in surrogates]
    handles += [Line2D([], [], color="0.3", lw=1.5, label="range over the seeds that show it"),
                Line2D([], [], ls="", marker="x", color="0.3", label="not shown by most seeds"),
                Patch(color="#a1d99b", alpha=0.6, label="target")]
    return handles


def benchmark_figure(benchmark: pd.DataFrame, baseline: pd.DataFrame, transitions: pd.DataFrame,
                     targets: Targets = Targets()) -> Figure:
    """The benchmark figure (module docstring) from the three benchmark tables.

    Raises:
        ValueError: the baseline table is empty (no dataset).
    """
    if baseline.empty:
        raise ValueError("no dataset in the baseline table")
    agreement, gain = agreement_grid(benchmark, baseline)
    units = dict(zip(baseline["dataset"], baseline["control_unit"].fillna(""), strict=True))
    n_rows = max(len(agreement), 1)
    n_transitions = len(set(zip(transitions["dataset"], transitions["kind"], transitions["truth"])))
    apply_style()
    top_height = 1.4 + 0.55 * n_rows
    bottom_height = 1.4 + 0.45 * max(n_transitions, 1)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(7.5, 2.5 + 1.6 * agreement.shape[1]), top_height + bottom_height + 0.8),
                                      height_ratios=[top_height, bottom_height], layout="constrained")
    seeds = (benchmark.groupby("surrogate")["n_seeds"].max().astype(int).to_dict() if len(benchmark) else {})
    _heatmap(top, agreement, gain, targets, seeds)
    handles = [Patch(fill=False, ec="#31a354", lw=2.5, label=f"≥ {targets.regime_agreement:g} % (target)")]
    handles += _transition_panel(bottom, transitions, targets, units)
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4), frameon=False,
               fontsize="small")
    fig.suptitle("benchmark: surrogates against the nearest-training-value baseline")
    sns.despine(ax=bottom)
    return fig
