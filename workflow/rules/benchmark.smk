# The benchmark: the nearest-training-value baseline of every dataset, the table across datasets and
# surrogates (any family), its figure and the report's landing block.


use rule classify_truth as classify_training with:
    input:
        "results/{dataset}/truth/train.zarr",
    output:
        regimes=directory("results/{dataset}/truth/train_regimes.zarr"),
        table="results/{dataset}/truth/train_regimes.tsv",
    log:
        "logs/{dataset}/classify_training.log",


rule baseline:
    input:
        truth_regimes="results/{dataset}/truth/regimes.zarr",
        truth_traces="results/{dataset}/truth/heldout.zarr",
        train_regimes="results/{dataset}/truth/train_regimes.zarr",
        train_traces="results/{dataset}/truth/train.zarr",
    output:
        table="results/{dataset}/baseline/metrics.tsv",
        summary="results/{dataset}/baseline/metrics.json",
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/baseline.log",
    script:
        "../scripts/baseline.py"


rule benchmark:
    input:
        baselines=expand("results/{dataset}/baseline/metrics.json", dataset=DATASETS),
        runs=surrogate_targets(f"{RUN}/metrics.json"),
    output:
        benchmark=report(
            "results/benchmark.tsv",
            caption="../report/benchmark_table.rst",
            category="benchmark",
            labels={"table": "benchmark (dataset × surrogate)"},
        ),
        transitions="results/benchmark_transitions.tsv",
        baseline="results/baseline.tsv",
    params:
        datasets=DATASETS,
        runs=surrogate_runs(),
        families={name: config["surrogates"][name]["kind"] for name in SURROGATES},  # sorted: stable params
        units=dataset_units(),
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/benchmark.log",
    script:
        "../scripts/benchmark.py"


rule plot_benchmark:
    input:
        unpack(recordings_table),
        benchmark="results/benchmark.tsv",
        transitions="results/benchmark_transitions.tsv",
        baseline="results/baseline.tsv",
    output:
        figure=report(
            "results/benchmark.png",
            caption="../report/benchmark.rst",
            category="benchmark",
            labels={"figure": "benchmark: agreement and transitions"},
        ),
        landing="results/benchmark_landing.rst",
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/plot_benchmark.log",
    script:
        "../scripts/plot_benchmark.py"


rule plot_training_values:
    input:
        benchmark="results/benchmark.tsv",
        transitions="results/benchmark_transitions.tsv",
        baseline="results/baseline.tsv",
    output:
        table="results/{dataset}/training_values.tsv",
        figure=report(
            "results/{dataset}/training_values.png",
            caption="../report/training_values.rst",
            category="benchmark",
            subcategory="how many training values",
            labels={"dataset": "{dataset}"},
        ),
    params:
        designs=lambda wildcards: design_settings(wildcards.dataset),
        unit=lambda wildcards: dataset_units()[wildcards.dataset]["control"],
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/plot_training_values.log",
    script:
        "../scripts/plot_training_values.py"
