"""Snakemake adapter: training curves of the neural map."""

import sys

from neurorecon.figures.style import save
from neurorecon.surrogates.training import read_curve
from neurorecon.surrogates.vae_map.figures import map_training_figure

sys.stderr = open(snakemake.log[0], "w", buffering=1)  # noqa: F821
w = snakemake.wildcards  # noqa: F821
figure = map_training_figure(read_curve(snakemake.input.curve), f"{w.dataset}, {w.surrogate}, seed {w.seed}")  # noqa: F821
save(figure, snakemake.output[0])  # noqa: F821
