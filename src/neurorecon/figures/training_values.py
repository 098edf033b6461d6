"""The training-values figure of one base dataset: how many training values are enough.

Left, the unseen regime agreement [%] against the number of training values: per surrogate the
median over seeds (line) and min–max over seeds (bar), the nearest-training-value baseline dashed,
the agreement target dotted. Right, per truth transition (marker) and surrogate (colour) the median
|location error| over seeds in held-out grid steps against the number of training values; a
transition most seeds do not show sits on the top row, "not found"; the green band is the target.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from ..evaluation.baseline import NAME as BASELINE
from ..evaluation.benchmark import transition_label
from ..evaluation.targets import Targets
from .style import apply_style

MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
"""Markers of the truth transitions, in order along the control."""


def _colors(surrogates: list[str]) -> dict[str, object]:
    palette = sns.color_palette("colorblind", len(surrogates))
    colors = {name: palette[i] for i, name in enumerate(surrogates)}
    colors[BASELINE] = "black"
    return colors


def training_values_figure(table: pd.DataFrame, transitions: pd.DataFrame, dataset: str, unit: str = "",
                           targets: Targets = Targets()) -> Figure:
    """The figure of base dataset ``dataset`` from the rows of
    :func:`~neurorecon.evaluation.training_values.training_values_table` and
    :func:`~neurorecon.evaluation.training_values.transition_errors` (``unit``: the control unit)."""
    apply_style()
    rows = table[table["dataset"] == dataset]
    moves = transitions[transitions["dataset"] == dataset]
    surrogates = sorted(set(rows["surrogate"]) - {BASELINE})
    colors = _colors(surrogates)
    counts = sorted(rows["n_values"].unique())
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.5, 4.2), constrained_layout=True)

    for name in [*surrogates, BASELINE]:
        line = rows[rows["surrogate"] == name].sort_values("n_values")
        median = 100 * line["regime_agreement_unseen_median"].to_numpy(float)
        low = median - 100 * line["regime_agreement_unseen_min"].to_numpy(float)
        high = 100 * line["regime_agreement_unseen_max"].to_numpy(float) - median
        baseline = name == BASELINE
        label = "nearest training value (baseline)" if baseline else name
        left.errorbar(line["n_values"], median, yerr=[low, high], color=colors[name], marker="o", capsize=3,
                      linestyle="--" if baseline else "-", label=label)
    left.axhline(targets.regime_agreement, color="0.4", linestyle=":", linewidth=1, label="target")
    left.set(xticks=counts, ylim=(0, 102), xlabel="training values", ylabel="unseen regime agreement [%]")
    left.legend(fontsize="small", loc="lower right")

    kinds = list(dict.fromkeys(moves.sort_values("truth")[["kind", "truth"]].itertuples(index=False)))
    finite = moves["grid_steps"].to_numpy(float)
    finite = finite[np.isfinite(finite)]
    ceiling = max(2 * targets.transition_grid_steps, float(finite.max()) if finite.size else 0.0) * 1.25 + 1
    right.axhspan(0, targets.transition_grid_steps, color="tab:green", alpha=0.15, linewidth=0)
    offsets = np.linspace(-0.15, 0.15, len(surrogates) + 1) if surrogates else np.zeros(1)
    for k, (kind, truth) in enumerate(kinds):
        for j, name in enumerate([*surrogates, BASELINE]):
            points = moves[(moves["kind"] == kind) & (moves["truth"] == truth) & (moves["surrogate"] == name)]
            points = points.sort_values("n_values")
            steps = points["grid_steps"].to_numpy(float)
            shown = np.where(np.isfinite(steps), steps, ceiling)
            right.plot(points["n_values"].to_numpy(float) + offsets[j], shown, color=colors[name],
                       marker=MARKERS[k % len(MARKERS)], linestyle="--" if name == BASELINE else "-", alpha=0.85)
    right.axhline(ceiling, color="0.7", linewidth=0.8)
    right.set(xticks=counts, ylim=(0, ceiling * 1.08), xlabel="training values",
              ylabel="|transition location error| [grid steps]")
    right.text(counts[0] if counts else 0, ceiling, " not found", va="bottom", fontsize="small", color="0.4")
    handles = [plt.Line2D([], [], color="0.3", marker=MARKERS[k % len(MARKERS)], linestyle="",
                          label=transition_label(kind, truth, unit)) for k, (kind, truth) in enumerate(kinds)]
    if handles:
        right.legend(handles=handles, fontsize="small", loc="center right")
    fig.suptitle(f"{dataset}: how many training values are enough (evenly spaced over one span)")
    return fig
