"""Snakemake adapter: the family-independent check of a trained surrogate at its training values."""

import sys
from pathlib import Path

from neurorecon.surrogates.registry import load_surrogate
from neurorecon.surrogates.run import check_surrogate
from neurorecon.surrogates.settings import CheckSettings
from neurorecon.surrogates.training import limit_threads

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
limit_threads(snakemake.threads)
surrogate = load_surrogate(snakemake.input.checkpoint, snakemake.params.device)
settings = CheckSettings.from_dict(snakemake.params.settings, where="check")
run = check_surrogate(surrogate, snakemake.input.train, settings, int(snakemake.wildcards.seed),
                      Path(snakemake.output[0]).parent)
print(f"training-value check {'passed' if run.check.passed else 'did not pass'}: "
      f"{run.check.n_values_passed} values, {run.check.n_traces_passed} trajectories passed")
