"""Snakemake adapter: the f–I curves of truth and surrogate on one axis, each with its onset and
excitability type (current-driven datasets)."""

import sys

from neurorecon.analysis import excitability_of
from neurorecon.figures.comparison import fi_comparison_figure
from neurorecon.figures.style import save
from neurorecon.io.stores import read_dataset

sys.stderr = open(snakemake.log[0], "w", buffering=1)
w = snakemake.wildcards
regimes = {"truth": read_dataset(snakemake.input.truth, kind="regimes"),
           f"{w.surrogate} (seed {w.seed})": read_dataset(snakemake.input.surrogate, kind="regimes")}
excitability = {}
for label, ds in regimes.items():
    found = excitability_of(ds)
    if found is None:
        raise ValueError(f"{label}: the control parameter of {w.dataset} is not an injected current")
    print(f"{label}: excitability type {found.type}, onset {found.onset}: {found.reason}", file=sys.stderr)
    excitability[label] = found
save(fi_comparison_figure(regimes, excitability, snakemake.params.train_values), snakemake.output[0])
