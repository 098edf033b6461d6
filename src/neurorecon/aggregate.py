"""Summaries across seeds (and surrogates) of the per-run ``metrics.json`` files."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

RUN_KEYS = ("dataset", "surrogate", "seed")


def _flatten(summary: dict) -> dict[str, object]:
    """Scalar metrics of one run, transition errors as ``transition_<kind>_error`` columns."""
    row = {key: value for key, value in summary.items() if key != "transitions"}
    for transition in summary.get("transitions", []):
        error = transition.get("error")
        row[f"transition_{transition['kind']}_error"] = math.nan if error is None else error
    return row


def aggregate_summaries(paths: Sequence[str | os.PathLike]) -> pd.DataFrame:
    """One row per (dataset, surrogate): median, min and max over seeds of every metric.

    Returns:
        Columns dataset, surrogate, n_seeds, then ``<metric>_median``, ``<metric>_min``,
        ``<metric>_max`` for every numeric metric of the runs (NaN-aware).
    """
    runs = pd.DataFrame([_flatten(json.loads(Path(path).read_text())) for path in paths])
    if runs.empty:
        raise ValueError("no metrics files to aggregate")
    metrics = [c for c in runs.columns if c not in RUN_KEYS and pd.api.types.is_numeric_dtype(runs[c])]
    rows = []
    for (dataset, surrogate), group in runs.groupby(["dataset", "surrogate"], sort=True):
        row: dict[str, object] = {"dataset": dataset, "surrogate": surrogate, "n_seeds": len(group)}
        for metric in metrics:
            values = group[metric].to_numpy(dtype=np.float64)
            finite = values[np.isfinite(values)]
            row[f"{metric}_median"] = float(np.median(finite)) if finite.size else math.nan
            row[f"{metric}_min"] = float(finite.min()) if finite.size else math.nan
            row[f"{metric}_max"] = float(finite.max()) if finite.size else math.nan
        rows.append(row)
    return pd.DataFrame(rows)
