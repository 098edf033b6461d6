"""Snakemake adapter: truth and surrogate traces side by side at a few held-out control values."""

import sys

from neurorecon.figures.comparison import example_traces_figure
from neurorecon.figures.style import save
from neurorecon.io.stores import read_dataset

sys.stderr = open(snakemake.log[0], "w", buffering=1)
w = snakemake.wildcards
inputs = snakemake.input
figure = example_traces_figure(
    read_dataset(inputs.truth_traces, kind="trajectories"),
    read_dataset(inputs.surrogate_traces, kind="trajectories"),
    read_dataset(inputs.truth_regimes, kind="regimes"),
    read_dataset(inputs.surrogate_regimes, kind="regimes"),
    snakemake.params.train_values,
    label=f"{w.surrogate} (seed {w.seed})",
)
save(figure, snakemake.output[0])
