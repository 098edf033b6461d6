"""Snakemake adapter: train the neural map on the states of the selected VAE."""

import json
import logging
import sys
from pathlib import Path

from neurorecon.surrogates.training import limit_threads
from neurorecon.surrogates.vae_map.settings import MapSettings
from neurorecon.surrogates.vae_map.stages import train_map

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
logging.basicConfig(stream=sys.stdout, format="%(message)s")
logging.getLogger("neurorecon").setLevel(logging.INFO)  # e.g. "resuming from epoch k"
limit_threads(snakemake.threads)
latent_dim = json.loads(Path(snakemake.input.choice).read_text())["latent_dim"]
vae = next(path for path in snakemake.input.vae if Path(path).parent.name == f"d{latent_dim}")
print(f"selected latent dimension d = {latent_dim}: {vae}")
outputs = train_map(
    snakemake.input.train,
    vae_checkpoint=vae,
    settings=MapSettings.from_dict(snakemake.params.settings, where="map"),
    seed=int(snakemake.wildcards.seed),
    device=snakemake.params.device,
    out_dir=Path(snakemake.output.curve).parent,
    progress=lambda record: print(record.line()),
    checkpoint=Path(snakemake.output.checkpoint).with_suffix(""),
)
print(json.dumps(outputs.report, indent=1, default=str))
