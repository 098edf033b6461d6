"""Snakemake adapter: summary table across datasets, surrogates and seeds (median and spread)."""

import sys

from neurorecon.evaluation.aggregate import aggregate_summaries
from neurorecon.io.stores import write_table

sys.stderr = open(snakemake.log[0], "w", buffering=1)
table = aggregate_summaries(list(snakemake.input))
write_table(table, snakemake.output[0])
print(table.to_string(), file=sys.stderr)
