"""Snakemake adapter: metrics of one surrogate against the held-out truth."""

import sys

from neurorecon.evaluation.compare import compare_stores, excitability_comparison, summarise
from neurorecon.io.outputs import write_json
from neurorecon.io.stores import read_dataset, write_table
from neurorecon.surrogates.training_check import TrainingCheck

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
inputs = snakemake.input
truth_regimes = read_dataset(inputs.truth_regimes, kind="regimes")
surrogate_regimes = read_dataset(inputs.surrogate_regimes, kind="regimes")
per_param, transitions = compare_stores(
    truth_regimes,
    surrogate_regimes,
    read_dataset(inputs.truth_traces, kind="trajectories"),
    read_dataset(inputs.surrogate_traces, kind="trajectories"),
    train_values=snakemake.params.train_values,
)
summary = summarise(per_param, transitions)
summary.update(excitability_comparison(truth_regimes, surrogate_regimes))
summary.update({key: value for key, value in dict(snakemake.wildcards).items()})
summary["training_check_passed"] = TrainingCheck.read(inputs.check).passed
write_table(per_param, snakemake.output.table)
write_json(snakemake.output.summary, summary)
for key, value in summary.items():
    print(f"{key}: {value}")
