# neurorecon: reconstruct neuron dynamics from one observed variable and map their regimes.
# Thin entry point: config, validation, rule files, target list. Science lives in src/neurorecon.
from neurorecon.config import ConfigError, load_yaml, validate_config


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


rule all:
    input:
        truth_stores(),
        expand("results/{dataset}/truth/regimes.tsv", dataset=DATASETS),
        truth_figures(),
        surrogate_outputs(),
    default_target: True
