"""A hand-made ``results/`` tree with known answers for the benchmark tests (what the workflow's
compare, baseline and training rules write, reduced to what the benchmark reads).

Dataset ``alpha`` (mV, s): held-out grid 0..10 (step 1), training values 2 and 6; the truth has
rest->tonic at 2.5 and tonic->bursting at 7.5. Its baseline scores 4/9 and shows rest->tonic 3.0
off (beyond the 2-grid-step target). Surrogate ``fam`` (family ``famkind``), seeds 0, 1, 2:
agreements 0.5, 0.8, 0.9; rest->tonic errors +0.5, -1.0, unmatched (found: median of 0.5, 1, inf
is 1 <= 2); tonic->bursting +3.0, unmatched, unmatched (not found); checks passed, passed, failed;
training times 15 s (two jobs), 20 s, none; tonic rate errors 0.1, 0.3, none. Its metrics.tsv
tables give an ensemble agreement of 4/5. Surrogate ``other`` (family ``otherkind``), seed 0 only:
agreement 0.3, no transition matched. Dataset ``beta`` (dimensionless): no surrogate; baseline 0.5,
no transition.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

UNITS = {"alpha": {"control": "mV", "time": "s"}, "beta": {"control": "1", "time": "1"}}
FAMILIES = {"fam": "famkind", "other": "otherkind"}
ALPHA_TRUTH = [("rest->tonic_spiking", 2.5), ("tonic_spiking->bursting", 7.5)]


def _summary(agreement, errors, **extra) -> dict:
    transitions = [{"kind": kind, "truth": location, "surrogate": None if error is None else location + error,
                    "error": error} for (kind, location), error in zip(ALPHA_TRUTH, errors)]
    base = {"n_unseen": 9, "regime_agreement_unseen": agreement, "regime_agreement_seen": 1.0,
            "firing_rate_rel_error_tonic_median": None, "firing_rate_rel_error_bursting_median": None,
            "spikes_per_burst_error_median": None, "forecast_horizon_median": None, "transitions": transitions}
    return base | extra


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def _table(path: Path, truth: list[str], surrogate: list[str]) -> None:
    pd.DataFrame({"param": [float(i) for i in range(len(truth))], "seen": False, "truth_regime": truth,
                  "surrogate_regime": surrogate}).to_csv(path, sep="\t", index=False)


def make_tree(results: Path) -> dict[str, list[Path]]:
    """Write the tree under ``results``; returns the metrics.json paths of baselines and runs."""
    grid = [float(i) for i in range(11)]
    baselines = []
    for dataset, agreement, errors in (("alpha", 4 / 9, [3.0, None]), ("beta", 0.5, [])):
        path = results / dataset / "baseline" / "metrics.json"
        summary = _summary(agreement, errors, dataset=dataset, surrogate="nearest_training_value",
                           train_values=[2.0, 6.0] if dataset == "alpha" else [0.5])
        if dataset == "beta":
            summary["transitions"] = []
            summary["n_unseen"] = 4
        _write(path, summary)
        truth = ["rest"] * 3 + ["tonic_spiking"] * 5 + ["bursting"] * 3 if dataset == "alpha" else ["rest"] * 11
        pd.DataFrame({"param": grid if dataset == "alpha" else [0.1 * i for i in range(11)],
                      "seen": [p in (2.0, 6.0) for p in grid], "truth_regime": truth,
                      "surrogate_regime": truth}).to_csv(path.with_name("metrics.tsv"), sep="\t", index=False)
        baselines.append(path)

    r, t, b = "rest", "tonic_spiking", "bursting"
    truth = [r, r, t, t, b]
    seeds = {  # agreement, transition errors, check passed, training job times, tonic rate error, regimes
        0: (0.5, [0.5, 3.0], True, [10.0, 5.0], 0.1, [r, t, t, t, t]),
        1: (0.8, [-1.0, None], True, [20.0], 0.3, [r, r, t, b, r]),
        2: (0.9, [None, None], False, [], None, [t, r, r, t, b]),
    }
    runs = []
    for seed, (agreement, errors, passed, times, rate, regimes) in seeds.items():
        folder = results / "alpha" / "fam" / f"seed{seed}"
        _write(folder / "metrics.json", _summary(agreement, errors, dataset="alpha", surrogate="fam", seed=seed,
                                                 training_check_passed=passed,
                                                 firing_rate_rel_error_tonic_median=rate))
        _table(folder / "metrics.tsv", truth, regimes)
        for k, seconds in enumerate(times):
            (folder / "benchmarks").mkdir(exist_ok=True)
            pd.DataFrame({"s": [seconds], "h:m:s": ["0:00:00"], "max_rss": [1.0]}).to_csv(
                folder / "benchmarks" / f"job{k}.tsv", sep="\t", index=False)
        runs.append(folder / "metrics.json")
    folder = results / "alpha" / "other" / "seed0"
    _write(folder / "metrics.json", _summary(0.3, [None, None], dataset="alpha", surrogate="other", seed=0,
                                             training_check_passed=True))
    _table(folder / "metrics.tsv", truth, ["rest"] * 5)
    runs.append(folder / "metrics.json")
    return {"baselines": baselines, "runs": runs}
