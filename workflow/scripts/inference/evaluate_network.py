"""Snakemake adapter: predict the test chunks, score them, run the twin check."""

import sys
from pathlib import Path

from neurorecon.inference.pipeline import evaluate_network
from neurorecon.inference.settings import InferenceSettings
from neurorecon.io.stores import provenance
from neurorecon.surrogates.training import limit_threads

sys.stderr = open(snakemake.log[0], "w", buffering=1)
settings = InferenceSettings.from_dict(snakemake.params.settings, where="inference")
limit_threads(snakemake.threads)
evaluate_network(snakemake.input.network, list(snakemake.input.test), settings,
                 Path(snakemake.output.summary).parent, progress=lambda line: print(line, file=sys.stderr),
                 attrs=provenance(seed=settings.twins.seed, rule=snakemake.rule))
