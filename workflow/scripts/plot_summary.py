"""Snakemake adapter: headline metrics of every surrogate run of one dataset, across seeds."""

import json
import sys
from pathlib import Path

from neurorecon.figures.style import save
from neurorecon.figures.summary import seed_summary_figure

sys.stderr = open(snakemake.log[0], "w", buffering=1)
summaries = [json.loads(Path(path).read_text()) for path in snakemake.input]
figure = seed_summary_figure(summaries, snakemake.params.control_unit, snakemake.wildcards.dataset)
save(figure, snakemake.output[0])
