"""The benchmark: one row per (dataset, surrogate) across every dataset and family of a study, each
against the nearest-training-value null baseline (:mod:`neurorecon.evaluation.baseline`).

Inputs are what the workflow already writes: per run ``metrics.json`` and ``metrics.tsv``
(:func:`~neurorecon.evaluation.compare.summarise` and the per-value table, with
``training_check_passed``), the Snakemake benchmark files of the run's training jobs under
``<run>/benchmarks/`` (training time), and per dataset the baseline's ``metrics.json`` and
``metrics.tsv``. Nothing here knows a family or a dataset by name: a new family or dataset fills
rows as soon as its runs exist.

Three tables (:func:`build_benchmark`):

- ``benchmark``: per (dataset, surrogate) the median, min and max over seeds of the unseen regime
  agreement, the firing-rate errors (tonic, bursting), the spikes-per-burst error, the forecast
  horizon and the training time; the training-check pass rate; the seed ensemble's agreement; the
  baseline's agreement and the gain over it; the truth transitions found and those found beyond the
  baseline; every truth transition's error as text.
- ``transitions``: per (dataset, surrogate, truth transition) the |location error| over seeds
  (median, min and max over the seeds that show it; the median over all seeds, an unmatched one
  counting as infinite), how many seeds matched it and how many within the target, and the
  baseline's error; the baseline itself is a row too (surrogate
  :data:`~neurorecon.evaluation.baseline.NAME`).
- ``baseline``: per dataset the baseline's summary.

A truth transition counts as *found* by a surrogate when the median over its seeds of the
|location error| (an unmatched transition counting as infinitely far) is at most
``Targets.transition_grid_steps`` steps of the held-out grid; by the baseline when its own error is.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..units import pretty
from .aggregate import ensemble_agreement
from .baseline import NAME as BASELINE
from .targets import Targets

BENCHMARK_DIR = "benchmarks"
"""Folder of a run's Snakemake benchmark files, one per training job (workflow/rules/common.smk)."""

SPREAD_METRICS = {
    "regime_agreement_unseen": "regime_agreement_unseen",
    "firing_rate_rel_error_tonic": "firing_rate_rel_error_tonic_median",
    "firing_rate_rel_error_bursting": "firing_rate_rel_error_bursting_median",
    "spikes_per_burst_error": "spikes_per_burst_error_median",
    "forecast_horizon": "forecast_horizon_median",
    "training_time_s": "training_time_s",
}
"""Benchmark column stem -> the per-run number it spreads over seeds (``<stem>_median/_min/_max``)."""


def _number(value: object) -> float:
    return math.nan if value is None else float(value)


def training_time(run_dir: str | os.PathLike) -> float:
    """Training time of a run, seconds: the sum of the wall times (column ``s``) of the Snakemake
    benchmark files ``<run_dir>/benchmarks/*.tsv``, one per training job; NaN without any."""
    files = sorted((Path(run_dir) / BENCHMARK_DIR).glob("*.tsv"))
    if not files:
        return math.nan
    return float(sum(pd.read_csv(path, sep="\t")["s"].astype(float).sum() for path in files))


@dataclass(frozen=True)
class Run:
    """One trained surrogate's results.

    Attributes:
        dataset, surrogate, family, seed: which run (``surrogate`` is the config entry, ``family``
            its kind).
        summary: the run's ``metrics.json``.
        per_param: its ``metrics.tsv`` (None when absent).
        training_time_s: :func:`training_time` of its folder.
    """

    dataset: str
    surrogate: str
    family: str
    seed: int
    summary: Mapping[str, object]
    per_param: pd.DataFrame | None = None
    training_time_s: float = math.nan


def read_run(metrics: str | os.PathLike, family: str | None = None) -> Run:
    """A :class:`Run` from its ``metrics.json`` (its folder holds ``metrics.tsv`` and
    ``benchmarks/``); ``family`` defaults to the summary's ``kind`` entry, else the surrogate name."""
    path = Path(metrics)
    summary = json.loads(path.read_text())
    table = path.with_name("metrics.tsv")
    return Run(
        dataset=str(summary["dataset"]),
        surrogate=str(summary["surrogate"]),
        family=str(family or summary.get("kind") or summary["surrogate"]),
        seed=int(summary["seed"]),
        summary=summary,
        per_param=pd.read_csv(table, sep="\t") if table.is_file() else None,
        training_time_s=training_time(path.parent),
    )


@dataclass(frozen=True)
class Baseline:
    """The nearest-training-value baseline of one dataset.

    Attributes:
        dataset: the dataset.
        summary: its ``metrics.json`` (:func:`~neurorecon.evaluation.baseline.score_baseline`).
        grid_step: step of the held-out grid, control units (from the per-value table).
        units: ``control`` and ``time`` units of the dataset's model (for tables and text).
    """

    dataset: str
    summary: Mapping[str, object]
    grid_step: float
    units: Mapping[str, str] = field(default_factory=dict)


def grid_step(param: Sequence[float]) -> float:
    """The held-out grid's step (median spacing of the sorted values); NaN for fewer than two."""
    values = np.sort(np.asarray(param, dtype=np.float64))
    return float(np.median(np.diff(values))) if values.size > 1 else math.nan


def read_baseline(metrics: str | os.PathLike, dataset: str | None = None,
                  units: Mapping[str, str] | None = None) -> Baseline:
    """A :class:`Baseline` from its ``metrics.json`` with ``metrics.tsv`` beside it."""
    path = Path(metrics)
    summary = json.loads(path.read_text())
    table = pd.read_csv(path.with_name("metrics.tsv"), sep="\t")
    return Baseline(str(dataset or summary["dataset"]), summary, grid_step(table["param"]), dict(units or {}))


def _spread(values: Sequence[float]) -> tuple[float, float, float]:
    finite = np.asarray([v for v in values if np.isfinite(v)], dtype=np.float64)
    if not finite.size:
        return math.nan, math.nan, math.nan
    return float(np.median(finite)), float(finite.min()), float(finite.max())


def _truth_transitions(summary: Mapping[str, object]) -> list[tuple[str, float]]:
    return [(str(t["kind"]), float(t["truth"])) for t in summary.get("transitions", [])]


def _abs_errors(summary: Mapping[str, object], truth: list[tuple[str, float]]) -> np.ndarray:
    """|error| per truth transition (NaN where unmatched), in the order of ``truth``."""
    own = {(str(t["kind"]), round(float(t["truth"]), 9)): _number(t.get("error"))
           for t in summary.get("transitions", [])}
    return np.array([abs(own.get((kind, round(location, 9)), math.nan)) for kind, location in truth])


def _median_all(errors: np.ndarray) -> float:
    """Median over seeds of |error|, an unmatched seed counting as infinitely far."""
    return float(np.median(np.where(np.isfinite(errors), errors, np.inf))) if errors.size else math.inf


def _found(errors: np.ndarray, tolerance: float) -> bool:
    """:func:`_median_all` within ``tolerance``."""
    return bool(_median_all(errors) <= tolerance * (1 + 1e-9))


def transition_label(kind: str, location: float, unit: str = "") -> str:
    """``rest→bursting at -44.7 mV`` (unit as printed, left out when dimensionless)."""
    before, _, after = kind.partition("->")
    unit = f" {pretty(unit)}" if pretty(unit) else ""
    return f"{before.replace('_', ' ')}→{after.replace('_', ' ')} at {location:.4g}{unit}"


TRANSITION_COLUMNS = ["dataset", "surrogate", "family", "kind", "truth", "n_seeds", "n_seeds_matched",
                      "n_seeds_within_target", "abs_error_median", "abs_error_min", "abs_error_max",
                      "abs_error_grid_steps_median", "abs_error_median_all_seeds", "found", "baseline_abs_error",
                      "baseline_found", "grid_step", "tolerance"]


def transition_table(runs: Sequence[Run], baselines: Mapping[str, Baseline], targets: Targets = Targets()) -> pd.DataFrame:
    """The long transition table (module docstring): one row per (dataset, surrogate, truth
    transition), the baseline's rows first for every dataset; errors in control units."""
    rows = []
    for dataset in sorted(baselines):
        baseline = baselines[dataset]
        truth = _truth_transitions(baseline.summary)
        tolerance = targets.transition_grid_steps * baseline.grid_step
        base_errors = _abs_errors(baseline.summary, truth)
        groups: dict[tuple[str, str], list[Run]] = {}
        for run in runs:
            if run.dataset == dataset:
                groups.setdefault((run.surrogate, run.family), []).append(run)
        entries = [((BASELINE, "baseline"), None)] + [(key, groups[key]) for key in sorted(groups)]
        for (surrogate, family), members in entries:
            errors = (base_errors[None, :] if members is None
                      else np.stack([_abs_errors(run.summary, truth) for run in members]) if truth
                      else np.zeros((len(members), 0)))
            for i, (kind, location) in enumerate(truth):
                column = errors[:, i]
                median, low, high = _spread(column)
                rows.append({
                    "dataset": dataset, "surrogate": surrogate, "family": family, "kind": kind, "truth": location,
                    "n_seeds": int(column.size), "n_seeds_matched": int(np.isfinite(column).sum()),
                    "n_seeds_within_target": int((column <= tolerance * (1 + 1e-9)).sum()),
                    "abs_error_median": median, "abs_error_min": low, "abs_error_max": high,
                    "abs_error_grid_steps_median": median / baseline.grid_step if baseline.grid_step > 0 else math.nan,
                    "abs_error_median_all_seeds": _median_all(column),
                    "found": _found(column, tolerance),
                    "baseline_abs_error": float(base_errors[i]),
                    "baseline_found": _found(base_errors[i:i + 1], tolerance),
                    "grid_step": baseline.grid_step,
                    "tolerance": tolerance,
                })
    return pd.DataFrame(rows, columns=TRANSITION_COLUMNS)


BASELINE_COLUMNS = ["dataset", "n_unseen", "regime_agreement_unseen", "n_truth_transitions", "transitions_found",
                    "firing_rate_rel_error_tonic", "firing_rate_rel_error_bursting", "spikes_per_burst_error",
                    "train_values", "grid_step", "control_unit"]


def baseline_table(baselines: Mapping[str, Baseline], transitions: pd.DataFrame) -> pd.DataFrame:
    """One row per dataset: the baseline's summary (agreement and errors as for a surrogate run)."""
    rows = []
    for dataset in sorted(baselines):
        summary = baselines[dataset].summary
        own = transitions[(transitions["dataset"] == dataset) & (transitions["surrogate"] == BASELINE)]
        rows.append({
            "dataset": dataset,
            "n_unseen": int(summary.get("n_unseen", 0)),
            "regime_agreement_unseen": _number(summary.get("regime_agreement_unseen")),
            "n_truth_transitions": len(own),
            "transitions_found": int(own["found"].sum()),
            "firing_rate_rel_error_tonic": _number(summary.get("firing_rate_rel_error_tonic_median")),
            "firing_rate_rel_error_bursting": _number(summary.get("firing_rate_rel_error_bursting_median")),
            "spikes_per_burst_error": _number(summary.get("spikes_per_burst_error_median")),
            "train_values": " ".join(f"{v:g}" for v in summary.get("train_values", [])),
            "grid_step": baselines[dataset].grid_step,
            "control_unit": baselines[dataset].units.get("control", ""),
        })
    return pd.DataFrame(rows, columns=BASELINE_COLUMNS)


def benchmark_columns() -> list[str]:
    spread = [f"{stem}_{stat}" for stem in SPREAD_METRICS for stat in ("median", "min", "max")]
    return ["dataset", "surrogate", "family", "n_seeds", "n_unseen", *spread[:3],
            "baseline_regime_agreement_unseen", "gain_over_baseline", "ensemble_regime_agreement_unseen",
            "n_truth_transitions", "transitions_found", "baseline_transitions_found", "transitions_beyond_baseline",
            "transition_errors", *spread[3:], "training_check_pass_rate", "control_unit", "time_unit"]


def _run_value(run: Run, key: str) -> float:
    return run.training_time_s if key == "training_time_s" else _number(run.summary.get(key))


def benchmark_table(runs: Sequence[Run], baselines: Mapping[str, Baseline], transitions: pd.DataFrame) -> pd.DataFrame:
    """The benchmark table (module docstring), one row per (dataset, surrogate), sorted by both.

    Raises:
        ValueError: a run's dataset has no baseline.
    """
    groups: dict[tuple[str, str, str], list[Run]] = {}
    for run in runs:
        if run.dataset not in baselines:
            raise ValueError(f"run {run.dataset}/{run.surrogate}/seed{run.seed}: no baseline for dataset {run.dataset!r}")
        groups.setdefault((run.dataset, run.surrogate, run.family), []).append(run)
    rows = []
    for (dataset, surrogate, family), members in sorted(groups.items()):
        members = sorted(members, key=lambda run: run.seed)
        baseline = baselines[dataset]
        units = baseline.units
        row: dict[str, object] = {"dataset": dataset, "surrogate": surrogate, "family": family,
                                  "n_seeds": len(members), "n_unseen": int(members[0].summary.get("n_unseen", 0))}
        for stem, key in SPREAD_METRICS.items():
            median, low, high = _spread([_run_value(run, key) for run in members])
            row |= {f"{stem}_median": median, f"{stem}_min": low, f"{stem}_max": high}
        base = _number(baseline.summary.get("regime_agreement_unseen"))
        row["baseline_regime_agreement_unseen"] = base
        row["gain_over_baseline"] = row["regime_agreement_unseen_median"] - base
        tables = [run.per_param for run in members]
        row["ensemble_regime_agreement_unseen"] = (ensemble_agreement(tables) if all(t is not None for t in tables)
                                                   else math.nan)
        own = transitions[(transitions["dataset"] == dataset) & (transitions["surrogate"] == surrogate)]
        row["n_truth_transitions"] = len(own)
        row["transitions_found"] = int(own["found"].sum())
        row["baseline_transitions_found"] = int(own["baseline_found"].sum())
        beyond = own[own["found"] & ~own["baseline_found"]]
        row["transitions_beyond_baseline"] = "; ".join(
            transition_label(t.kind, t.truth, units.get("control", "")) for t in beyond.itertuples())
        row["transition_errors"] = "; ".join(_transition_text(t) for t in own.itertuples())
        passed = [run.summary.get("training_check_passed") for run in members]
        known = [bool(p) for p in passed if p is not None]
        row["training_check_pass_rate"] = float(np.mean(known)) if known else math.nan
        row["control_unit"] = units.get("control", "")
        row["time_unit"] = units.get("time", "")
        rows.append(row)
    return pd.DataFrame(rows, columns=benchmark_columns())


def _transition_text(t) -> str:
    """``rest->bursting@-44.7: 3 [2.4, 3.6] (2/3)``: median [min, max] |error| over the seeds that
    matched it (of all seeds), or ``not matched (0/3)``."""
    head = f"{t.kind}@{t.truth:.4g}"
    if t.n_seeds_matched == 0:
        return f"{head}: not matched (0/{t.n_seeds})"
    return (f"{head}: {t.abs_error_median:.3g} [{t.abs_error_min:.3g}, {t.abs_error_max:.3g}] "
            f"({t.n_seeds_matched}/{t.n_seeds})")


@dataclass(frozen=True)
class Benchmark:
    """The three tables of :func:`build_benchmark`."""

    benchmark: pd.DataFrame
    transitions: pd.DataFrame
    baseline: pd.DataFrame


def build_benchmark(runs: Sequence[Run], baselines: Mapping[str, Baseline], targets: Targets = Targets()) -> Benchmark:
    """The benchmark, transition and baseline tables of a study."""
    transitions = transition_table(runs, baselines, targets)
    return Benchmark(benchmark_table(runs, baselines, transitions), transitions, baseline_table(baselines, transitions))


# ----- what held and what did not, in words ---------------------------------------------------------


def _percent(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{100 * value:.3g} %"


def _points(value: float) -> str:
    return f"{100 * abs(value):.3g} point{'' if abs(100 * value) == 1 else 's'}"


def family_verdict(row: Mapping[str, object], transitions: pd.DataFrame,
                   targets: Targets = Targets()) -> tuple[list[str], list[str]]:
    """What held and what did not for one benchmark row, as two lists of clauses."""
    name = str(row["surrogate"])
    unit = str(row.get("control_unit", ""))
    held, missed = [], []
    median = float(row["regime_agreement_unseen_median"])
    base = float(row["baseline_regime_agreement_unseen"])
    low, high = float(row["regime_agreement_unseen_min"]), float(row["regime_agreement_unseen_max"])
    n = int(row["n_seeds"])
    spread = (f"{_percent(median)} unseen regime agreement (1 seed)" if n == 1 else
              f"{_percent(median)} median unseen regime agreement over {n} seeds ({_percent(low)}–{_percent(high)})")
    if np.isfinite(median) and 100 * median >= targets.regime_agreement:
        held.append(f"{name} reaches the {targets.regime_agreement:g} % agreement target with {spread}")
    else:
        missed.append(f"{name} stays below the {targets.regime_agreement:g} % agreement target with {spread}")
    gain = float(row["gain_over_baseline"])
    if np.isfinite(gain) and gain > 0:
        held.append(f"{name} beats the nearest-training-value baseline ({_percent(base)}) by {_points(gain)}")
    elif np.isfinite(gain):
        missed.append(f"{name} does not beat the nearest-training-value baseline ({_percent(base)}; "
                      f"{'no gain' if gain == 0 else f'{_points(gain)} below'})")
    own = transitions[(transitions["dataset"] == row["dataset"]) & (transitions["surrogate"] == name)]
    if len(own):
        found = own[own["found"]]
        lost = own[~own["found"]]
        steps = f"{targets.transition_grid_steps:g} grid steps"
        if len(found):
            beyond = found[~found["baseline_found"]]
            extra = (f", {len(beyond)} of them beyond the baseline" if len(beyond) else ", none beyond the baseline")
            held.append(f"{name} finds {len(found)} of {len(own)} truth transitions within {steps} "
                        f"({', '.join(transition_label(t.kind, t.truth, unit) for t in found.itertuples())}){extra}")
        if len(lost):
            missed.append(f"{name} misses " + ", ".join(_missed(t, unit) for t in lost.itertuples()))
    for regime in ("tonic", "bursting"):
        error = float(row[f"firing_rate_rel_error_{regime}_median"])
        if not np.isfinite(error):
            continue
        clause = f"{name}'s {regime} firing-rate error is {_percent(error)} (target ≤ {targets.firing_rate_error:g} %)"
        (held if 100 * error <= targets.firing_rate_error else missed).append(clause)
    rate = float(row["training_check_pass_rate"])
    if np.isfinite(rate):
        n = int(row["n_seeds"])
        clause = f"{name} passes the training-value check for {round(rate * n)} of {n} seeds"
        (held if rate == 1 else missed).append(clause)
    return held, missed


def _missed(t, unit: str) -> str:
    """``rest→bursting at -44.7 mV (median error 3.6 mV, target ≤ 1.2 mV)`` or ``(... shown by 1 of 3 seeds)``."""
    label = transition_label(t.kind, t.truth, unit)
    unit = f" {pretty(unit)}" if pretty(unit) else ""
    if np.isfinite(t.abs_error_median_all_seeds):
        return f"{label} (median error {t.abs_error_median_all_seeds:.3g}{unit}, target ≤ {t.tolerance:.3g}{unit})"
    return f"{label} (shown by {t.n_seeds_matched} of {t.n_seeds} seed{'' if t.n_seeds == 1 else 's'})"


def dataset_verdicts(bench: Benchmark, targets: Targets = Targets()) -> dict[str, str]:
    """One sentence per dataset saying what held and what did not (plain text, from the tables)."""
    sentences = {}
    for base in bench.baseline.itertuples():
        rows = bench.benchmark[bench.benchmark["dataset"] == base.dataset]
        if rows.empty:
            sentences[base.dataset] = (
                f"{base.dataset}: no surrogate trained; the nearest-training-value baseline scores "
                f"{_percent(base.regime_agreement_unseen)} on {base.n_unseen} unseen values and finds "
                f"{base.transitions_found} of {base.n_truth_transitions} truth transitions.")
            continue
        held, missed = [], []
        for row in rows.to_dict(orient="records"):
            h, m = family_verdict(row, bench.transitions, targets)
            held += h
            missed += m
        parts = []
        if held:
            parts.append("held: " + "; ".join(held))
        if missed:
            parts.append("did not hold: " + "; ".join(missed))
        sentences[base.dataset] = f"{base.dataset}: " + "; ".join(parts) + "."
    return sentences


def read_benchmark(benchmark: str | os.PathLike, transitions: str | os.PathLike,
                   baseline: str | os.PathLike) -> Benchmark:
    """The three tables as :func:`build_benchmark` made them, read back from their TSV files
    (empty text cells as "", flags as bool)."""
    def read(path, text: Sequence[str]) -> pd.DataFrame:
        table = pd.read_csv(path, sep="\t")
        for column in text:
            if column in table:
                table[column] = table[column].fillna("").astype(str)
        return table

    bench = read(benchmark, ["dataset", "surrogate", "family", "transitions_beyond_baseline", "transition_errors",
                             "control_unit", "time_unit"])
    moves = read(transitions, ["dataset", "surrogate", "family", "kind"])
    for column in ("found", "baseline_found"):
        moves[column] = moves[column].astype(str).str.lower().eq("true")
    base = read(baseline, ["dataset", "train_values", "control_unit"])
    return Benchmark(bench, moves, base)
