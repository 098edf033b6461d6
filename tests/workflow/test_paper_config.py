"""config/paper.yaml (every dataset x every applicable family x six seeds, GPUs) and its shrinking
override config/paper_tiny.yaml, checked by dry runs (nothing is simulated or trained).

- Every family neurorecon ships has an entry in the paper study, with six seeds, and the override
  shrinks every entry (one seed, CPU, no GPU request).
- ``snakemake --configfile config/paper.yaml -n`` plans, for every (dataset, surrogate, seed) of the
  merged config, its training, check, sweep and comparison, and the benchmark; every training,
  check and sweep job asks for the entry's GPUs (resources gpu). A baseline per simulated dataset,
  none for a recording or a population; a regime map (dic_regimes) per population.
- With the override the same (dataset, surrogate) pairs are planned, one seed each, no GPU (the
  training-values study with one design per base dataset instead of three); also through the SLURM
  profile, unedited (a dry run submits nothing; skipped without the plugin).
- The training-values study (config key training_values) covers srk and hh, its design datasets
  are trained like any dataset, and its table and figure are planned per base dataset.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

from neurorecon.config import is_population, is_recording
from neurorecon.config.training_values import designs as designs_of
from neurorecon.surrogates.registry import FAMILIES

from .conftest import ROOT, SNAKEMAKE, check_plan, merged, output_of, run_many

pytestmark = [pytest.mark.slow, pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed")]

PAPER = ROOT / "config" / "paper.yaml"
TINY = ROOT / "config" / "paper_tiny.yaml"
GPU_RULES = ("check_training", "sweep_surrogate", "predict_recording")  # besides the training rules


def runs_of(config: dict) -> set[tuple[str, str, int]]:
    return {(dataset, name, seed) for name, entry in config["surrogates"].items()
            for dataset in entry["datasets"] for seed in entry["seeds"]}


_JOB = re.compile(r"^(?:local)?rule (\w+):\n((?:[ \t]+\S.*\n?)*)", re.MULTILINE)


def job_blocks(output: str) -> list[tuple[str, dict[str, str]]]:
    """(rule, fields) of every planned job of a dry run, fields as Snakemake prints them."""
    blocks = []
    for match in _JOB.finditer(output):
        fields = {}
        for line in match.group(2).splitlines():
            key, _, value = line.strip().partition(": ")
            fields[key] = value
        blocks.append((match.group(1), fields))
    return blocks


def run_of(output: str) -> tuple[str, str, int] | None:
    """(dataset, surrogate, seed) of a job's first output under a run folder, else None."""
    match = re.match(r"results/([^/]+)/([^/]+)/seed(\d+)/", output)
    return (match.group(1), match.group(2), int(match.group(3))) if match else None


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("paper")
    calls = [(root / "paper", ("-n", "--configfile", str(PAPER))),
             (root / "tiny", ("-n", "--configfile", str(PAPER), str(TINY)))]
    for workdir, _ in calls:
        workdir.mkdir()
    runs = run_many(calls, timeout=300)
    for (workdir, _), run in zip(calls, runs, strict=True):
        assert run.returncode == 0, f"{workdir.name}:\n{output_of(run)[-4000:]}"
    return {workdir.name: output_of(run) for (workdir, _), run in zip(calls, runs, strict=True)}


def test_every_shipped_family_is_in_the_paper_study_with_six_seeds():
    paper = yaml.safe_load(PAPER.read_text())
    kinds = {entry["kind"] for entry in paper["surrogates"].values()}
    assert set(FAMILIES) <= kinds, f"families without an entry in config/paper.yaml: {sorted(set(FAMILIES) - kinds)}"
    config = merged(PAPER)
    designs = {design.dataset for base in designs_of(config).values() for design in base}
    assert {"srk", "hh"} <= set(designs_of(config)), "the training-values study covers srk and hh"
    assert set(config["datasets"]) == set(paper["datasets"]) | designs
    for name, entry in config["surrogates"].items():
        assert len(entry["seeds"]) == 6, name
        assert entry["gpus"] >= 1, f"{name}: the paper study asks for GPUs"
    covered = {dataset for entry in config["surrogates"].values() for dataset in entry["datasets"]}
    # no family trains on a population dataset (validation refuses one that lists it): its truth
    # stage and regime map are the whole of it
    trainable = {name for name, dataset in config["datasets"].items() if not is_population(dataset)}
    assert covered == trainable, "a dataset without any family"


def test_the_override_shrinks_every_entry():
    paper, tiny = yaml.safe_load(PAPER.read_text()), yaml.safe_load(TINY.read_text())
    assert set(tiny["surrogates"]) == set(paper["surrogates"]), "every paper entry needs its shrunk settings"
    assert set(tiny["datasets"]) == set(paper["datasets"])
    assert set(tiny["training_values"]) == set(paper["training_values"])
    config = merged(PAPER, TINY)
    for name, entry in config["surrogates"].items():
        assert len(entry["seeds"]) == 1 and entry["gpus"] == 0 and entry["device"] == "cpu", name
    for name, dataset in config["datasets"].items():
        if is_recording(dataset):
            assert dataset["rate_hz"] <= 2000, name
            continue
        assert dataset["heldout"]["num"] <= 8 and dataset["simulation"]["n_ic"] <= 2, name
    inference = config["inference"]
    assert inference["chunk_size"] * (inference["train_chunks"] + inference["test_chunks"]) <= 50
    assert inference["training"]["epochs"] == 1 and inference["training"]["device"] == "cpu"


def _check_plan(output: str, config: dict, grouped: bool = False) -> None:
    """Every run's products planned, GPUs requested as configured, the benchmark stage planned.
    ``grouped``: the profile groups some rules into group jobs (SLURM), whose blocks differ from
    the job stats."""
    blocks = job_blocks(output)
    if not grouped:
        check_plan(output)  # the job blocks agree with Snakemake's job stats
    recordings = {name for name, dataset in config["datasets"].items() if is_recording(dataset)}
    expected = {run for run in runs_of(config) if run[0] not in recordings}
    expected_recorded = runs_of(config) - expected
    planned: dict[str, set] = {}
    gpus: dict[tuple[str, str, int], set[str]] = {}
    for rule, fields in blocks:
        outputs = [part.strip() for part in fields.get("output", "").split(",") if part.strip()]
        for path in outputs:
            run = run_of(path)
            if run is None:
                continue
            name = Path(path).name
            planned.setdefault(name, set()).add(run)
            resources = fields.get("resources", "")
            found = re.search(r"\bgpu=(\d+)", resources)
            if rule.startswith("train") or rule in GPU_RULES:
                gpus.setdefault(run, set()).add(found.group(1) if found else "none")
            break
    for product in ("training_check.json", "sweep.zarr", "metrics.tsv"):
        assert planned.get(product, set()) == expected, f"{product}: {sorted(expected ^ planned.get(product, set()))}"
    for product, runs in (("surrogate.pt", expected | expected_recorded), ("predicted.zarr", expected_recorded),
                          ("steps.tsv", expected_recorded)):
        assert planned.get(product, set()) == runs, f"{product}: {sorted(runs ^ planned.get(product, set()))}"
    for run, requested in gpus.items():
        want = str(config["surrogates"][run[1]]["gpus"])
        assert requested == {want}, f"{run}: training/sweep jobs request gpu {requested}, expected {want}"
    rules = {rule for rule, _ in blocks}
    assert {"baseline", "classify_training", "benchmark", "plot_benchmark"} <= rules
    populations = {name for name, dataset in config["datasets"].items() if is_population(dataset)}
    simulated = set(config["datasets"]) - recordings - populations
    assert {fields["output"].split("/")[1] for rule, fields in blocks if rule == "baseline"} == simulated
    assert {fields["output"].split("/")[1] for rule, fields in blocks if rule == "dic_regimes"} == populations
    if recordings:
        assert "recording_benchmark" in rules
    studied = {fields["output"].split("/")[1] for rule, fields in blocks if rule == "plot_training_values"}
    assert studied == set(designs_of(config)), "a training-values table and figure per base dataset"
    inference = config.get("inference")
    if inference is not None:  # spike-time inference: one job per data chunk, then train, evaluate, plot
        chunks = [fields["output"] for rule, fields in blocks if rule == "dic_data_chunk"]
        assert len(chunks) == inference["train_chunks"] + inference["test_chunks"]
        assert {"train_dic_network", "evaluate_dic_network", "plot_dic_inference"} <= rules
        assert ("dic_size_curve" in rules) == bool(inference.get("sizes"))


def test_paper_study_plans_every_dataset_family_seed(plans):
    _check_plan(plans["paper"], merged(PAPER))


@pytest.mark.skipif(importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
                    reason="snakemake-executor-plugin-slurm is not installed (pip install '.[workflow]')")
def test_shrunk_paper_study_plans_through_the_slurm_profile(tmp_path):
    profile = ROOT / "workflow" / "profiles" / "slurm"
    (run,) = run_many([(tmp_path, ("-n", "--profile", str(profile), "--configfile", str(PAPER), str(TINY)))])
    assert run.returncode == 0, output_of(run)[-4000:]
    _check_plan(output_of(run), merged(PAPER, TINY), grouped=True)


def test_shrunk_paper_study_plans_the_same_pairs_with_one_seed(plans):
    config = merged(PAPER, TINY)
    _check_plan(plans["tiny"], config)
    pairs = {(d, s) for d, s, _ in runs_of(config)}
    full = merged(PAPER)
    # the override keeps one design per base of the training-values study (3 values) of the paper's three
    kept = {design.dataset for base in designs_of(config).values() for design in base}
    dropped = {design.dataset for base in designs_of(full).values() for design in base} - kept
    assert kept and dropped and kept < {design.dataset for base in designs_of(full).values() for design in base}
    assert pairs == {(d, s) for d, s, _ in runs_of(full) if d not in dropped}
