# Family vae_map: one VAE job per (seed, latent dimension), the latent choice, the map, its curves.
# Matches only surrogate entries of kind vae_map; writes the run's surrogate.pt/.json at {RUN}.

VAE_MAP = entries_of("vae_map")


rule train_vae:
    input:
        "results/{dataset}/truth/train.zarr",
    output:
        checkpoint=f"{RUN}/vae/d{{dim}}/vae.pt",
        metadata=f"{RUN}/vae/d{{dim}}/vae.json",
        curve=f"{RUN}/vae/d{{dim}}/vae_curve.tsv",
    wildcard_constraints:
        surrogate=VAE_MAP,
    params:
        settings=lambda wildcards: surrogate_settings(wildcards)["vae"],
        device=lambda wildcards: surrogate_config(wildcards)["device"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=lambda wildcards: surrogate_config(wildcards)["gpus"],
    conda:
        "../../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/train_vae_d{dim}.log",
    benchmark:
        training_benchmark("train_vae_d{dim}")
    script:
        "../../scripts/surrogates/vae_map/train_vae.py"


rule select_latent:
    input:
        lambda w: expand(f"{RUN}/vae/d{{dim}}/vae_curve.tsv", **w, dim=surrogate_settings(w)["latent"]["dims"]),
    output:
        choice=f"{RUN}/latent.json",
        figure=report(
            f"{RUN}/figures/latent_selection.png",
            caption="../../report/latent_selection.rst",
            category="{dataset}",
            subcategory="{surrogate}",
            labels={"dataset": "{dataset}", "surrogate": "{surrogate}", "seed": "{seed}",
                    "figure": "latent selection"},
        ),
    wildcard_constraints:
        surrogate=VAE_MAP,
    params:
        settings=lambda wildcards: surrogate_settings(wildcards)["latent"],
    conda:
        "../../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/select_latent.log",
    benchmark:
        training_benchmark("select_latent")
    script:
        "../../scripts/surrogates/vae_map/select_latent.py"


rule train_map:
    input:
        train="results/{dataset}/truth/train.zarr",
        choice=f"{RUN}/latent.json",
        vae=lambda w: expand(f"{RUN}/vae/d{{dim}}/vae.pt", **w, dim=surrogate_settings(w)["latent"]["dims"]),
    output:
        checkpoint=f"{RUN}/surrogate.pt",
        metadata=f"{RUN}/surrogate.json",
        curve=f"{RUN}/map/map_curve.tsv",
        check=f"{RUN}/map/rollout_check.json",
    wildcard_constraints:
        surrogate=VAE_MAP,
    params:
        settings=lambda wildcards: surrogate_settings(wildcards)["map"],
        device=lambda wildcards: surrogate_config(wildcards)["device"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=lambda wildcards: surrogate_config(wildcards)["gpus"],
    conda:
        "../../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/train_map.log",
    benchmark:
        training_benchmark("train_map")
    script:
        "../../scripts/surrogates/vae_map/train_map.py"


rule plot_training:
    input:
        curve=f"{RUN}/map/map_curve.tsv",
    output:
        report(
            f"{RUN}/figures/training_curves.png",
            caption="../../report/training_curves.rst",
            category="{dataset}",
            subcategory="{surrogate}",
            labels={"dataset": "{dataset}", "surrogate": "{surrogate}", "seed": "{seed}",
                    "figure": "training curves"},
        ),
    wildcard_constraints:
        surrogate=VAE_MAP,
    conda:
        "../../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/plot_training.log",
    script:
        "../../scripts/surrogates/vae_map/plot_training.py"
