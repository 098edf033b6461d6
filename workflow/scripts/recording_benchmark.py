"""Snakemake adapter: one row per (recording dataset, surrogate) over seeds, beside the baselines."""

import json
import sys
from pathlib import Path

from neurorecon.evaluation.recording import recording_table
from neurorecon.io.stores import write_table

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
table = recording_table([json.loads(Path(path).read_text()) for path in snakemake.input])
write_table(table, snakemake.output[0])
print(table.to_string(index=False))
