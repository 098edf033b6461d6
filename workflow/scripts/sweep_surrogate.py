"""Snakemake adapter: run a trained surrogate freely over the held-out grid into a trajectory store,
with its own Lyapunov exponents and its forecast horizons from held-out truth states."""

import sys
from pathlib import Path

from neurorecon.evaluation.forecast import with_forecast_horizons
from neurorecon.io.stores import provenance, read_dataset, write_dataset
from neurorecon.surrogates import SweepSettings, load_surrogate
from neurorecon.surrogates.sweep import sweep
from neurorecon.surrogates.training import limit_threads

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
limit_threads(snakemake.threads)
settings = SweepSettings.from_dict(snakemake.params.settings, where="sweep")
seed = int(snakemake.wildcards.seed)
surrogate = load_surrogate(Path(snakemake.input.checkpoint).parent, snakemake.params.device)
print(f"sweeping {len(snakemake.params.values)} values x {settings.n_ic} states x {settings.n_steps} steps "
      f"({surrogate.family})")
ds = sweep(
    surrogate,
    control_values=snakemake.params.values,
    n_ic=settings.n_ic,
    n_steps=settings.n_steps,
    transient_steps=settings.transient_steps,
    seed=seed,
    lyapunov_steps=settings.lyapunov_steps,
)
if settings.forecast_starts:
    heldout = read_dataset(snakemake.input.heldout, kind="trajectories")
    steps = min(settings.forecast_steps, heldout.sizes["time"] - settings.forecast_history)
    if steps < settings.forecast_steps:
        print(f"warning: the held-out truth has {heldout.sizes['time']} samples; forecasting {steps} steps "
              f"instead of sweep.forecast_steps = {settings.forecast_steps}")
    print(f"forecasting {steps} steps from {settings.forecast_starts} held-out truth states per trajectory")
    ds = with_forecast_horizons(ds, surrogate, heldout, settings.forecast_starts, steps, settings.forecast_history,
                                seed)
ds.attrs.update(provenance(seed=seed, rule=snakemake.rule, wildcards=dict(snakemake.wildcards)))
diverged = int((ds["status"].values != 0).sum())
if diverged:
    print(f"warning: {diverged} of {ds['status'].size} surrogate trajectories diverged; "
          "they are classified divergent")
write_dataset(ds, snakemake.output[0])
print(f"wrote {snakemake.output[0]}")
