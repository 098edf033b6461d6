"""Snakemake adapter: bifurcation diagram, regime strip and (when the rule has that output) Lyapunov
figure of the ground truth."""

import sys

from neurorecon.figures import truth as plots
from neurorecon.figures.style import save
from neurorecon.io.stores import read_dataset

sys.stderr = open(snakemake.log[0], "w", buffering=1)
regimes = {"truth": read_dataset(snakemake.input[0], kind="regimes")}
train = snakemake.params.train_values
save(plots.bifurcation_figure(regimes, train), snakemake.output.bifurcation)
save(plots.regime_strip_figure(regimes, train), snakemake.output.regimes)
if hasattr(snakemake.output, "lyapunov"):  # a named output (the Namedlist holds paths)
    save(plots.lyapunov_figure(regimes, train), snakemake.output.lyapunov)
