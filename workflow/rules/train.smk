# Surrogate training: one VAE job per (seed, latent dimension), latent selection, map training.


rule train_vae:
    input:
        "results/{dataset}/truth/train.zarr",
    output:
        checkpoint="results/{dataset}/{surrogate}/seed{seed}/vae/d{dim}/vae.pt",
        metadata="results/{dataset}/{surrogate}/seed{seed}/vae/d{dim}/vae.json",
        curve="results/{dataset}/{surrogate}/seed{seed}/vae/d{dim}/vae_curve.tsv",
    params:
        settings=lambda wildcards: surrogate_settings(wildcards)["vae"],
        device=lambda wildcards: surrogate_config(wildcards)["device"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=lambda wildcards: surrogate_config(wildcards)["gpus"],
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/train_vae_d{dim}.log",
    script:
        "../scripts/train_vae.py"


rule select_latent:
    input:
        latent_curves,
    output:
        choice="results/{dataset}/{surrogate}/seed{seed}/latent.json",
        figure=report(
            "results/{dataset}/{surrogate}/seed{seed}/figures/latent_selection.png",
            caption="../report/latent_selection.rst",
            category="{dataset}",
            subcategory="{surrogate}",
            labels={"dataset": "{dataset}", "surrogate": "{surrogate}", "seed": "{seed}",
                    "figure": "latent selection"},
        ),
    params:
        settings=lambda wildcards: surrogate_settings(wildcards)["latent"],
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/select_latent.log",
    script:
        "../scripts/select_latent.py"


rule train_map:
    input:
        train="results/{dataset}/truth/train.zarr",
        choice="results/{dataset}/{surrogate}/seed{seed}/latent.json",
        vae=latent_checkpoints,
    output:
        checkpoint="results/{dataset}/{surrogate}/seed{seed}/map/surrogate.pt",
        metadata="results/{dataset}/{surrogate}/seed{seed}/map/surrogate.json",
        curve="results/{dataset}/{surrogate}/seed{seed}/map/map_curve.tsv",
        check="results/{dataset}/{surrogate}/seed{seed}/map/rollout_check.json",
    params:
        settings=lambda wildcards: surrogate_settings(wildcards)["map"],
        device=lambda wildcards: surrogate_config(wildcards)["device"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=lambda wildcards: surrogate_config(wildcards)["gpus"],
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/train_map.log",
    script:
        "../scripts/train_map.py"


rule plot_training:
    input:
        curve="results/{dataset}/{surrogate}/seed{seed}/map/map_curve.tsv",
    output:
        report(
            "results/{dataset}/{surrogate}/seed{seed}/figures/training_curves.png",
            caption="../report/training_curves.rst",
            category="{dataset}",
            subcategory="{surrogate}",
            labels={"dataset": "{dataset}", "surrogate": "{surrogate}", "seed": "{seed}",
                    "figure": "training curves"},
        ),
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/plot_training.log",
    script:
        "../scripts/plot_training.py"
