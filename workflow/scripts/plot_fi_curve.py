"""Snakemake adapter: f–I curve with the excitability type, for current-controlled models."""

import sys

from neurorecon.analysis import excitability_of
from neurorecon.figures import truth as plots
from neurorecon.figures.style import save
from neurorecon.io.stores import read_dataset

sys.stderr = open(snakemake.log[0], "w", buffering=1)
regimes = read_dataset(snakemake.input[0], kind="regimes")
excitability = excitability_of(regimes)
if excitability is None:
    raise ValueError(f"{snakemake.input[0]}: the control parameter is not an injected current")
print(f"excitability type {excitability.type}: {excitability.reason}", file=sys.stderr)
save(plots.fi_curve_figure(regimes, excitability), snakemake.output[0])
