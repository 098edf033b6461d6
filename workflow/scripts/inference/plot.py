"""Snakemake adapter: the inference figures (scatter per regime, error plane, twin trains, regime map)."""

import sys
from pathlib import Path

from neurorecon.inference.pipeline import write_figures

sys.stderr = open(snakemake.log[0], "w", buffering=1)
write_figures(snakemake.input.predictions, snakemake.input.twins, list(snakemake.input.test),
              Path(snakemake.output[0]).parent)
