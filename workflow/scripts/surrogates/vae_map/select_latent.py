"""Snakemake adapter: choose the latent dimension from the VAE curves and plot the selection."""

import sys

from neurorecon.figures.style import save
from neurorecon.surrogates.vae_map.figures import latent_selection_figure, read_curves
from neurorecon.surrogates.vae_map.settings import LatentSelection
from neurorecon.surrogates.vae_map.stages import select_latent

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
curves = list(snakemake.input)
choice = select_latent(
    curves, LatentSelection.from_dict(snakemake.params.settings, where="latent"),
    out_json=snakemake.output.choice,
)
print(f"chosen latent dimension d = {choice.latent_dim}; levels {choice.levels}")
w = snakemake.wildcards
title = f"{w.dataset}, {w.surrogate}, seed {w.seed}"
save(latent_selection_figure(read_curves(curves), choice, title), snakemake.output.figure)
