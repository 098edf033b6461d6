"""Snakemake adapter: score the nearest-training-value baseline against the held-out truth."""

import sys

from neurorecon.evaluation.baseline import score_baseline
from neurorecon.io.outputs import write_json
from neurorecon.io.stores import read_dataset, write_table
from neurorecon.simulate.protocol import constant_control

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
inputs = snakemake.input
per_param, transitions, summary = score_baseline(
    read_dataset(inputs.truth_regimes, kind="regimes"),
    read_dataset(inputs.truth_traces, kind="trajectories"),
    read_dataset(inputs.train_regimes, kind="regimes"),
    constant_control(read_dataset(inputs.train_traces, kind="trajectories")),
)
summary["dataset"] = snakemake.wildcards.dataset
write_table(per_param, snakemake.output.table)
write_json(snakemake.output.summary, summary)
for key, value in summary.items():
    print(f"{key}: {value}")
