"""Snakemake adapter: merge trajectory chunks of one dataset split into one store."""

import sys

from neurorecon.io.stores import provenance
from neurorecon.simulate.to_store import merge_stores

sys.stderr = open(snakemake.log[0], "w", buffering=1)  # noqa: F821
merge_stores(
    list(snakemake.input),  # noqa: F821
    snakemake.output[0],  # noqa: F821
    provenance_attrs=provenance(rule=snakemake.rule, wildcards=dict(snakemake.wildcards)),  # noqa: F821
)
print(f"merged {len(snakemake.input)} chunks into {snakemake.output[0]}", file=sys.stderr)  # noqa: F821
