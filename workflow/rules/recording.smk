# Recording datasets (kind: recording): the recorded sweeps at the surrogates' sampling rate, the
# training sweeps, each run's prediction of every sweep under its own command current, and the
# step-for-step comparison with the recording beside the interpolation / extrapolation baselines.


rule import_recording:
    input:
        source=lambda wildcards: config["datasets"][wildcards.dataset]["source"],
    output:
        recording=directory("results/{dataset}/recording/recording.zarr"),
        train=directory("results/{dataset}/recording/train.zarr"),
        features="results/{dataset}/recording/features.tsv",
    wildcard_constraints:
        dataset="|".join(RECORDINGS) or NO_MATCH,
    params:
        settings=recording_config,
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/import_recording.log",
    script:
        "../scripts/import_recording.py"


rule predict_recording:
    input:
        checkpoint=f"{RUN}/surrogate.pt",
        recording="results/{dataset}/recording/recording.zarr",
    output:
        directory(f"{RUN}/predicted.zarr"),
    wildcard_constraints:
        dataset="|".join(RECORDINGS) or NO_MATCH,
    params:
        device=lambda wildcards: surrogate_config(wildcards)["device"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=lambda wildcards: surrogate_config(wildcards)["gpus"],
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/predict_recording.log",
    script:
        "../scripts/predict_recording.py"


rule compare_recording:
    input:
        recording="results/{dataset}/recording/recording.zarr",
        predicted=f"{RUN}/predicted.zarr",
    output:
        steps=f"{RUN}/steps.tsv",
        summary=f"{RUN}/metrics.json",
        fi=report(
            f"{RUN}/figures/fi_curve.png",
            caption="../report/recording_fi_curve.rst",
            category="{dataset}",
            subcategory="{surrogate}",
            labels={"dataset": "{dataset}", "surrogate": "{surrogate}", "seed": "{seed}",
                    "figure": "f-I curve against the baselines"},
        ),
        sweeps=report(
            f"{RUN}/figures/heldout_sweeps.png",
            caption="../report/recording_sweeps.rst",
            category="{dataset}",
            subcategory="{surrogate}",
            labels={"dataset": "{dataset}", "surrogate": "{surrogate}", "seed": "{seed}",
                    "figure": "held-out sweeps"},
        ),
    wildcard_constraints:
        dataset="|".join(RECORDINGS) or NO_MATCH,
    params:
        train_values=lambda wildcards: config["datasets"][wildcards.dataset]["train"]["values"],
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/compare_recording.log",
    script:
        "../scripts/compare_recording.py"


rule recording_benchmark:
    input:
        lambda wildcards: recording_targets(f"{RUN}/metrics.json"),
    output:
        report(
            "results/recordings.tsv",
            caption="../report/recordings_table.rst",
            category="Benchmark",
            labels={"figure": "recording datasets"},
        ),
    params:
        runs=recording_runs(),
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/recording_benchmark.log",
    script:
        "../scripts/recording_benchmark.py"
