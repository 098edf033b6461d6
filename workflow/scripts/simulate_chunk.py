"""Snakemake adapter: simulate one chunk of a dataset's control values into a trajectory store."""

import sys

import numba

from neurorecon.config import config_hash, simulation_spec
from neurorecon.io.stores import provenance
from neurorecon.simulate.to_store import simulate_to_store

sys.stderr = open(snakemake.log[0], "w", buffering=1)  # noqa: F821
numba.set_num_threads(max(1, min(snakemake.threads, numba.config.NUMBA_NUM_THREADS)))  # noqa: F821

settings = snakemake.params.settings  # noqa: F821
spec = simulation_spec(settings, snakemake.params.values, seed=settings["seed"])  # noqa: F821
attrs = provenance(
    seed=settings["seed"],
    config_hash=config_hash(settings),
    rule=snakemake.rule,  # noqa: F821
    wildcards=dict(snakemake.wildcards),  # noqa: F821
)
simulate_to_store(
    settings["model"], spec, snakemake.output[0], attrs,  # noqa: F821
    progress=lambda line: print(line, file=sys.stderr),
)
