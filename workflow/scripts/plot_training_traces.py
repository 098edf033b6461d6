"""Snakemake adapter: the training traces of a dataset with the command current under them."""

import sys

from neurorecon.figures.style import save
from neurorecon.figures.truth import training_traces_figure
from neurorecon.io.stores import read_dataset

sys.stderr = open(snakemake.log[0], "w", buffering=1)
save(training_traces_figure(read_dataset(snakemake.input[0], kind="trajectories")), snakemake.output[0])
