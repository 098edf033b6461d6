# Training, for any family: one job per run for the families without a rule file of their own
# (workflow/rules/surrogates/<family>.smk trains the others), and the family-independent check at
# the training values of every trained surrogate.

for _kind in ONE_JOB_KINDS:

    rule:
        name:
            f"train_{_kind}"
        input:
            train=training_store,
        output:
            checkpoint=f"{RUN}/surrogate.pt",
            metadata=f"{RUN}/surrogate.json",
            figures=[f"{RUN}/{figure}" for figure in get_family(_kind).figures],
        wildcard_constraints:
            surrogate=entries_of(_kind),
        params:
            kind=_kind,
            settings=lambda wildcards: surrogate_settings(wildcards),
            device=lambda wildcards: surrogate_config(wildcards)["device"],
        benchmark:
            training_benchmark("train")
        threads: 1
        resources:
            mem_mb=4000,
            runtime=120,
            gpu=lambda wildcards: surrogate_config(wildcards)["gpus"],
        conda:
            "../envs/neurorecon.yaml"
        log:
            "logs/{dataset}/{surrogate}/seed{seed}/train.log",
        script:
            "../scripts/train_surrogate.py"


rule check_training:
    input:
        checkpoint=f"{RUN}/surrogate.pt",
        train="results/{dataset}/truth/train.zarr",
    output:
        f"{RUN}/training_check.json",
    params:
        settings=lambda wildcards: surrogate_config(wildcards)["check"],
        device=lambda wildcards: surrogate_config(wildcards)["device"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=lambda wildcards: surrogate_config(wildcards)["gpus"],
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/{surrogate}/seed{seed}/check_training.log",
    script:
        "../scripts/check_training.py"
