"""Snakemake adapter: train a surrogate of a family that trains in one job (no rule file of its own)."""

import sys
from pathlib import Path

from neurorecon.surrogates.registry import get_family
from neurorecon.surrogates.training import limit_threads

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)  # noqa: F821
limit_threads(snakemake.threads)  # noqa: F821
family = get_family(snakemake.params.kind)  # noqa: F821
settings = family.settings_type.from_dict(snakemake.params.settings, where="settings")  # noqa: F821
family.surrogate_type.train(
    Path(snakemake.input.train),  # noqa: F821
    settings,
    int(snakemake.wildcards.seed),  # noqa: F821
    snakemake.params.device,  # noqa: F821
    Path(snakemake.output.checkpoint).parent,  # noqa: F821
    print,
)
