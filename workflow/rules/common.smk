# Shared helpers: dataset lookup, chunk lists, output paths, surrogate entries by family.
from pathlib import Path

from neurorecon.config import chunks, control_values, is_population, is_recording
from neurorecon.config.training_values import designs
from neurorecon.models import get_model
from neurorecon.surrogates.registry import get_family

DATASETS = sorted(name for name, dataset in config["datasets"].items()
                  if not is_recording(dataset) and not is_population(dataset))
"""Simulated datasets (a model over a grid of its control)."""
RECORDINGS = sorted(name for name, dataset in config["datasets"].items() if is_recording(dataset))
"""Recording datasets (kind: recording): recorded sweeps, some trained on, the others held out."""
POPULATIONS = sorted(name for name, dataset in config["datasets"].items() if is_population(dataset))
"""Population datasets (kind: population): twins per g_s value, simulated as the heldout split only
(results/<dataset>/truth/heldout.zarr); no surrogate, baseline or benchmark."""
SPLITS = ["train", "heldout"]
SURROGATES = sorted(config["surrogates"])
RUN = "results/{dataset}/{surrogate}/seed{seed}"
"""Folder of one training run: surrogate.pt/.json, training_check.json, the family's figures."""
TRAINING_BENCHMARK = f"{RUN}/benchmarks/{{job}}.tsv"
"""Snakemake benchmark file of one training job of a run (``job``: the job's name, e.g. train_map or
train_vae_d{dim}). Each training job of each family writes one (``benchmark: training_benchmark(...)``);
the run's training time is the sum of their wall times (neurorecon.evaluation.benchmark)."""
NO_MATCH = "(?!)"
"""A wildcard constraint no value matches (a rule for a family without configured entries)."""


def training_benchmark(job):
    """``benchmark:`` path of the training job ``job`` of a run (wildcards in ``job`` allowed)."""
    return TRAINING_BENCHMARK.replace("{job}", job)


def entries_of(kind):
    """Names of the surrogate entries of family ``kind``, as a wildcard constraint."""
    names = [name for name in SURROGATES if config["surrogates"][name]["kind"] == kind]
    return "|".join(names) or NO_MATCH


def family_rule_file(kind):
    """``rules/surrogates/<kind>.smk`` for a family that trains in several jobs, else None."""
    path = Path(workflow.basedir) / "workflow" / "rules" / "surrogates" / f"{kind}.smk"
    return f"workflow/rules/surrogates/{kind}.smk" if path.exists() else None


KINDS = sorted({entry["kind"] for entry in config["surrogates"].values()})
ONE_JOB_KINDS = [kind for kind in KINDS if family_rule_file(kind) is None]


wildcard_constraints:
    dataset="|".join(DATASETS + RECORDINGS + POPULATIONS),
    split="|".join(SPLITS),
    surrogate="|".join(SURROGATES) or "no-surrogate",
    chunk=r"\d+",
    seed=r"\d+",
    dim=r"\d+",


def dataset_config(wildcards):
    return config["datasets"][wildcards.dataset]


def chunk_values(wildcards):
    return chunks(dataset_config(wildcards), wildcards.split)[int(wildcards.chunk)]


def truth_chunks(wildcards):
    n = len(chunks(dataset_config(wildcards), wildcards.split))
    return expand(
        "results/{dataset}/truth/chunks/{split}-{chunk}.zarr",
        dataset=wildcards.dataset,
        split=wildcards.split,
        chunk=range(n),
    )


def truth_stores():
    stores = expand("results/{dataset}/truth/{split}.zarr", dataset=DATASETS, split=SPLITS)
    return stores + expand("results/{dataset}/truth/heldout.zarr", dataset=POPULATIONS)


def estimates_lyapunov(wildcards):
    """Whether the truth classification estimates Lyapunov exponents: not for a population, whose
    twins' large sodium conductances make the estimate's fixed-step RK4 at the model's dt unstable
    (so no twin is called chaotic; the regime map counts chaos under "other" either way)."""
    return wildcards.dataset not in POPULATIONS


def train_values(wildcards):
    """Training values of a simulated dataset (marked on the truth figures); none for a population."""
    return dataset_config(wildcards).get("train", {}).get("values", [])


def simulation_settings(wildcards):
    """Everything that changes a dataset's ground truth, for params: and config_hash; the training
    split's step protocol (train.protocol) when one is configured, so it reruns only that split."""
    ds = dataset_config(wildcards)
    settings = {
        "model": ds["model"],
        "parameter_set": ds["parameter_set"],
        # sorted: Snakemake compares params as printed, so key order must not trigger reruns
        "parameters": dict(sorted(ds["parameters"].items())),
        "simulation": {k: ds["simulation"][k] for k in sorted(ds["simulation"]) if k != "values_per_chunk"},
        "seed": config["seed"],
    }
    if wildcards.split == "train" and ds["train"].get("protocol") is not None:
        settings["protocol"] = dict(sorted(ds["train"]["protocol"].items()))
    if is_population(ds):
        population = ds["population"]
        settings["population"] = {key: dict(sorted(population[key].items())) if key == "ranges" else population[key]
                                  for key in sorted(population)}
    return settings


def control_is_current(dataset):
    """Whether the dataset's control is an injected current (never for a population: its control is g_s)."""
    ds = config["datasets"][dataset]
    return not is_population(ds) and get_model(ds["model"]).control.injected_current


def truth_figures():
    figures = expand(
        "results/{dataset}/figures/truth_{figure}.png",
        dataset=DATASETS,
        figure=["bifurcation", "regimes", "lyapunov"],
    )
    figures += expand(
        "results/{dataset}/figures/truth_{figure}.png",
        dataset=POPULATIONS,
        figure=["bifurcation", "regimes", "dic_regimes"],
    )
    figures += [
        f"results/{dataset}/figures/truth_fi_curve.png"
        for dataset in DATASETS
        if control_is_current(dataset)
    ]
    figures += [
        f"results/{dataset}/figures/truth_training.png"
        for dataset in DATASETS
        if config["datasets"][dataset]["train"].get("protocol") is not None
    ]
    return figures


def surrogate_config(wildcards):
    return config["surrogates"][wildcards.surrogate]


def surrogate_settings(wildcards):
    """Complete family settings (defaults filled in by validation)."""
    return surrogate_config(wildcards)["settings"]


def all_runs():
    """(dataset, surrogate, seed) of every trained surrogate, on simulated and recording datasets."""
    return [
        (dataset, name, seed)
        for name, surrogate in sorted(config["surrogates"].items())
        for dataset in surrogate["datasets"]
        for seed in surrogate["seeds"]
    ]


def surrogate_runs():
    """(dataset, surrogate, seed) of every surrogate trained on a simulated dataset."""
    return [run for run in all_runs() if run[0] in DATASETS]


def recording_runs():
    """(dataset, surrogate, seed) of every surrogate trained on a recording dataset."""
    return [run for run in all_runs() if run[0] in RECORDINGS]


def training_store(wildcards):
    """The store a run trains on: the truth's training split, or a recording's training sweeps."""
    if wildcards.dataset in RECORDINGS:
        return f"results/{wildcards.dataset}/recording/train.zarr"
    return f"results/{wildcards.dataset}/truth/train.zarr"


def surrogate_targets(pattern):
    return [pattern.format(dataset=d, surrogate=s, seed=k) for d, s, k in surrogate_runs()]


def dataset_targets(dataset, pattern):
    """``pattern`` filled in for every (surrogate, seed) run on ``dataset``."""
    return [pattern.format(dataset=d, surrogate=s, seed=k) for d, s, k in surrogate_runs() if d == dataset]


def family_figures(surrogate):
    """The figures the family of entry ``surrogate`` draws, relative to its run folder."""
    return get_family(config["surrogates"][surrogate]["kind"]).figures


def surrogate_outputs():
    """Everything the surrogate stages on simulated datasets end in, and every run's own figures;
    empty without configured surrogates."""
    if not SURROGATES:
        return []
    per_run = [
        f"{RUN}/metrics.json",
        f"{RUN}/figures/bifurcation.png",
        f"{RUN}/figures/regimes.png",
        f"{RUN}/figures/lyapunov.png",
        f"{RUN}/figures/regime_confusion.png",
        f"{RUN}/figures/example_traces.png",
    ]
    own = [f"{RUN.format(dataset=d, surrogate=s, seed=k)}/{figure}"
           for d, s, k in all_runs() for figure in family_figures(s)]
    summaries = sorted({f"results/{dataset}/figures/surrogate_summary.png" for dataset, _, _ in surrogate_runs()})
    summary = ["results/summary.tsv"] if surrogate_runs() else []
    fi_curves = [f"{RUN.format(dataset=d, surrogate=s, seed=k)}/figures/fi_curve.png"
                 for d, s, k in surrogate_runs() if control_is_current(d)]
    return ([target for pattern in per_run for target in surrogate_targets(pattern)] + fi_curves + own + summaries
            + summary)


def dataset_units():
    """Dataset -> units of its model's control and time (tables and text of the benchmark)."""
    units = {}
    for dataset in DATASETS:
        model = get_model(config["datasets"][dataset]["model"])
        units[dataset] = {"control": model.control.unit, "time": model.time_unit}
    return units


def benchmark_outputs():
    """The benchmark over simulated datasets (table, figure, report landing block); none without one."""
    if not DATASETS:
        return []
    return ["results/benchmark.tsv", "results/benchmark.png", "results/benchmark_landing.rst"]


TRAINING_VALUES = designs(config)
"""The training-values study: base dataset -> its designs (config key training_values)."""


def design_settings(dataset):
    """The designs of base dataset ``dataset`` as plain settings (params: of the study's figure)."""
    return [{"count": d.count, "dataset": d.dataset, "values": list(d.values)} for d in TRAINING_VALUES[dataset]]


def training_values_outputs():
    """The study's table and figure per base dataset; none without a training_values block."""
    return expand("results/{dataset}/training_values.{ext}", dataset=sorted(TRAINING_VALUES), ext=["tsv", "png"])


def recordings_table(wildcards):
    """``{"recordings": results/recordings.tsv}`` when a surrogate is trained on a recording (its
    sentences go on the report's landing page), else nothing."""
    return {"recordings": "results/recordings.tsv"} if recording_runs() else {}


def recording_config(wildcards):
    """Settings of a recording dataset that change its imported stores (for params:)."""
    dataset = config["datasets"][wildcards.dataset]
    return {"channel": dataset["channel"], "rate_hz": dataset["rate_hz"], "train_values": dataset["train"]["values"]}


def recording_targets(pattern):
    """``pattern`` filled in for every (dataset, surrogate, seed) run on a recording dataset."""
    return [pattern.format(dataset=d, surrogate=s, seed=k) for d, s, k in recording_runs()]


def recording_outputs():
    """Everything the recording datasets end in: the imported recording and, per run, the
    comparison and its figures; the table over runs."""
    if not RECORDINGS:
        return []
    outputs = expand("results/{dataset}/recording/features.tsv", dataset=RECORDINGS)
    for pattern in (f"{RUN}/metrics.json", f"{RUN}/figures/fi_curve.png", f"{RUN}/figures/heldout_sweeps.png"):
        outputs += recording_targets(pattern)
    return outputs + (["results/recordings.tsv"] if recording_runs() else [])


# Spike-time inference (workflow/rules/inference.smk), only with an `inference` block.
INFERENCE = "results/inference"


def inference_settings():
    return config["inference"]


def inference_chunks(part):
    settings = config["inference"]
    n = settings["train_chunks"] if part == "train" else settings["test_chunks"]
    return [f"{INFERENCE}/data/{part}-{k}.zarr" for k in range(n)]


def inference_outputs():
    """Final outputs of the inference stage (none without an `inference` block)."""
    if "inference" not in config:
        return []
    out = [f"{INFERENCE}/network.pt", f"{INFERENCE}/evaluation/summary.json"]
    out += [f"{INFERENCE}/figures/{name}.png" for name in
            ("dic_prediction_scatter", "dic_error_plane", "dic_twin_trains", "dic_test_regimes")]
    if config["inference"]["sizes"]:
        out.append(f"{INFERENCE}/size_curve.tsv")
    return out
