"""Summaries across seeds (and surrogates) of the per-run ``metrics.json`` files, and the regime
agreement of the seed ensemble (majority regime over seeds) from the per-run ``metrics.tsv``.

A run's ``training_check_passed`` (whether the surrogate passed the free-running check at the
training values, which uses training data only) is counted, and the ensemble of the runs that
passed it is scored separately: selecting runs by it never looks at held-out truth."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

RUN_KEYS = ("dataset", "surrogate", "seed")
CHECK_KEY = "training_check_passed"


def _flatten(summary: dict) -> dict[str, object]:
    """Scalar metrics of one run, transition errors as ``transition_<kind>_error`` columns."""
    row = {key: value for key, value in summary.items() if key != "transitions"}
    for transition in summary.get("transitions", []):
        error = transition.get("error")
        row[f"transition_{transition['kind']}_error"] = math.nan if error is None else error
    return row


def ensemble_agreement(tables: Sequence[pd.DataFrame]) -> float:
    """Regime agreement on unseen values of the seed ensemble's majority regime.

    Args:
        tables: per-seed ``metrics.tsv`` tables of one (dataset, surrogate) on the same grid
            (columns param, seen, truth_regime, surrogate_regime).

    Returns:
        Fraction of unseen values where the regime most seeds give (ties: the first seed's among
        the tied) equals the truth's; NaN without unseen values.
    """
    first = tables[0]
    unseen = ~first["seen"].to_numpy(dtype=bool)
    votes = np.stack([table["surrogate_regime"].to_numpy(dtype=str) for table in tables])  # (seed, param)
    agree = []
    for column, truth in zip(votes.T[unseen], first["truth_regime"].to_numpy(dtype=str)[unseen]):
        labels, counts = np.unique(column, return_counts=True)
        tied = set(labels[counts == counts.max()])
        majority = next(label for label in column if label in tied)
        agree.append(majority == truth)
    return float(np.mean(agree)) if agree else math.nan


def aggregate_summaries(paths: Sequence[str | os.PathLike]) -> pd.DataFrame:
    """One row per (dataset, surrogate): median, min and max over seeds of every metric.

    Where every run's ``metrics.tsv`` lies next to its ``metrics.json`` (as the workflow writes
    them), the column ``ensemble_regime_agreement_unseen`` gives :func:`ensemble_agreement`. Where
    the runs carry ``training_check_passed``, ``n_seeds_check_passed`` counts the runs that passed
    and ``ensemble_check_passed_regime_agreement_unseen`` is the ensemble agreement of those runs
    only (NaN when none passed).

    Returns:
        Columns dataset, surrogate, n_seeds, then ``<metric>_median``, ``<metric>_min``,
        ``<metric>_max`` for every numeric metric of the runs (NaN-aware).
    """
    runs = pd.DataFrame([_flatten(json.loads(Path(path).read_text())) | {"_path": str(path)} for path in paths])
    if runs.empty:
        raise ValueError("no metrics files to aggregate")
    metrics = [c for c in runs.columns
               if c not in (*RUN_KEYS, CHECK_KEY, "_path") and pd.api.types.is_numeric_dtype(runs[c])]
    rows = []
    for (dataset, surrogate), group in runs.groupby(["dataset", "surrogate"], sort=True):
        row: dict[str, object] = {"dataset": dataset, "surrogate": surrogate, "n_seeds": len(group)}
        passed = (group[CHECK_KEY].fillna(False).astype(bool).to_numpy() if CHECK_KEY in group
                  else None)
        if passed is not None:
            row["n_seeds_check_passed"] = int(passed.sum())
        tables = [Path(path).with_name("metrics.tsv") for path in group["_path"]]
        if all(table.exists() for table in tables):
            frames = [pd.read_csv(table, sep="\t") for table in tables]
            row["ensemble_regime_agreement_unseen"] = ensemble_agreement(frames)
            if passed is not None:
                chosen = [frame for frame, ok in zip(frames, passed) if ok]
                row["ensemble_check_passed_regime_agreement_unseen"] = (
                    ensemble_agreement(chosen) if chosen else math.nan)
        for metric in metrics:
            values = group[metric].to_numpy(dtype=np.float64)
            finite = values[np.isfinite(values)]
            row[f"{metric}_median"] = float(np.median(finite)) if finite.size else math.nan
            row[f"{metric}_min"] = float(finite.min()) if finite.size else math.nan
            row[f"{metric}_max"] = float(finite.max()) if finite.size else math.nan
        rows.append(row)
    return pd.DataFrame(rows)
