"""Snakemake adapter: truth and surrogate overlaid: bifurcation diagram and regime strips."""

import sys

from neurorecon import plots
from neurorecon.store import read_dataset

sys.stderr = open(snakemake.log[0], "w", buffering=1)  # noqa: F821
w = snakemake.wildcards  # noqa: F821
regimes = {
    "truth": read_dataset(snakemake.input.truth, kind="regimes"),  # noqa: F821
    f"{w.surrogate} (seed {w.seed})": read_dataset(snakemake.input.surrogate, kind="regimes"),  # noqa: F821
}
train = snakemake.params.train_values  # noqa: F821
plots.save(plots.bifurcation_figure(regimes, train), snakemake.output.bifurcation)  # noqa: F821
plots.save(plots.regime_strip_figure(regimes, train), snakemake.output.regimes)  # noqa: F821
