# Surrogate sweep over the held-out grid, its regimes, and the comparison with the truth.


rule sweep_surrogate:
    input:
        checkpoint=f"{RUN}/surrogate.pt",
        heldout="results/{dataset}/truth/heldout.zarr",
    output:
        directory(f"{RUN}/sweep.zarr"),
    params:
        values=lambda wildcards: control_values(dataset_config(wildcards), "heldout"),
        settings=lambda wildcards: surrogate_config(wildcards)["sweep"],
        device=lambda wildcards: surrogate_config(wildcards)["device"],
    # One thread: a sweep then runs beside the single-threaded training jobs instead of waiting for
    # both cores (a second thread made the benchmark sweep 1.6x faster, not 2x).
    threads: 1
    resources:
        mem_mb=8000,
        runtime=30,
        gpu=lambda wildcards: surrogate_config(wildcards)["gpus"],
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/sweep_surrogate.log",
    script:
        "../scripts/sweep_surrogate.py"


use rule classify_truth as classify_surrogate with:
    input:
        f"{RUN}/sweep.zarr",
    output:
        regimes=directory(f"{RUN}/regimes.zarr"),
        table=f"{RUN}/regimes.tsv",
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/classify_surrogate.log",


rule compare:
    input:
        truth_regimes="results/{dataset}/truth/regimes.zarr",
        truth_traces="results/{dataset}/truth/heldout.zarr",
        surrogate_regimes=f"{RUN}/regimes.zarr",
        surrogate_traces=f"{RUN}/sweep.zarr",
        check=f"{RUN}/training_check.json",
    output:
        table=f"{RUN}/metrics.tsv",
        summary=f"{RUN}/metrics.json",
    wildcard_constraints:
        dataset="|".join(DATASETS) or NO_MATCH,
    params:
        train_values=lambda wildcards: dataset_config(wildcards)["train"]["values"],
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/compare.log",
    script:
        "../scripts/compare.py"


rule plot_comparison:
    input:
        truth="results/{dataset}/truth/regimes.zarr",
        surrogate=f"{RUN}/regimes.zarr",
    output:
        bifurcation=report(
            f"{RUN}/figures/bifurcation.png",
            caption="../report/bifurcation_comparison.rst",
            category="{dataset}",
            subcategory="{surrogate}",
            labels={"dataset": "{dataset}", "surrogate": "{surrogate}", "seed": "{seed}",
                    "figure": "bifurcation diagram"},
        ),
        regimes=report(
            f"{RUN}/figures/regimes.png",
            caption="../report/regime_comparison.rst",
            category="{dataset}",
            subcategory="{surrogate}",
            labels={"dataset": "{dataset}", "surrogate": "{surrogate}", "seed": "{seed}",
                    "figure": "regime strips"},
        ),
        lyapunov=report(
            f"{RUN}/figures/lyapunov.png",
            caption="../report/lyapunov_comparison.rst",
            category="{dataset}",
            subcategory="{surrogate}",
            labels={"dataset": "{dataset}", "surrogate": "{surrogate}", "seed": "{seed}",
                    "figure": "largest Lyapunov exponent"},
        ),
        confusion=report(
            f"{RUN}/figures/regime_confusion.png",
            caption="../report/regime_confusion.rst",
            category="{dataset}",
            subcategory="{surrogate}",
            labels={"dataset": "{dataset}", "surrogate": "{surrogate}", "seed": "{seed}",
                    "figure": "regime confusion"},
        ),
    params:
        train_values=lambda wildcards: dataset_config(wildcards)["train"]["values"],
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/plot_comparison.log",
    script:
        "../scripts/plot_comparison.py"


rule plot_fi_comparison:
    input:
        truth="results/{dataset}/truth/regimes.zarr",
        surrogate=f"{RUN}/regimes.zarr",
    output:
        report(
            f"{RUN}/figures/fi_curve.png",
            caption="../report/fi_comparison.rst",
            category="{dataset}",
            subcategory="{surrogate}",
            labels={"dataset": "{dataset}", "surrogate": "{surrogate}", "seed": "{seed}",
                    "figure": "f-I curve"},
        ),
    params:
        train_values=lambda wildcards: dataset_config(wildcards)["train"]["values"],
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/plot_fi_comparison.log",
    script:
        "../scripts/plot_fi_comparison.py"


rule plot_traces:
    input:
        truth_regimes="results/{dataset}/truth/regimes.zarr",
        truth_traces="results/{dataset}/truth/heldout.zarr",
        surrogate_regimes=f"{RUN}/regimes.zarr",
        surrogate_traces=f"{RUN}/sweep.zarr",
    output:
        report(
            f"{RUN}/figures/example_traces.png",
            caption="../report/example_traces.rst",
            category="{dataset}",
            subcategory="{surrogate}",
            labels={"dataset": "{dataset}", "surrogate": "{surrogate}", "seed": "{seed}",
                    "figure": "example traces"},
        ),
    params:
        train_values=lambda wildcards: dataset_config(wildcards)["train"]["values"],
    resources:
        mem_mb=4000,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/plot_traces.log",
    script:
        "../scripts/plot_traces.py"


rule plot_summary:
    input:
        lambda wildcards: dataset_targets(wildcards.dataset, f"{RUN}/metrics.json"),
    output:
        report(
            "results/{dataset}/figures/surrogate_summary.png",
            caption="../report/surrogate_summary.rst",
            category="{dataset}",
            subcategory="across seeds",
            labels={"dataset": "{dataset}", "figure": "summary across seeds"},
        ),
    params:
        control_unit=lambda wildcards: get_model(dataset_config(wildcards)["model"]).control.unit,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/plot_summary.log",
    script:
        "../scripts/plot_summary.py"


rule aggregate:
    input:
        lambda wildcards: surrogate_targets(f"{RUN}/metrics.json"),
    output:
        "results/summary.tsv",
    params:
        runs=surrogate_runs(),
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/aggregate.log",
    script:
        "../scripts/aggregate.py"
