"""Snakemake adapter: the training-values study of one base dataset (table and figure)."""

import sys

from neurorecon.evaluation.benchmark import read_benchmark
from neurorecon.evaluation.training_values import Design, training_values_table, transition_errors
from neurorecon.figures.style import save
from neurorecon.figures.training_values import training_values_figure
from neurorecon.io.stores import write_table

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
inputs, base = snakemake.input, snakemake.wildcards.dataset
study = {base: [Design(base, entry["count"], entry["dataset"], tuple(entry["values"]))
                for entry in snakemake.params.designs]}
bench = read_benchmark(inputs.benchmark, inputs.transitions, inputs.baseline)
table = training_values_table(bench, study)
print(table.to_string(index=False))
write_table(table, snakemake.output.table)
save(training_values_figure(table, transition_errors(bench, study), base, snakemake.params.unit),
     snakemake.output.figure)
