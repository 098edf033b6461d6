"""Snakemake adapter: one chunk of (ISI sequence, g_s, g_u) examples as a spike-set store."""

import sys

import numba

from neurorecon.config import config_hash
from neurorecon.inference.data import write_chunk
from neurorecon.inference.settings import SamplingSettings
from neurorecon.io.stores import provenance

sys.stderr = open(snakemake.log[0], "w", buffering=1)
numba.set_num_threads(max(1, min(snakemake.threads, numba.config.NUMBA_NUM_THREADS)))
sampling = SamplingSettings.from_dict(snakemake.params.sampling, where="inference.sampling")
attrs = provenance(seed=snakemake.params.seed, config_hash=config_hash(snakemake.params.sampling),
                   rule=snakemake.rule, wildcards=dict(snakemake.wildcards))
write_chunk(sampling, snakemake.params.n, snakemake.params.seed, int(snakemake.wildcards.chunk), snakemake.output[0],
            attrs, progress=lambda line: print(line, file=sys.stderr))
