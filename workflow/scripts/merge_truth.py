"""Snakemake adapter: merge trajectory chunks of one dataset split into one store."""

import sys

from neurorecon.io.stores import provenance
from neurorecon.simulate.to_store import merge_stores

sys.stderr = open(snakemake.log[0], "w", buffering=1)
merge_stores(
    list(snakemake.input),
    snakemake.output[0],
    provenance_attrs=provenance(rule=snakemake.rule, wildcards=dict(snakemake.wildcards)),
)
print(f"merged {len(snakemake.input)} chunks into {snakemake.output[0]}", file=sys.stderr)
