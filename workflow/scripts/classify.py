"""Snakemake adapter: classify a trajectory store (a protocol store: its step epochs) into a regime
store and a tidy table."""

import sys

import numba

from neurorecon.analysis import classify_store, regime_table, summary_lines
from neurorecon.io.stores import provenance, read_dataset, write_dataset, write_table
from neurorecon.simulate.protocol import constant_control

sys.stderr = open(snakemake.log[0], "w", buffering=1)
numba.set_num_threads(max(1, min(snakemake.threads, numba.config.NUMBA_NUM_THREADS)))


def log(line):
    print(line, file=sys.stderr)


# a step-protocol training store is classified on its last step epochs (constant current each)
trajectories = constant_control(read_dataset(snakemake.input[0], kind="trajectories"))
regimes = classify_store(trajectories, lyapunov=snakemake.params.lyapunov, progress=log)
regimes.attrs.update(
    provenance(
        seed=trajectories.attrs.get("seed"),
        config_hash=trajectories.attrs.get("config_hash", ""),
        rule=snakemake.rule,
        wildcards=dict(snakemake.wildcards),
    )
)
for line in summary_lines(regimes):
    log(line)
write_table(regime_table(regimes), snakemake.output.table)
write_dataset(regimes, snakemake.output.regimes)
