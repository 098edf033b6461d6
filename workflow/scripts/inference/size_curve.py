"""Snakemake adapter: the training-set-size curve (test MAE per training-set size)."""

import sys

from neurorecon.inference.pipeline import size_curve
from neurorecon.inference.settings import InferenceSettings
from neurorecon.surrogates.training import limit_threads

sys.stderr = open(snakemake.log[0], "w", buffering=1)
settings = InferenceSettings.from_dict(snakemake.params.settings, where="inference")
limit_threads(min(snakemake.threads, settings.training.threads))
size_curve(list(snakemake.input.train), list(snakemake.input.test), settings, snakemake.output[0],
           progress=lambda line: print(line, file=sys.stderr))
