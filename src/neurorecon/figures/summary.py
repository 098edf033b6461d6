"""Summary across seeds of one dataset: the headline metrics of every run against the study's targets.

Input: the per-run summaries written by the ``compare`` rule (``metrics.json``, see
:func:`neurorecon.evaluation.compare.summarise`, with ``surrogate`` and ``seed`` keys). Three panels, one
point per seed, coloured by surrogate, with the median over seeds and the target region:

- regime agreement on unseen control values [%] (target: at least 90 %);
- |transition location error| per transition of the truth, in control units (target: at most
  1.0); a transition the surrogate does not show is drawn as a cross at the top;
- relative firing-rate error, median over unseen tonic-spiking and bursting values [%] (target:
  at most 20 %); a run without a finite error is drawn as a cross at the top.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from ..evaluation.targets import Targets
from .style import apply_style, axis_label

__all__ = ["Targets", "seed_summary_figure", "summary_points"]


PANELS = ("agreement", "transition", "rate")
RATE_METRICS = {"tonic spiking": "firing_rate_rel_error_tonic_median",
                "bursting": "firing_rate_rel_error_bursting_median"}


def _number(value: object) -> float:
    """A JSON metric as float: None (not available) becomes NaN."""
    return math.nan if value is None else float(value)


def _transition_name(kind: str) -> str:
    """``rest->tonic_spiking`` -> ``rest →\\ntonic spiking`` (a two-line tick label)."""
    before, _, after = kind.partition("->")
    return f"{before.replace('_', ' ')} →\n{after.replace('_', ' ')}"


def summary_points(summaries: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """Long table of the plotted values, one row per (panel, category, surrogate, seed).

    Columns: ``panel`` (one of :data:`PANELS`), ``category`` (tick label: "unseen values", a
    transition, a regime), ``surrogate``, ``seed`` (int), ``value`` (% for agreement and rate,
    control units for transitions; NaN where the run has no value: no unseen values, a truth
    transition the surrogate does not show, no finite rate error). Rate categories without a
    single finite value (the truth has no such regime among unseen values) are left out.
    """
    rows = []
    for summary in summaries:
        run = {"surrogate": str(summary["surrogate"]), "seed": int(summary["seed"])}
        rows.append({"panel": "agreement", "category": "unseen values",
                     "value": 100.0 * _number(summary.get("regime_agreement_unseen")), **run})
        for transition in summary.get("transitions", []):
            rows.append({"panel": "transition", "category": _transition_name(str(transition["kind"])),
                         "value": abs(_number(transition.get("error"))), **run})
        for category, key in RATE_METRICS.items():
            rows.append({"panel": "rate", "category": category, "value": 100.0 * _number(summary.get(key)), **run})
    table = pd.DataFrame(rows, columns=["panel", "category", "surrogate", "seed", "value"])
    known = table.groupby(["panel", "category"], sort=False)["value"].transform(lambda v: v.notna().any())
    return table[(table["panel"] != "rate") | known].reset_index(drop=True)


def _draw_panel(ax, points: pd.DataFrame, surrogates: Sequence[str], colors: Mapping[str, object]) -> None:
    """Points per seed (dodged by surrogate), a bar at each median, crosses at the top for NaN."""
    categories = list(dict.fromkeys(points["category"]))
    top = blended_transform_factory(ax.transData, ax.transAxes)
    width = 0.7 / len(surrogates)
    for x, category in enumerate(categories):
        for k, surrogate in enumerate(surrogates):
            group = points[(points["category"] == category) & (points["surrogate"] == surrogate)]
            group = group.sort_values("seed")
            if group.empty:
                continue
            centre = x - 0.35 + width * (k + 0.5)
            offsets = centre + np.linspace(-0.3, 0.3, len(group)) * width if len(group) > 1 else np.array([centre])
            values = group["value"].to_numpy(dtype=np.float64)
            known = np.isfinite(values)
            ax.scatter(offsets[known], values[known], s=28, color=colors[surrogate], edgecolor="white", lw=0.5,
                       zorder=3)
            ax.scatter(offsets[~known], np.full((~known).sum(), 0.97), s=36, marker="x", color=colors[surrogate],
                       transform=top, clip_on=False, zorder=3)
            if known.any():
                ax.plot([centre - 0.4 * width, centre + 0.4 * width], [np.median(values[known])] * 2, color="k",
                        lw=2.0, zorder=4)
    ax.set_xticks(range(len(categories)), categories, fontsize="small")
    ax.set_xlim(-0.6, len(categories) - 0.4)


def seed_summary_figure(
    summaries: Sequence[Mapping[str, object]],
    control_unit: str = "",
    title: str = "",
    targets: Targets = Targets(),
) -> Figure:
    """Headline metrics of every run of one dataset (see the module docstring).

    Args:
        summaries: per-run summaries (``metrics.json`` contents) of one dataset.
        control_unit: unit of the control parameter (transition errors).
        title: figure title (the dataset).
        targets: target values drawn as shaded regions.

    Raises:
        ValueError: no summaries.
    """
    if not summaries:
        raise ValueError("no run summaries to plot")
    points = summary_points(summaries)
    surrogates = sorted(points["surrogate"].unique())
    colors = dict(zip(surrogates, sns.color_palette("dark", len(surrogates)), strict=True))
    counts = [max(1, points[points["panel"] == panel]["category"].nunique()) for panel in PANELS]

    apply_style()
    fig, axes = plt.subplots(1, 3, figsize=(3.0 + 1.5 * sum(counts), 4.4), width_ratios=[c + 0.6 for c in counts],
                             layout="constrained")
    labels = {
        "agreement": ("regime agreement", "regime agreement on unseen values [%]"),
        "transition": ("transition points", axis_label("|transition location error|", control_unit)),
        "rate": ("firing rate", "relative firing-rate error [%]"),
    }
    regions = {"agreement": (targets.regime_agreement, 100.0), "transition": (0.0, targets.transition_error),
               "rate": (0.0, targets.firing_rate_error)}
    for ax, panel in zip(axes, PANELS, strict=True):
        subset = points[points["panel"] == panel]
        low, high = regions[panel]
        ax.axhspan(low, high, color="#a1d99b", alpha=0.35, lw=0, zorder=0)
        if subset.empty:
            ax.text(0.5, 0.5, "no values", transform=ax.transAxes, ha="center", va="center", color="0.3")
            ax.set_xticks([])
        else:
            _draw_panel(ax, subset, surrogates, colors)
        finite = subset["value"].to_numpy(dtype=np.float64)
        finite = finite[np.isfinite(finite)]
        ceiling = max([1.15 * high, *(1.1 * finite)]) if panel != "agreement" else 105.0
        ax.set_ylim(-0.03 * ceiling, ceiling)  # points at zero stay clear of the axis
        ax.set_title(labels[panel][0])
        ax.set_ylabel(labels[panel][1])
    handles = [Line2D([], [], ls="", marker="o", color=colors[s], label=s) for s in surrogates]
    handles += [
        Line2D([], [], color="k", lw=2.0, label="median over seeds"),
        Line2D([], [], ls="", marker="x", color="0.3", label="no value (not matched / not finite)"),
        Patch(color="#a1d99b", alpha=0.6, label="target"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False, fontsize="small")
    n_seeds = points.groupby("surrogate")["seed"].nunique()
    seeds = ", ".join(f"{s}: {n} seed{'' if n == 1 else 's'}" for s, n in n_seeds.items())
    fig.suptitle(f"{title}: surrogates across seeds ({seeds})" if title else f"surrogates across seeds ({seeds})")
    sns.despine(fig)
    return fig
