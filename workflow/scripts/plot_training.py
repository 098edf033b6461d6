"""Snakemake adapter: training curves of the neural map."""

import sys

from neurorecon import plots
from neurorecon.surrogates.plots import map_training_figure
from neurorecon.training import read_curve

sys.stderr = open(snakemake.log[0], "w", buffering=1)  # noqa: F821
w = snakemake.wildcards  # noqa: F821
figure = map_training_figure(read_curve(snakemake.input.curve), f"{w.dataset}, {w.surrogate}, seed {w.seed}")  # noqa: F821
plots.save(figure, snakemake.output[0])  # noqa: F821
