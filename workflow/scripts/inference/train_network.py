"""Snakemake adapter: train the ISI network on the training chunks."""

import sys

from neurorecon.inference.pipeline import train_from_stores
from neurorecon.inference.settings import InferenceSettings
from neurorecon.surrogates.training import limit_threads

sys.stderr = open(snakemake.log[0], "w", buffering=1)
settings = InferenceSettings.from_dict(snakemake.params.settings, where="inference")
limit_threads(min(snakemake.threads, settings.training.threads))
train_from_stores(list(snakemake.input), settings, snakemake.output.checkpoint,
                  progress=lambda line: print(line, file=sys.stderr))
