"""Reproducible, config-driven reruns.

(a) Two real runs of config/tiny.yaml in two fresh workdirs write bit-for-bit equal stores (every
    data variable and coordinate: raw values and dtype) and byte-equal tables and figures.
(b) Rerun planning, read from ``snakemake -n`` (the planned jobs and the reasons Snakemake gives):
    after a complete run, changing one setting plans exactly the jobs it affects, and Snakemake's
    ``params`` rerun trigger names exactly the jobs whose ``params:`` carry that setting.
    Ground truth: on copies of a complete tiny run. Surrogates: with a config that adds a
    ``vae_map`` surrogate to the tiny dataset, nothing is trained: the surrogate outputs are created
    as empty placeholders and marked up to date with ``snakemake --touch`` (which records the
    params of every job as a real run would), then each modified config is dry-run.
    The dry runs of one part run side by side (forks of one process that imported Snakemake once,
    see ``run_many_prewarmed``), each on its own copy of the up-to-date workdir.
    ``test_reordered_keys_plan_nothing``: the same config with its keys in another order plans nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from .conftest import (
    SNAKEMAKE,
    TINY,
    PlannedJob,
    age,
    check_plan,
    copy_workdir,
    output_of,
    result_stores,
    run_differences,
    run_many_prewarmed,
    run_snakemake,
    temporaries,
)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed")]


# ----- (a) two runs, same bits --------------------------------------------------------------------


def test_two_fresh_runs_are_bit_for_bit_equal(tiny_reference, tmp_path):
    run = run_snakemake(tmp_path, "--configfile", str(TINY))
    assert run.returncode == 0, output_of(run)[-4000:]
    stores = result_stores(tmp_path)
    assert len(stores) == 7, stores  # 3 chunks, train, heldout, regimes of heldout and train
    assert run_differences(tiny_reference, tmp_path) == []
    assert (tmp_path / "results/fhn/truth/regimes.tsv").read_bytes() == (
        tiny_reference / "results/fhn/truth/regimes.tsv").read_bytes()
    assert temporaries(tmp_path) == []


# ----- (b) rerun planning -------------------------------------------------------------------------


def label(job: PlannedJob) -> str:
    """A job as ``rule`` or ``rule[which]`` where a rule has one job per chunk, split or latent dim."""
    first = Path(job.outputs[0]) if job.outputs else None
    if job.rule in ("simulate_chunk", "merge_truth"):
        return f"{job.rule}[{first.stem}]"
    if job.rule == "train_vae":
        return f"{job.rule}[{first.parent.name}]"
    return job.rule


def _with(config: dict, changes: dict[str, object]) -> dict:
    config = yaml.safe_load(yaml.safe_dump(config, sort_keys=False))
    for path, value in changes.items():
        node = config
        keys = path.split(".")
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return config


@dataclass(frozen=True)
class Plan:
    id: str
    changes: dict[str, object]
    params: frozenset[str]  # jobs the params trigger names
    planned: frozenset[str]  # every planned job
    sort_keys: bool = False  # write the config's mappings with sorted keys (same config, new order)

    @classmethod
    def of(cls, id: str, changes: dict, params: set[str], planned: set[str], sort_keys: bool = False) -> Plan:
        every = set(planned) | set(params)
        return cls(id, changes, frozenset(params), frozenset(every | {"all"} if every else every), sort_keys)


def _sorted(node):
    if isinstance(node, dict):
        return {key: _sorted(node[key]) for key in sorted(node)}
    return node


BENCH_TAIL = {"benchmark", "plot_benchmark"}
TRUTH_TAIL = {"classify_truth", "plot_truth", "plot_fi_curve", "baseline", *BENCH_TAIL}
TRAIN_TAIL = {"classify_training", "baseline", *BENCH_TAIL}
ALL_CHUNKS = {"simulate_chunk[train-0]", "simulate_chunk[heldout-0]", "simulate_chunk[heldout-1]"}
MERGES = {"merge_truth[train]", "merge_truth[heldout]"}
FHN = "datasets.fhn"

TRUTH_PLANS = [
    Plan.of("unchanged", {}, set(), set()),
    Plan.of("heldout-num", {f"{FHN}.heldout.num": 6},  # 3 chunks of 2 values instead of 2
            {"simulate_chunk[heldout-0]", "simulate_chunk[heldout-1]"},
            {"simulate_chunk[heldout-2]", "merge_truth[heldout]", *TRUTH_TAIL}),
    Plan.of("n-ic", {f"{FHN}.simulation.n_ic": 3}, ALL_CHUNKS, MERGES | TRUTH_TAIL | TRAIN_TAIL),
    Plan.of("duration", {f"{FHN}.simulation.duration": 120.0}, ALL_CHUNKS, MERGES | TRUTH_TAIL | TRAIN_TAIL),
    Plan.of("seed", {"seed": 1}, ALL_CHUNKS, MERGES | TRUTH_TAIL | TRAIN_TAIL),
    # One value per job: the held-out chunks change, the one-value training chunk does not.
    Plan.of("values-per-chunk", {f"{FHN}.simulation.values_per_chunk": 1},
            {"simulate_chunk[heldout-0]", "simulate_chunk[heldout-1]"},
            {"simulate_chunk[heldout-2]", "simulate_chunk[heldout-3]", "merge_truth[heldout]", *TRUTH_TAIL}),
    # Training values: their simulation, its classification (the baseline's input) and the
    # figure that marks them; the held-out truth is not reclassified.
    Plan.of("train-values", {f"{FHN}.train.values": [0.6]},
            {"simulate_chunk[train-0]", "plot_truth"}, {"merge_truth[train]"} | TRAIN_TAIL),
    # A step protocol for the training values: their simulation and its new figure, not the held-out grid.
    Plan.of("train-protocol", {f"{FHN}.train.protocol": {"step": 100.0}},
            {"simulate_chunk[train-0]"}, {"merge_truth[train]", "plot_training_traces"} | TRAIN_TAIL),
]


# The same config with its keys in another order: nothing to do.
REORDERED = Plan.of("reordered-keys", {}, set(), set(), sort_keys=True)


def _plans(base: Path, config: dict, plans: list[Plan], root: Path, surrogates: bool) -> dict[str, str]:
    """Dry-run every plan's config on its own copy of ``base``; plan id -> Snakemake output."""
    calls = []
    for plan in plans:
        workdir = copy_workdir(base, root / plan.id)
        path = root / f"{plan.id}.yaml"
        changed = _with(config, plan.changes)
        path.write_text(yaml.safe_dump(_sorted(changed) if plan.sort_keys else changed, sort_keys=False))
        calls.append((workdir, ("-n", "--configfile", str(path))))
    runs = run_many_prewarmed(calls, root / "outputs", surrogates=surrogates)
    for plan, run in zip(plans, runs, strict=True):
        assert run.returncode == 0, f"{plan.id}:\n{output_of(run)[-4000:]}"
    return {plan.id: output_of(run) for plan, run in zip(plans, runs, strict=True)}


def _check(plan: Plan, output: str) -> None:
    jobs = check_plan(output)
    planned = sorted(label(job) for job in jobs)
    params = sorted(label(job) for job in jobs if job.params_changed)
    assert len(planned) == len(set(planned)), planned
    assert (set(planned), set(params)) == (set(plan.planned), set(plan.params)), (
        f"{plan.id}: planned {planned} (params trigger: {params});\n"
        f"expected {sorted(plan.planned)} (params trigger: {sorted(plan.params)})\n{output[-3000:]}"
    )
    if not plan.planned:
        assert "Nothing to be done" in output, output[-3000:]


@pytest.fixture(scope="module")
def truth_plans(tiny_reference, tmp_path_factory) -> dict[str, str]:
    config = yaml.safe_load(TINY.read_text())
    return _plans(tiny_reference, config, [*TRUTH_PLANS, REORDERED], tmp_path_factory.mktemp("truth-plans"),
                  surrogates=False)


@pytest.mark.parametrize("plan", TRUTH_PLANS, ids=[plan.id for plan in TRUTH_PLANS])
def test_truth_setting_change_plans_exactly_the_affected_jobs(plan, truth_plans):
    _check(plan, truth_plans[plan.id])


def test_reordered_keys_plan_nothing(truth_plans):
    _check(REORDERED, truth_plans[REORDERED.id])


# Surrogate study: the tiny dataset plus a vae_map surrogate (one seed, a latent scan of two dims).
SURROGATE = {
    "kind": "vae_map",
    "datasets": ["fhn"],
    "seeds": [0],
    "device": "cpu",
    "settings": {
        "vae": {"embedding_dim": 10, "epochs": 1},  # the window fits the tiny study's 250 samples
        "latent": {"dims": [2, 3], "rel_tol": 0.25},
        "map": {"epochs": 1},
    },
    "sweep": {"n_ic": 2, "n_steps": 200, "transient_steps": 10},  # 80 time units: fhn's shortest record
    "check": {"n_ic": 1},
}
SWEEP_TAIL = {"sweep_surrogate", "classify_surrogate", "compare", "plot_comparison", "plot_fi_comparison", "plot_traces",
              "plot_summary", "aggregate", *BENCH_TAIL}
S = "surrogates.vm.settings"

SURROGATE_PLANS = [
    Plan.of("unchanged", {}, set(), set()),
    Plan.of("sweep-n-steps", {"surrogates.vm.sweep.n_steps": 300}, {"sweep_surrogate"}, SWEEP_TAIL),
    Plan.of("map-epochs", {f"{S}.map.epochs": 2}, {"train_map"}, {"plot_training", "check_training"} | SWEEP_TAIL),
    Plan.of("latent-rel-tol", {f"{S}.latent.rel_tol": 0.5}, {"select_latent"},
            {"train_map", "plot_training", "check_training"} | SWEEP_TAIL),
    Plan.of("vae-epochs", {f"{S}.vae.epochs": 2}, {"train_vae[d2]", "train_vae[d3]"},
            {"select_latent", "train_map", "plot_training", "check_training"} | SWEEP_TAIL),
    Plan.of("check-n-ic", {"surrogates.vm.check.n_ic": 2}, {"check_training"},
            {"compare", "plot_summary", "aggregate", *BENCH_TAIL}),
    # A new held-out grid: held-out truth and the sweep (which also reads the held-out truth for its
    # forecasts, so Snakemake names the new input rather than the params), no training.
    Plan.of("heldout-num", {f"{FHN}.heldout.num": 6},
            {"simulate_chunk[heldout-0]", "simulate_chunk[heldout-1]"},
            {"simulate_chunk[heldout-2]", "merge_truth[heldout]", *TRUTH_TAIL} | SWEEP_TAIL),
]


@pytest.fixture(scope="module")
def surrogate_study(tiny_reference, tmp_path_factory) -> tuple[Path, dict]:
    """A workdir where the whole surrogate study is up to date (truth real, surrogate touched)."""
    root = tmp_path_factory.mktemp("surrogate-study")
    config = yaml.safe_load(TINY.read_text())
    config["surrogates"] = {"vm": SURROGATE}
    path = root / "study.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    workdir = copy_workdir(tiny_reference, root / "work")

    plan = run_snakemake(workdir, "-n", "--configfile", str(path))
    assert plan.returncode == 0, output_of(plan)[-4000:]
    jobs = check_plan(output_of(plan))
    assert {job.rule for job in jobs} == {
        "train_vae", "select_latent", "train_map", "plot_training", "check_training", *SWEEP_TAIL, "all"
    }, output_of(plan)[-4000:]
    # Placeholders for every surrogate output, older than the truth, so --touch visits every job.
    for job in jobs:
        for output in job.outputs:
            target = workdir / output
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.suffix == ".zarr":
                target.mkdir()
            else:
                target.touch()
            age(target, 24 * 3600)
    touch = run_snakemake(workdir, "--touch", "--configfile", str(path))
    assert touch.returncode == 0, output_of(touch)[-4000:]
    assert "missing provenance" not in output_of(touch)
    return workdir, config


@pytest.fixture(scope="module")
def surrogate_plans(surrogate_study, tmp_path_factory) -> dict[str, str]:
    workdir, config = surrogate_study
    return _plans(workdir, config, SURROGATE_PLANS, tmp_path_factory.mktemp("surrogate-plans"), surrogates=True)


@pytest.mark.parametrize("plan", SURROGATE_PLANS, ids=[plan.id for plan in SURROGATE_PLANS])
def test_surrogate_setting_change_plans_exactly_the_affected_jobs(plan, surrogate_plans):
    output = surrogate_plans[plan.id]
    _check(plan, output)
    # Every job of the study has recorded params, so a change cannot go unnoticed.
    assert "missing provenance" not in output, output[-3000:]
