"""Snakemake adapter: the benchmark tables across datasets and surrogates (with the baseline)."""

import sys

from neurorecon.evaluation.benchmark import build_benchmark, read_baseline, read_run
from neurorecon.io.stores import write_table

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
params = snakemake.params
baselines = {dataset: read_baseline(path, dataset, params.units[dataset])
             for dataset, path in zip(params.datasets, snakemake.input.baselines, strict=True)}
runs = [read_run(path, params.families[surrogate])
        for path, (_, surrogate, _) in zip(snakemake.input.runs, params.runs, strict=True)]
bench = build_benchmark(runs, baselines)
write_table(bench.benchmark, snakemake.output.benchmark)
write_table(bench.transitions, snakemake.output.transitions)
write_table(bench.baseline, snakemake.output.baseline)
print(bench.benchmark.to_string())
print(bench.baseline.to_string())
