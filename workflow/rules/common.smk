# Shared helpers: dataset lookup, chunk lists, output paths.
from neurorecon.config import chunks
from neurorecon.models import get_model

DATASETS = sorted(config["datasets"])
SPLITS = ["train", "heldout"]


wildcard_constraints:
    dataset="|".join(DATASETS),
    split="|".join(SPLITS),
    chunk=r"\d+",


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
    return expand("results/{dataset}/truth/{split}.zarr", dataset=DATASETS, split=SPLITS)


def simulation_settings(wildcards):
    """Everything that changes a dataset's ground truth, for params: and config_hash."""
    ds = dataset_config(wildcards)
    return {
        "model": ds["model"],
        "parameter_set": ds["parameter_set"],
        "parameters": ds["parameters"],
        "simulation": {k: v for k, v in ds["simulation"].items() if k != "values_per_chunk"},
        "seed": config["seed"],
    }


def control_is_current(dataset):
    return get_model(config["datasets"][dataset]["model"]).control.injected_current


def truth_figures():
    figures = expand(
        "results/{dataset}/figures/truth_{figure}.png",
        dataset=DATASETS,
        figure=["bifurcation", "regimes", "lyapunov"],
    )
    figures += [
        f"results/{dataset}/figures/truth_fi_curve.png"
        for dataset in DATASETS
        if control_is_current(dataset)
    ]
    return figures
