"""Snakemake adapter: a trained surrogate's prediction of every sweep of a recording, each under
its own command current."""

import sys
from dataclasses import replace
from pathlib import Path

from neurorecon.io.stores import provenance, read_dataset, write_dataset
from neurorecon.recordings.store import KIND, recording_dataset, recording_from_dataset
from neurorecon.surrogates import load_surrogate
from neurorecon.surrogates.training import limit_threads

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
limit_threads(snakemake.threads)
surrogate = load_surrogate(Path(snakemake.input.checkpoint).parent, snakemake.params.device)
recording = recording_from_dataset(read_dataset(snakemake.input.recording, kind=KIND))
print(f"predicting {recording.n_sweeps} sweeps of {recording.voltage_mV.shape[1]} samples ({surrogate.family})")
predicted = surrogate.predict_sweeps(recording.voltage_mV, recording.current_pA)
if predicted is None:
    raise ValueError(f"family {surrogate.family!r} cannot predict recorded sweeps")
attrs = provenance(seed=int(snakemake.wildcards.seed), rule="predict_recording", wildcards=dict(snakemake.wildcards))
write_dataset(recording_dataset(replace(recording, voltage_mV=predicted), {**attrs, "predicted_by": surrogate.family}),
              snakemake.output[0], inputs=[snakemake.input.recording])
