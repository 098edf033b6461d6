"""Snakemake adapter: train a surrogate of a family that trains in one job (no rule file of its own)."""

import sys
from pathlib import Path

from neurorecon.surrogates.registry import get_family
from neurorecon.surrogates.training import limit_threads

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
limit_threads(snakemake.threads)
family = get_family(snakemake.params.kind)
settings = family.settings_type.from_dict(snakemake.params.settings, where="settings")
family.surrogate_type.train(
    Path(snakemake.input.train),
    settings,
    int(snakemake.wildcards.seed),
    snakemake.params.device,
    Path(snakemake.output.checkpoint).parent,
    print,
)
