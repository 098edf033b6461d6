"""Snakemake adapter: bifurcation diagram, regime strip and Lyapunov figure of the ground truth."""

import sys

from neurorecon.figures.style import save
from neurorecon.figures import truth as plots
from neurorecon.io.stores import read_dataset

sys.stderr = open(snakemake.log[0], "w", buffering=1)  # noqa: F821
regimes = {"truth": read_dataset(snakemake.input[0], kind="regimes")}  # noqa: F821
train = snakemake.params.train_values  # noqa: F821
save(plots.bifurcation_figure(regimes, train), snakemake.output.bifurcation)  # noqa: F821
save(plots.regime_strip_figure(regimes, train), snakemake.output.regimes)  # noqa: F821
save(plots.lyapunov_figure(regimes, train), snakemake.output.lyapunov)  # noqa: F821
