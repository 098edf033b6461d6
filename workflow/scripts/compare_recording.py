"""Snakemake adapter: a surrogate's predicted sweeps against the recording, step for step, with the
model-free baselines; the f–I and held-out sweep figures."""

import sys

from neurorecon.evaluation.recording import compare_recording
from neurorecon.figures.recording import fi_figure, overlay_sweeps, sweeps_figure
from neurorecon.figures.style import save
from neurorecon.io.outputs import write_json
from neurorecon.io.stores import read_dataset, write_table
from neurorecon.recordings.store import KIND, recording_from_dataset

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
recorded = recording_from_dataset(read_dataset(snakemake.input.recording, kind=KIND))
predicted = recording_from_dataset(read_dataset(snakemake.input.predicted, kind=KIND))
comparison = compare_recording(recorded, predicted, snakemake.params.train_values)
summary = {**comparison.metrics, **dict(snakemake.wildcards)}
write_table(comparison.steps, snakemake.output.steps)
write_json(snakemake.output.summary, summary)
label = f"{snakemake.wildcards.surrogate} (seed {snakemake.wildcards.seed})"
save(fi_figure(comparison, label), snakemake.output.fi)
save(sweeps_figure(recorded, predicted, overlay_sweeps(recorded, comparison.metrics["heldout_pA"]), label),
     snakemake.output.sweeps)
for key, value in summary.items():
    print(f"{key}: {value}")
