# Regimes of the held-out ground truth, and their figures; a population's regime map against the DIC
# prediction.


rule classify_truth:
    input:
        "results/{dataset}/truth/heldout.zarr",
    output:
        regimes=directory("results/{dataset}/truth/regimes.zarr"),
        table="results/{dataset}/truth/regimes.tsv",
    params:
        lyapunov=estimates_lyapunov,
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/classify_truth.log",
    script:
        "../scripts/classify.py"


rule plot_truth:
    input:
        "results/{dataset}/truth/regimes.zarr",
    output:
        bifurcation=report(
            "results/{dataset}/figures/truth_bifurcation.png",
            caption="../report/bifurcation.rst",
            category="{dataset}",
            subcategory="ground truth",
            labels={"dataset": "{dataset}", "figure": "bifurcation diagram"},
        ),
        regimes=report(
            "results/{dataset}/figures/truth_regimes.png",
            caption="../report/regime_strip.rst",
            category="{dataset}",
            subcategory="ground truth",
            labels={"dataset": "{dataset}", "figure": "regime strip"},
        ),
        lyapunov=report(
            "results/{dataset}/figures/truth_lyapunov.png",
            caption="../report/lyapunov.rst",
            category="{dataset}",
            subcategory="ground truth",
            labels={"dataset": "{dataset}", "figure": "largest Lyapunov exponent"},
        ),
    params:
        train_values=train_values,
    wildcard_constraints:
        dataset="|".join(DATASETS) or NO_MATCH,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/plot_truth.log",
    script:
        "../scripts/plot_truth.py"


# A population's truth is classified without Lyapunov exponents (estimates_lyapunov): no Lyapunov figure.
use rule plot_truth as plot_population_truth with:
    output:
        bifurcation=report(
            "results/{dataset}/figures/truth_bifurcation.png",
            caption="../report/bifurcation.rst",
            category="{dataset}",
            subcategory="ground truth",
            labels={"dataset": "{dataset}", "figure": "bifurcation diagram"},
        ),
        regimes=report(
            "results/{dataset}/figures/truth_regimes.png",
            caption="../report/regime_strip.rst",
            category="{dataset}",
            subcategory="ground truth",
            labels={"dataset": "{dataset}", "figure": "regime strip"},
        ),
    wildcard_constraints:
        dataset="|".join(POPULATIONS) or NO_MATCH,
    log:
        "logs/{dataset}/plot_truth.log",


rule plot_fi_curve:
    input:
        "results/{dataset}/truth/regimes.zarr",
    output:
        report(
            "results/{dataset}/figures/truth_fi_curve.png",
            caption="../report/fi_curve.rst",
            category="{dataset}",
            subcategory="ground truth",
            labels={"dataset": "{dataset}", "figure": "f-I curve"},
        ),
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/plot_fi_curve.log",
    script:
        "../scripts/plot_fi_curve.py"


rule plot_training_traces:
    input:
        "results/{dataset}/truth/train.zarr",
    output:
        report(
            "results/{dataset}/figures/truth_training.png",
            caption="../report/training_traces.rst",
            category="{dataset}",
            subcategory="ground truth",
            labels={"dataset": "{dataset}", "figure": "training protocol"},
        ),
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/plot_training_traces.log",
    script:
        "../scripts/plot_training_traces.py"


rule dic_regimes:
    input:
        "results/{dataset}/truth/regimes.zarr",
    output:
        table="results/{dataset}/truth/dic_regimes.tsv",
        figure=report(
            "results/{dataset}/figures/truth_dic_regimes.png",
            caption="../report/dic_regimes.rst",
            category="{dataset}",
            subcategory="ground truth",
            labels={"dataset": "{dataset}", "figure": "regime map against the DIC prediction"},
        ),
    wildcard_constraints:
        dataset="|".join(POPULATIONS) or NO_MATCH,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/dic_regimes.log",
    script:
        "../scripts/dic_regimes.py"
