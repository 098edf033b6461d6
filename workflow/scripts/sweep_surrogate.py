"""Snakemake adapter: run a trained surrogate freely over the held-out grid into a trajectory store."""

import sys
from pathlib import Path

import torch

from neurorecon.store import provenance, write_dataset
from neurorecon.surrogates import SweepSettings, sweep

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)  # noqa: F821
torch.set_num_threads(snakemake.threads)  # noqa: F821
settings = SweepSettings.from_dict(snakemake.params.settings, where="sweep")  # noqa: F821
seed = int(snakemake.wildcards.seed)  # noqa: F821
ds = sweep(
    Path(snakemake.input.checkpoint).parent,  # noqa: F821
    control_values=snakemake.params.values,  # noqa: F821
    n_ic=settings.n_ic,
    n_steps=settings.n_steps,
    transient_steps=settings.transient_steps,
    seed=seed,
    device=snakemake.params.device,  # noqa: F821
    lyapunov_steps=settings.lyapunov_steps,
)
ds.attrs.update(provenance(seed=seed, rule=snakemake.rule, wildcards=dict(snakemake.wildcards)))  # noqa: F821
diverged = int((ds["status"].values != 0).sum())
if diverged:
    print(f"warning: {diverged} of {ds['status'].size} surrogate trajectories diverged; "
          "they are classified divergent")
write_dataset(ds, snakemake.output[0])  # noqa: F821
print(f"wrote {snakemake.output[0]}")  # noqa: F821
