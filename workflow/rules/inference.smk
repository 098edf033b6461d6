# Spike-time inference of DICs (issue 17), opt-in: only with an `inference` block in the config.
# Training and test data in chunks (one job each), the network trained on the training chunks,
# evaluated on the test chunks (separate seed), the training-set-size curve and the figures.
# Science in neurorecon.inference; settings validated by neurorecon.config (InferenceSettings).

rule dic_data_chunk:
    output:
        directory(f"{INFERENCE}/data/{{part}}-{{chunk}}.zarr"),
    wildcard_constraints:
        part="train|test",
    params:
        sampling=lambda wildcards: config["inference"]["sampling"],
        n=lambda wildcards: config["inference"]["chunk_size"],
        seed=lambda wildcards: config["inference"]["seed" if wildcards.part == "train" else "test_seed"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/inference/dic_data_chunk/{part}-{chunk}.log",
    script:
        "../scripts/inference/data_chunk.py"


rule train_dic_network:
    input:
        lambda wildcards: inference_chunks("train"),
    output:
        checkpoint=f"{INFERENCE}/network.pt",
        metadata=f"{INFERENCE}/network.json",
    params:
        settings=lambda wildcards: inference_settings(),
    benchmark:
        "logs/inference/train_dic_network.benchmark.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=240,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/inference/train_dic_network.log",
    script:
        "../scripts/inference/train_network.py"


rule evaluate_dic_network:
    input:
        network=f"{INFERENCE}/network.pt",
        test=lambda wildcards: inference_chunks("test"),
    output:
        predictions=f"{INFERENCE}/evaluation/test_predictions.tsv",
        metrics=f"{INFERENCE}/evaluation/metrics.tsv",
        twin_check=f"{INFERENCE}/evaluation/twin_check.tsv",
        twins=directory(f"{INFERENCE}/evaluation/twins.zarr"),
        summary=f"{INFERENCE}/evaluation/summary.json",
    params:
        settings=lambda wildcards: inference_settings(),
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/inference/evaluate_dic_network.log",
    script:
        "../scripts/inference/evaluate_network.py"


rule dic_size_curve:
    input:
        train=lambda wildcards: inference_chunks("train"),
        test=lambda wildcards: inference_chunks("test"),
    output:
        f"{INFERENCE}/size_curve.tsv",
    params:
        settings=lambda wildcards: inference_settings(),
    threads: 1
    resources:
        mem_mb=4000,
        runtime=480,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/inference/dic_size_curve.log",
    script:
        "../scripts/inference/size_curve.py"


rule plot_dic_inference:
    input:
        predictions=f"{INFERENCE}/evaluation/test_predictions.tsv",
        twins=f"{INFERENCE}/evaluation/twins.zarr",
        test=lambda wildcards: inference_chunks("test"),
    output:
        [f"{INFERENCE}/figures/{name}.png" for name in
         ("dic_prediction_scatter", "dic_error_plane", "dic_twin_trains", "dic_test_regimes")],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/inference/plot_dic_inference.log",
    script:
        "../scripts/inference/plot.py"
