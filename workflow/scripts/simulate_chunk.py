"""Snakemake adapter: simulate one chunk of a dataset's control values into a trajectory store
(with the training split's step protocol, when the settings carry one; the twins of a population
dataset's g_s values, when they carry its population)."""

import sys

import numba

from neurorecon.config import config_hash, dic_population, simulation_spec
from neurorecon.io.stores import provenance
from neurorecon.simulate.population import simulate_population_to_store
from neurorecon.simulate.protocol import StepProtocol
from neurorecon.simulate.to_store import simulate_to_store

sys.stderr = open(snakemake.log[0], "w", buffering=1)
numba.set_num_threads(max(1, min(snakemake.threads, numba.config.NUMBA_NUM_THREADS)))

settings = snakemake.params.settings
spec = simulation_spec(settings, snakemake.params.values, seed=settings["seed"])
attrs = provenance(
    seed=settings["seed"],
    config_hash=config_hash(settings),
    rule=snakemake.rule,
    wildcards=dict(snakemake.wildcards),
)
protocol = settings.get("protocol")
population = settings.get("population")


def log(line):
    print(line, file=sys.stderr)


if population is not None:
    simulate_population_to_store(settings["model"], spec, dic_population(settings), settings["seed"],
                                 snakemake.output[0], attrs, progress=log)
else:
    simulate_to_store(settings["model"], spec, snakemake.output[0], attrs, progress=log,
                      protocol=None if protocol is None else StepProtocol.from_dict(protocol))
