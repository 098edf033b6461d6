# neurorecon: reconstruct neuron dynamics from one observed variable and map their regimes.
# Thin entry point: config, validation, rule files, target list. Science lives in src/neurorecon.
import snakemake

from neurorecon.config import ConfigError, load_yaml, validate_config
from neurorecon.evaluation import run_record

_PARSED = run_record.now()  # start of the run's record (below)

configfile: "config/config.yaml"


try:
    for _path in workflow.configfiles:  # Snakemake's loader keeps the last of repeated keys
        load_yaml(_path)
    _validated = validate_config(config)
except ConfigError as error:
    raise WorkflowError(f"invalid configuration: {error}") from None
config.clear()
config.update(_validated)


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/analyse.smk"
include: "workflow/rules/train.smk"


for _kind in KINDS:
    if family_rule_file(_kind):

        include: family_rule_file(_kind)


include: "workflow/rules/sweep.smk"
include: "workflow/rules/benchmark.smk"
include: "workflow/rules/recording.smk"
include: "workflow/rules/inference.smk"


# The record of the run (results/workflow_run.json: start, end, wall time, machine), written after
# an invocation that ran jobs and succeeded (onstart: jobs are about to run; a dry run or one with
# nothing to do keeps the earlier record); jobs on a cluster node (remote execution) skip it. The
# wall time counts from reading this file, so building the job graph is included.
_RAN_JOBS = []


onstart:
    _RAN_JOBS.append(True)


onsuccess:
    if _RAN_JOBS and not workflow.remote_exec:
        run_record.write_run_record(
            "results/workflow_run.json",
            _PARSED,
            run_record.now(),
            jobs=sum(1 for _ in workflow.dag.finished_jobs),
            cores=workflow.resource_settings.cores,  # None without --cores (a cluster executor)
            configfiles=list(workflow.configfiles),
            snakemake_version=snakemake.__version__,
        )


rule all:
    input:
        truth_stores(),
        expand("results/{dataset}/truth/regimes.tsv", dataset=DATASETS + POPULATIONS),
        expand("results/{dataset}/truth/dic_regimes.tsv", dataset=POPULATIONS),
        truth_figures(),
        surrogate_outputs(),
        recording_outputs(),
        benchmark_outputs(),
        training_values_outputs(),
        inference_outputs(),
    default_target: True
