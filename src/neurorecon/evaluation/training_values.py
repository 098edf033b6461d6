"""The training-values study's table: regime agreement and transitions found against the number of
training values, per surrogate and for the nearest-training-value baseline.

Each design of a base dataset (config key ``training_values``, expanded by
:mod:`neurorecon.config.training_values`) is a dataset of the benchmark; this module picks its rows
out of the benchmark tables, in the order the study asks its question: base dataset, number of
training values, surrogate. The agreement of a design is measured
on its own unseen values (the held-out grid less its training values), so designs with more values
are scored on fewer held-out values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .baseline import NAME as BASELINE
from .benchmark import Benchmark


@dataclass(frozen=True)
class Design:
    """One design of the study: ``count`` training values of dataset ``base``, as dataset ``dataset``."""

    base: str
    count: int
    dataset: str
    values: tuple[float, ...]
    """Training values, control unit, ascending."""


def design_name(base: str, count: int) -> str:
    """Name of the design dataset with ``count`` training values of dataset ``base``."""
    return f"{base}_n{count}"


def design_values(span: tuple[float, float], count: int) -> tuple[float, ...]:
    """``count`` evenly spaced values from ``span[0]`` to ``span[1]``, both included (rounded to
    12 significant digits, so a span of round numbers gives round values)."""
    return tuple(float(f"{value:.12g}") for value in np.linspace(span[0], span[1], count))


COLUMNS = [
    "dataset", "n_values", "design", "train_values", "surrogate", "family", "n_seeds", "n_unseen",
    "regime_agreement_unseen_median", "regime_agreement_unseen_min", "regime_agreement_unseen_max",
    "transitions_found", "n_truth_transitions",
]
"""Columns of ``results/training_values.tsv``; ``dataset`` is the base dataset, ``design`` the design
dataset; the baseline's rows have surrogate ``nearest_training_value`` and family ``baseline``."""


def training_values_table(bench: Benchmark, study: dict[str, Sequence[Design]]) -> pd.DataFrame:
    """One row per (base dataset, design, surrogate or baseline) of the study (``COLUMNS``).

    Raises:
        ValueError: a design dataset missing from the benchmark's baseline table (it was not run).
    """
    rows = []
    for base, base_designs in study.items():
        for design in base_designs:
            baseline = bench.baseline[bench.baseline["dataset"] == design.dataset]
            if baseline.empty:
                raise ValueError(f"design dataset {design.dataset!r} of {base!r} is not in the benchmark")
            common = {"dataset": base, "n_values": design.count, "design": design.dataset,
                      "train_values": " ".join(f"{value:g}" for value in design.values)}
            line = baseline.iloc[0]
            agreement = float(line["regime_agreement_unseen"])
            rows.append({**common, "surrogate": BASELINE, "family": "baseline", "n_seeds": 1,
                         "n_unseen": int(line["n_unseen"]), "regime_agreement_unseen_median": agreement,
                         "regime_agreement_unseen_min": agreement, "regime_agreement_unseen_max": agreement,
                         "transitions_found": int(line["transitions_found"]),
                         "n_truth_transitions": int(line["n_truth_transitions"])})
            runs = bench.benchmark[bench.benchmark["dataset"] == design.dataset].sort_values("surrogate")
            for run in runs.to_dict("records"):
                rows.append({**common, **{key: run[key] for key in COLUMNS if key in run and key not in common}})
    return pd.DataFrame(rows, columns=COLUMNS)


def transition_errors(bench: Benchmark, study: dict[str, Sequence[Design]]) -> pd.DataFrame:
    """The truth transitions of every design, per surrogate and the baseline: ``dataset`` (base),
    ``n_values``, ``surrogate``, ``kind``, ``truth`` (control units) and ``grid_steps``, the median over
    seeds of the |location error| in held-out grid steps (inf where most seeds, or the baseline, do
    not show the transition)."""
    frames = []
    for base, base_designs in study.items():
        for design in base_designs:
            rows = bench.transitions[bench.transitions["dataset"] == design.dataset]
            frames.append(pd.DataFrame({
                "dataset": base, "n_values": design.count, "surrogate": rows["surrogate"], "kind": rows["kind"],
                "truth": rows["truth"],
                "grid_steps": np.asarray(rows["abs_error_median_all_seeds"], float) / np.asarray(rows["grid_step"], float),
            }))
    columns = ["dataset", "n_values", "surrogate", "kind", "truth", "grid_steps"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
