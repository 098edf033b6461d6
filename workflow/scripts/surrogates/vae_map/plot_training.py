"""Snakemake adapter: training curves of the neural map."""

import sys

from neurorecon.figures.style import save
from neurorecon.surrogates.training import read_curve
from neurorecon.surrogates.vae_map.figures import map_training_figure

sys.stderr = open(snakemake.log[0], "w", buffering=1)
w = snakemake.wildcards
figure = map_training_figure(read_curve(snakemake.input.curve), f"{w.dataset}, {w.surrogate}, seed {w.seed}")
save(figure, snakemake.output[0])
