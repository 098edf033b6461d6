"""Snakemake adapter: the benchmark figure and the report's landing block (table, figure, verdicts)."""

import sys
from pathlib import Path

import pandas as pd

from neurorecon.evaluation.benchmark import dataset_verdicts, read_benchmark
from neurorecon.evaluation.landing import landing_rst
from neurorecon.evaluation.recording import recording_verdicts
from neurorecon.figures.benchmark import benchmark_figure
from neurorecon.figures.style import save
from neurorecon.io.outputs import file_output, write_bytes

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
inputs = snakemake.input
bench = read_benchmark(inputs.benchmark, inputs.transitions, inputs.baseline)
save(benchmark_figure(bench.benchmark, bench.baseline, bench.transitions), snakemake.output.figure)
verdicts = dataset_verdicts(bench)
for sentence in verdicts.values():
    print(sentence)
table = getattr(inputs, "recordings", None)  # a study with a surrogate on a recording
recorded = recording_verdicts(pd.read_csv(table, sep="\t")) if table else {}
for sentence in recorded.values():
    print(sentence)
landing = landing_rst(bench, verdicts, Path(snakemake.output.figure).read_bytes(), recording_verdicts=recorded)
write_bytes(snakemake.output.landing, landing.encode(), file_output("report block"))
