"""Snakemake adapter: truth and surrogate overlaid: bifurcation diagram, regime strips, largest
Lyapunov exponent, and the regime confusion matrix over unseen values."""

import sys

from neurorecon.figures import comparison as comparison_plots
from neurorecon.figures import truth as plots
from neurorecon.figures.style import save
from neurorecon.io.stores import read_dataset

sys.stderr = open(snakemake.log[0], "w", buffering=1)
w = snakemake.wildcards
label = f"{w.surrogate} (seed {w.seed})"
truth = read_dataset(snakemake.input.truth, kind="regimes")
surrogate = read_dataset(snakemake.input.surrogate, kind="regimes")
regimes = {"truth": truth, label: surrogate}
train = snakemake.params.train_values
output = snakemake.output
save(plots.bifurcation_figure(regimes, train), output.bifurcation)
save(plots.regime_strip_figure(regimes, train), output.regimes)
save(comparison_plots.lyapunov_comparison_figure(regimes, train), output.lyapunov)
save(comparison_plots.regime_confusion_figure(truth, surrogate, train, label), output.confusion)
