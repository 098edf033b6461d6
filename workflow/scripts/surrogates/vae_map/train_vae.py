"""Snakemake adapter: train the VAE of one latent dimension and seed on the training store."""

import logging
import sys
from pathlib import Path

from neurorecon.surrogates.training import limit_threads
from neurorecon.surrogates.vae_map.settings import VaeSettings
from neurorecon.surrogates.vae_map.stages import train_vae

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
logging.basicConfig(stream=sys.stdout, format="%(message)s")
logging.getLogger("neurorecon").setLevel(logging.INFO)  # e.g. "resuming from epoch k"
limit_threads(snakemake.threads)
train_vae(
    snakemake.input[0],
    latent_dim=int(snakemake.wildcards.dim),
    settings=VaeSettings.from_dict(snakemake.params.settings, where="vae"),
    seed=int(snakemake.wildcards.seed),
    device=snakemake.params.device,
    out_dir=Path(snakemake.output.checkpoint).parent,
    progress=lambda record: print(record.line()),
)
