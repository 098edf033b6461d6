"""Snakemake adapter: a recording dataset's sweeps at the surrogates' rate, its training sweeps,
and the features of every step."""

import sys

from neurorecon.io.stores import provenance, write_dataset, write_table
from neurorecon.recordings.features import features_table, step_features
from neurorecon.recordings.read import read_recording
from neurorecon.recordings.split import resample, select_sweeps, split_sweeps
from neurorecon.recordings.store import recording_dataset

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
settings = snakemake.params.settings
source = snakemake.input.source
recording = read_recording(source, settings["channel"])
resampled = resample(recording, settings["rate_hz"])
split = split_sweeps(resampled, settings["train_values"])
print(f"{recording.file_name}: {recording.n_sweeps} sweeps at {recording.rate_hz:g} Hz -> {resampled.rate_hz:g} Hz; "
      f"training sweeps {list(split.train)}, held out {list(split.heldout)}")
attrs = provenance(rule="import_recording", wildcards=dict(snakemake.wildcards))
write_dataset(recording_dataset(resampled, attrs), snakemake.output.recording, inputs=[source])
write_dataset(recording_dataset(select_sweeps(resampled, split.train), attrs), snakemake.output.train, inputs=[source])
write_table(features_table(step_features(resampled)), snakemake.output.features)
